"""Coaching sessions as iCalendar: email invites, and each person's private, revocable feed.

One session is one calendar event everywhere, with a UID stable for the session's whole life, so
calendar programs update (or remove) the event they already have instead of adding another.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from email.mime.text import MIMEText
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

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


# --- iCalendar text ------------------------------------------------------------------------
# Written by hand for the one shape we send: a general-purpose serializer cost a third of each
# reminder email. The bytes are those icalendar's Calendar.to_ical() gives for the same calendar
# (its property order, escaping, parameter quoting and folding), which tests check against it,
# so calendar programs see no change.

# Lines break before they would reach 75 octets, and never inside a UTF-8 character.
FOLD_OCTETS = 74
# RFC 6868 escapes inside parameter values.
_PARAM_ESCAPE = re.compile(r'\^|\r\n|\r|\n|"')
_PARAM_ESCAPES = {"^": "^^", "\r\n": "^n", "\r": "^n", "\n": "^n", '"': "^'"}
# Characters that make a parameter value need double quotes (the last one is icalendar's own).
_PARAM_QUOTED = re.compile("[,;:\u2019]")


def _text(value: str) -> str:
    """A TEXT value, escaped; a literal ``\\N`` is read as a line break, as icalendar does."""
    return (
        value.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _verbatim(value: str) -> str:
    """A value written as it is (URI, address, X- property): a line break would end the line."""
    if "\n" in value or "\r" in value:
        raise ValueError(f"A calendar value can't contain a line break: {value!r}")
    return value


def _common_name(name: str) -> str:
    """A CN parameter value: quoted when it has a space or an apostrophe too, like icalendar."""
    escaped = _PARAM_ESCAPE.sub(lambda match: _PARAM_ESCAPES[match.group(0)], name)
    if " " in name or "'" in name or _PARAM_QUOTED.search(escaped):
        return f'"{escaped}"'
    return escaped


def _utc(moment: dt.datetime) -> str:
    moment = moment.astimezone(dt.UTC)
    return (
        f"{moment.year:04}{moment.month:02}{moment.day:02}"
        f"T{moment.hour:02}{moment.minute:02}{moment.second:02}Z"
    )


def _address_line(prop: str, *, email: str, name: str, role: str = "") -> str:
    params = f";CN={_common_name(name)}" + (f";ROLE={role}" if role else "")
    return f"{prop}{params}:mailto:{_verbatim(email)}"


def _fold(line: str) -> bytes:
    """The line in UTF-8, folded; an escape's backslash (or RFC 6868 caret) starts the next line
    rather than end this one, as icalendar does for clients that mis-join split escapes."""
    data = line.encode()
    if len(data) <= FOLD_OCTETS:
        return data
    parts = []
    start = 0
    while len(data) - start > FOLD_OCTETS:
        cut = start + FOLD_OCTETS
        while data[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: back to the character
            cut -= 1
        if data[cut - 1] in b"\\^":
            cut -= 1
        parts.append(data[start:cut])
        start = cut
    parts.append(data[start:])
    return b"\r\n ".join(parts)


def session_event(
    session: CoachingSession, *, now: dt.datetime, cancelled: bool = False, url: str = ""
) -> list[str]:
    """The session's VEVENT as unfolded content lines."""
    start = session.scheduled_for.astimezone(dt.UTC)
    end = start + dt.timedelta(minutes=session.duration_minutes)
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{_text(session_title(session))}",
        f"DTSTART:{_utc(start)}",
        f"DTEND:{_utc(end)}",
        f"DTSTAMP:{_utc(now)}",
        f"UID:{_text(session_uid(session))}",
        f"SEQUENCE:{session_sequence(session)}",
    ]
    for person in (session.rep, session.coach):
        if person is not None and person.email:
            lines.append(
                _address_line(
                    "ATTENDEE", email=person.email, name=str(person), role="REQ-PARTICIPANT"
                )
            )
    description = "\n".join(agenda_lines(session.agenda)) or "Coaching session."
    if url:
        description = f"{description}\n\n{url}"
    lines.append(f"DESCRIPTION:{_text(description)}")
    coach = session.coach
    if coach is not None and coach.email:
        lines.append(_address_line("ORGANIZER", email=coach.email, name=str(coach), role="CHAIR"))
    else:
        name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
        lines.append(_address_line("ORGANIZER", email=email, name=name or "Coaching"))
    is_cancelled = cancelled or session.status == CoachingSession.Status.CANCELLED
    lines.append("STATUS:CANCELLED" if is_cancelled else "STATUS:CONFIRMED")
    if url:
        lines.append(f"URL:{_verbatim(url)}")
    lines.append("END:VEVENT")
    return lines


def _calendar(events: Iterable[list[str]], *, method: str = "", name: str | None = None) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{_text(PRODID)}", "CALSCALE:GREGORIAN"]
    if method:
        lines.append(f"METHOD:{_text(method)}")
    if name is not None:
        lines.append(f"X-WR-CALNAME:{_verbatim(name)}")
    for event in events:
        lines.extend(event)
    lines.append("END:VCALENDAR")
    return b"\r\n".join(_fold(line) for line in lines) + b"\r\n"


def session_invite(
    *, session: CoachingSession, method: str, now: dt.datetime, url: str = ""
) -> bytes:
    """A one-event calendar for an email invite: METHOD REQUEST (new or moved) or CANCEL."""
    event = session_event(session, now=now, cancelled=method == "CANCEL", url=url)
    return _calendar([event], method=method)


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
    events = (
        session_event(session, now=now, url=url_for(session) if url_for else "")
        for session in sessions
    )
    return _calendar(events, method="PUBLISH", name=name)
