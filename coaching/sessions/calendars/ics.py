"""What is busy in an iCalendar file: events expanded within a span, read by the rules of
docs/calendars.md.

- Recurring events are expanded by ``recurring-ical-events``, with their exceptions (a moved
  instance's RECURRENCE-ID, EXDATE) and Google's ``X-WR-TIMEZONE`` turned into standard time
  zones first (``x_wr_timezone.to_standard``).
- ``TRANSP:TRANSPARENT`` is free; a ``STATUS:CANCELLED`` instance is skipped; an event the
  person declined (their ATTENDEE's ``PARTSTAT=DECLINED``) is free. Tentative events, and
  invitations not yet answered, count as busy: better a slot too few than a clash.
- An all-day event blocks the whole of its days in the person's time zone; a floating time (no
  zone) is read in the person's time zone too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import recurring_ical_events  # type: ignore[import-untyped]
import x_wr_timezone  # type: ignore[import-untyped]
from icalendar import Calendar

UTC = dt.UTC
# A calendar with more instances than this in the horizon is read up to here (a meeting every
# few minutes for months says little more about free time than its first thousands).
MAX_INTERVALS = 5000
TITLE_CHARS = 300


class CalendarUnreadable(ValueError):
    """The file is not iCalendar; ``str()`` says so in words."""


@dataclass(frozen=True)
class Busy:
    start: dt.datetime  # aware, UTC
    end: dt.datetime  # aware, UTC, after start
    title: str = ""


def _instant(value: dt.date | dt.datetime, tz: ZoneInfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=tz)
        return aware.astimezone(UTC)
    # An all-day date: the start of that day where the person is.
    return dt.datetime.combine(value, dt.time(), tzinfo=tz).astimezone(UTC)


def _span(event: Any, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime] | None:
    start_prop = event.get("DTSTART")
    if start_prop is None:
        return None
    start_value = start_prop.dt
    end_prop = event.get("DTEND")
    if end_prop is not None:
        end_value = end_prop.dt
    elif event.get("DURATION") is not None:
        end_value = start_value + event["DURATION"].dt
    elif isinstance(start_value, dt.datetime):
        return None  # an instant takes no time (RFC 5545 3.6.1)
    else:
        end_value = start_value + dt.timedelta(days=1)
    start, end = _instant(start_value, tz), _instant(end_value, tz)
    if end <= start:
        return None
    return start, end


def _declined_by(event: Any, emails: set[str]) -> bool:
    attendees = event.get("ATTENDEE")
    if attendees is None or not emails:
        return False
    if not isinstance(attendees, list):
        attendees = [attendees]
    for attendee in attendees:
        address = str(attendee).lower().removeprefix("mailto:").strip()
        if address in emails:
            return str(attendee.params.get("PARTSTAT", "")).upper() == "DECLINED"
    return False


def is_free(event: Any, *, emails: set[str]) -> bool:
    """Whether this event (one instance) leaves its owner free, by the rules above."""
    if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
        return True
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return True
    return _declined_by(event, emails)


def calendar_parse(data: bytes | str) -> Calendar:
    """The calendar, with Google's X-WR-TIMEZONE made standard. Raises CalendarUnreadable."""
    try:
        calendar = Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as error:
        raise CalendarUnreadable("The address did not return an iCalendar file.") from error
    if isinstance(calendar, list):  # several VCALENDARs in one file: read the first
        calendar = calendar[0]
    if calendar.name != "VCALENDAR":
        raise CalendarUnreadable("The address did not return an iCalendar file.")
    return x_wr_timezone.to_standard(calendar)


def busy_in(
    calendar: Calendar,
    *,
    start: dt.datetime,
    end: dt.datetime,
    tz: ZoneInfo,
    emails: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[Busy]:
    """Busy intervals of ``calendar`` that overlap [start, end), soonest first.

    ``tz`` is the person's time zone (all-day and floating events); ``emails`` their addresses,
    lower case, to find their own answer to an invitation.
    """
    emails = {email.lower() for email in emails if email}
    try:
        instances = recurring_ical_events.of(calendar, components=["VEVENT"]).between(start, end)
    except (ValueError, TypeError, KeyError) as error:
        raise CalendarUnreadable(f"The calendar's events could not be read: {error}.") from error
    found: list[Busy] = []
    for event in instances:
        if is_free(event, emails=emails):
            continue
        span = _span(event, tz)
        if span is None or span[1] <= start or span[0] >= end:
            continue
        title = " ".join(str(event.get("SUMMARY", "")).split())[:TITLE_CHARS]
        found.append(Busy(start=span[0], end=span[1], title=title))
        if len(found) >= MAX_INTERVALS:
            break
    found.sort(key=lambda busy: (busy.start, busy.end))
    return found
