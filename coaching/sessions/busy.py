"""Whether a person is busy: one answer for the follow-up booking and for booking by hand.

A person is busy during every session that occupies them, as coach or as rep: scheduled, held
or missed (a cancelled session frees its time). Intervals are half-open, so sessions back to
back do not clash. ``busy_intervals`` loads those that overlap a span (the session QuerySet's
``overlapping``); ``overlaps`` is the same test for the pure slot search.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from accounts.models import User
from coaching.models import CoachingSession
from coaching.models.querysets import SESSION_ENDS_AT


@dataclass(frozen=True)
class BusyInterval:
    start: dt.datetime
    end: dt.datetime
    coach_id: int | None  # whose session it is, for the daily cap
    rep_id: int | None = None


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
    """When any of ``people`` is in a session that overlaps [start, end), soonest first.

    ``exclude`` leaves one session out (the one being moved). One query.
    """
    sessions = CoachingSession.objects.occupying().involving(people)
    if exclude is not None:
        sessions = sessions.exclude(pk=exclude)
    rows = (
        sessions.overlapping(start=start, end=end)
        .order_by("scheduled_for", "pk")
        .values_list("scheduled_for", SESSION_ENDS_AT, "coach_id", "rep_id")
    )
    return [
        BusyInterval(start=begins, end=ends, coach_id=coach_id, rep_id=rep_id)
        for begins, ends, coach_id, rep_id in rows
    ]
