"""Coaching sessions as iCalendar: email invites, and each person's private, revocable feed.

One session is one calendar event everywhere, with a UID stable for the session's whole life, so
calendar programs update (or remove) the event they already have instead of adding another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from email.mime.text import MIMEText
from email.utils import parseaddr

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress
from icalendar.enums import STATUS

from accounts.models import User
from coaching.models import CalendarFeed, CoachingSession, new_feed_token
from coaching.models.agenda import agenda_lines
from coaching.reminders.links import site_host

PRODID = "-//Skillcoach//Coaching sessions//EN"
FEED_PAST = dt.timedelta(days=30)
FEED_AHEAD = dt.timedelta(days=90)


def session_uid(session: CoachingSession) -> str:
    return f"session-{session.pk}@{site_host()}"


def session_title(session: CoachingSession) -> str:
    if session.source == CoachingSession.Source.PEER:
        skill = session.focus_skill.name if session.focus_skill is not None else "a skill"
        return f"Peer practice: {skill} ({session.coach} with {session.rep})"
    topic = session.module.title if session.module is not None else "Coaching session"
    return f"Coaching: {topic} ({session.rep})"


# --- iCalendar ------------------------------------------------------------------------------


def _address(person: User, *, role: str) -> vCalAddress:
    return vCalAddress.new(person.email, cn=str(person), role=role)


def _organizer(session: CoachingSession) -> vCalAddress:
    """The coach; for a session without one (or a coach without an address), the sender."""
    coach = session.coach
    if coach is not None and coach.email:
        return _address(coach, role="CHAIR")
    name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return vCalAddress.new(email, cn=name or "Coaching")


def session_event(
    session: CoachingSession, *, now: dt.datetime, cancelled: bool = False, url: str = ""
) -> Event:
    """The session's VEVENT: one UID for the session's whole life, and its change counter as
    SEQUENCE, so calendar programs replace the event they hold."""
    start = session.scheduled_for.astimezone(dt.UTC)
    description = "\n".join(agenda_lines(session.agenda)) or "Coaching session."
    if url:
        description = f"{description}\n\n{url}"
    is_cancelled = cancelled or session.status == CoachingSession.Status.CANCELLED
    return Event.new(
        uid=session_uid(session),
        stamp=now.astimezone(dt.UTC),
        start=start,
        end=session.ends_at.astimezone(dt.UTC),
        sequence=session.sequence,
        summary=session_title(session),
        description=description,
        organizer=_organizer(session),
        attendees=[
            _address(person, role="REQ-PARTICIPANT")
            for person in (session.rep, session.coach)
            if person is not None and person.email
        ],
        status=STATUS.CANCELLED if is_cancelled else STATUS.CONFIRMED,
        url=url or None,
    )


def _calendar(events: Iterable[Event], *, method: str, name: str | None = None) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name is not None:
        calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def session_invite(
    *, session: CoachingSession, method: str, now: dt.datetime, url: str = ""
) -> bytes:
    """A one-event calendar for an email invite: METHOD REQUEST (new or moved) or CANCEL."""
    event = session_event(session, now=now, cancelled=method == "CANCEL", url=url)
    return _calendar([event], method=method)


def invite_part(*, ics: bytes, method: str) -> MIMEText:
    """An invite as an email attachment that mail programs offer to add to the calendar."""
    part = MIMEText(ics.decode(), "calendar", "utf-8")
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
        CoachingSession.objects.involving([user])
        .filter(scheduled_for__gte=now - FEED_PAST, scheduled_for__lte=now + FEED_AHEAD)
        .select_related("rep", "coach", "module", "focus_skill")
        .order_by("scheduled_for", "pk")
    )
    return user, sessions


def sessions_calendar(
    *,
    sessions: Iterable[CoachingSession],
    now: dt.datetime,
    name: str = "Coaching sessions",
    url_for: Callable[[CoachingSession], str] | None = None,
) -> bytes:
    """A published calendar of ``sessions`` (cancelled ones stay, marked CANCELLED)."""
    events = (
        session_event(session, now=now, url=url_for(session) if url_for else "")
        for session in sessions
    )
    return _calendar(events, method="PUBLISH", name=name)
