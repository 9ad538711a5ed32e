"""Whether a person is busy: one answer for the follow-up booking and for booking by hand.

A person is busy during every session that occupies them, as coach or as rep: scheduled, held
or missed (a cancelled session frees its time), and during every busy interval read from their
own calendar (``CalendarBusy``, stored by the calendar refresh; booking never reads the network).
Intervals are half-open, so meetings back to back do not clash. ``busy_intervals`` loads those
that overlap a span (two queries); ``overlaps`` is the same test for the pure slot search.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from accounts.models import User
from coaching.models import CalendarBusy, CoachingSession
from coaching.models.querysets import SESSION_ENDS_AT


@dataclass(frozen=True)
class BusyInterval:
    start: dt.datetime
    end: dt.datetime
    coach_id: int | None  # whose session it is, for the daily cap
    rep_id: int | None = None
    # Not a session but a busy time in this person's own calendar; its title is theirs alone.
    calendar_of: int | None = None
    title: str = ""

    def occupies(self, person_id: int) -> bool:
        return person_id in (self.coach_id, self.rep_id, self.calendar_of)

    @property
    def is_session(self) -> bool:
        return self.calendar_of is None


def overlaps(
    start: dt.datetime, end: dt.datetime, other_start: dt.datetime, other_end: dt.datetime
) -> bool:
    """Whether [start, end) and [other_start, other_end) share a moment."""
    return start < other_end and other_start < end


def busy_intervals(
    *,
    people: Iterable[User | None],
    start: dt.datetime,
    end: dt.datetime,
    exclude: int | None = None,
) -> list[BusyInterval]:
    """When any of ``people`` is in a session, or busy in their calendar, that overlaps
    [start, end), soonest first (a session before a calendar entry at the same time).

    ``exclude`` leaves one session out (the one being moved). Two queries.
    """
    present = [person for person in people if person is not None]
    sessions = CoachingSession.objects.occupying().involving(present)
    if exclude is not None:
        sessions = sessions.exclude(pk=exclude)
    rows = (
        sessions.overlapping(start=start, end=end)
        .order_by("scheduled_for", "pk")
        .values_list("scheduled_for", SESSION_ENDS_AT, "coach_id", "rep_id")
    )
    found = [
        BusyInterval(start=begins, end=ends, coach_id=coach_id, rep_id=rep_id)
        for begins, ends, coach_id, rep_id in rows
    ]
    calendar = (
        CalendarBusy.objects.filter(
            user_id__in=[person.pk for person in present], start__lt=end, end__gt=start
        )
        .order_by("start", "pk")
        .values_list("start", "end", "user_id", "title")
    )
    found.extend(
        BusyInterval(start=begins, end=ends, coach_id=None, calendar_of=user_id, title=title)
        for begins, ends, user_id, title in calendar
    )
    found.sort(key=lambda interval: (interval.start, not interval.is_session))
    return found
