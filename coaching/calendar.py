"""Coaching sessions as iCalendar: email invites, and each person's private, revocable feed.

One session is one calendar event everywhere, with a UID stable for the session's whole life, so
calendar programs update (or remove) the event they already have instead of adding another.
"""

from __future__ import annotations

import datetime as dt
from email.mime.text import MIMEText
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from accounts.models import User
from coaching.models import CalendarFeed, CoachingSession, new_feed_token

PRODID = "-//Skillcoach//Coaching sessions//EN"
FEED_PAST = dt.timedelta(days=30)
FEED_AHEAD = dt.timedelta(days=90)


def _site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def session_uid(session: CoachingSession) -> str:
    return f"session-{session.pk}@{_site_host()}"


def session_sequence(session: CoachingSession) -> int:
    """iCalendar's revision number: 0 when booked, larger after every change to the session.

    Seconds between creation and the last save grow with each save, so a reschedule or a cancel
    always carries a higher SEQUENCE than the invite before it, without a counter to maintain.
    """
    if session.created_at is None or session.updated_at is None:
        return 0
    return max(0, int((session.updated_at - session.created_at).total_seconds()))


def session_title(session: CoachingSession) -> str:
    topic = session.module.title if session.module_id else "Coaching session"
    return f"Coaching: {topic} ({session.rep})"


# The agenda's parts worth reading before the session, in reading order, with their headings.
AGENDA_HEADINGS = {
    "note": "Note",
    "questions_to_ask": "Questions to ask",
    "behaviours_to_observe": "Behaviours to observe",
    "practice_task": "Practice task",
    "missed_questions": "Quiz questions missed",
    "commitments": "Commitments to review",
    "skills": "Skills",
}
# Shown elsewhere (title, score line) or internal: not repeated as agenda sections.
AGENDA_SKIPPED = {"module", "score", "missed_skills"}


def agenda_sections(agenda) -> list[tuple[str, list[str]]]:
    """The agenda as (heading, items) pairs; unknown parts are shown under their own name."""
    if not agenda:
        return []
    if not isinstance(agenda, dict):
        items = agenda if isinstance(agenda, list) else [agenda]
        return [("Agenda", [_agenda_item(item) for item in items])]
    known = [key for key in AGENDA_HEADINGS if key in agenda]
    other = [key for key in agenda if key not in AGENDA_HEADINGS and key not in AGENDA_SKIPPED]
    sections = []
    for key in known + other:
        value = agenda[key]
        if not value or isinstance(value, dict):
            continue
        heading = AGENDA_HEADINGS.get(key) or str(key).replace("_", " ").capitalize()
        items = value if isinstance(value, list) else [value]
        sections.append((heading, [_agenda_item(item) for item in items if item]))
    return [(heading, items) for heading, items in sections if items]


def agenda_lines(agenda) -> list[str]:
    lines = []
    for heading, items in agenda_sections(agenda):
        lines.append(f"{heading}:")
        lines.extend(f"- {item}" for item in items)
    return lines


def _agenda_item(item) -> str:
    if isinstance(item, dict):
        text = next(
            (str(item[f]) for f in ("text", "prompt", "question", "title", "name") if item.get(f)),
            "",
        )
        if text and item.get("due_date"):
            text = f"{text} (due {item['due_date']})"
        return text or ", ".join(f"{k}: {v}" for k, v in item.items())
    return str(item)


def _address(user: User | None, role: str = "REQ-PARTICIPANT") -> vCalAddress | None:
    if user is None or not user.email:
        return None
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(str(user))
    address.params["role"] = vText(role)
    return address


def session_event(
    session: CoachingSession, *, now: dt.datetime, cancelled: bool = False, url: str = ""
) -> Event:
    start = session.scheduled_for.astimezone(dt.UTC)
    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", start)
    event.add("dtend", start + dt.timedelta(minutes=session.duration_minutes))
    event.add("sequence", session_sequence(session))
    event.add("summary", session_title(session))
    description = "\n".join(agenda_lines(session.agenda)) or "Coaching session."
    if url:
        description = f"{description}\n\n{url}"
        event.add("url", url)
    event.add("description", description)
    is_cancelled = cancelled or session.status == CoachingSession.Status.CANCELLED
    event.add("status", "CANCELLED" if is_cancelled else "CONFIRMED")

    organizer = _address(session.coach, role="CHAIR")
    if organizer is None:
        name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
        organizer = vCalAddress(f"mailto:{email}")
        organizer.params["cn"] = vText(name or "Coaching")
    event.add("organizer", organizer)
    for person in (session.rep, session.coach):
        attendee = _address(person)
        if attendee is not None:
            event.add("attendee", attendee, encode=0)
    return event


def _calendar(method: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    return cal


def session_invite(
    *, session: CoachingSession, method: str, now: dt.datetime, url: str = ""
) -> bytes:
    """A one-event calendar for an email invite: METHOD REQUEST (new or moved) or CANCEL."""
    cal = _calendar(method)
    cal.add_component(session_event(session, now=now, cancelled=method == "CANCEL", url=url))
    return cal.to_ical()


def session_invite_part(
    *, session: CoachingSession, method: str, now: dt.datetime, url: str = ""
) -> MIMEText:
    """The invite as an email attachment that mail programs offer to add to the calendar."""
    ics = session_invite(session=session, method=method, now=now, url=url).decode()
    part = MIMEText(ics, "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part


# --- the private feed -----------------------------------------------------------------------


def calendar_feed_for(*, user: User) -> CalendarFeed:
    """The person's feed, created the first time they ask for it."""
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def calendar_feed_rotate(*, user: User) -> CalendarFeed:
    """Give the feed a new token; the old address stops working at once."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return CalendarFeed.objects.create(user=user)
    feed.token = new_feed_token()
    feed.save(update_fields=["token"])
    return feed


def calendar_feed_sessions(
    *, token: str, now: dt.datetime | None = None
) -> tuple[User, QuerySet[CoachingSession]]:
    """The owner of ``token`` and their sessions, as coach or rep, from 30 days back to 90 ahead.

    Raises Http404 for a token that is unknown (or was rotated away) or whose owner left.
    """
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
    if feed is None:
        raise Http404("No such calendar.")
    now = now or timezone.now()
    user = feed.user
    sessions = (
        CoachingSession.objects.filter(Q(rep=user) | Q(coach=user))
        .filter(scheduled_for__gte=now - FEED_PAST, scheduled_for__lte=now + FEED_AHEAD)
        .select_related("rep", "coach", "module")
        .order_by("scheduled_for", "pk")
    )
    return user, sessions


def sessions_calendar(
    *, sessions, now: dt.datetime, name: str = "Coaching sessions", url_for=None
) -> bytes:
    """A published calendar of ``sessions`` (cancelled ones stay, marked CANCELLED)."""
    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", name)
    for session in sessions:
        url = url_for(session) if url_for else ""
        cal.add_component(session_event(session, now=now, url=url))
    return cal.to_ical()
