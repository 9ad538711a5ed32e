"""Reads of a person's calendar: how its last read went, and the busy intervals stored from it.

Titles are their owner's alone: ``busy_listed`` (with titles) is for the owner's own pages;
everyone else, and every API, gets ``busy_merged`` (bare intervals, overlaps joined).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from accounts.models import User
from coaching.models import CalendarBusy, CalendarSource


@dataclass(frozen=True)
class BusyTime:
    start: dt.datetime
    end: dt.datetime
    title: str = ""


def calendar_source_of(user: User) -> CalendarSource | None:
    return CalendarSource.objects.filter(user=user).first()


def calendar_state_of(source: CalendarSource | None) -> dict[str, Any]:
    """How a calendar's last read went, never its address or credentials:
    ``{set, kind, last_read_at, last_ok_at, last_error}``."""
    if source is None:
        return {
            "set": False,
            "kind": "",
            "last_read_at": None,
            "last_ok_at": None,
            "last_error": "",
        }
    return {
        "set": True,
        "kind": source.kind,
        "last_read_at": source.last_read_at,
        "last_ok_at": source.last_ok_at,
        "last_error": source.last_error,
    }


def calendar_state(user: User) -> dict[str, Any]:
    """Whether ``user`` has a calendar set and how its last read went (``calendar_state_of``)."""
    return calendar_state_of(calendar_source_of(user))


def _overlapping(user_ids: list[int], start: dt.datetime, end: dt.datetime):
    return CalendarBusy.objects.filter(user_id__in=user_ids, start__lt=end, end__gt=start)


def merge(
    intervals: list[tuple[dt.datetime, dt.datetime]],
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Overlapping or touching intervals joined, soonest first."""
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def busy_merged(
    *, user: User, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """When ``user``'s calendar says they are busy within [start, end), overlaps joined and
    clipped to the span; no titles. One query."""
    rows = _overlapping([user.pk], start, end).values_list("start", "end")
    return [(max(s, start), min(e, end)) for s, e in merge(list(rows))]


def busy_merged_by_person(
    *, user_ids: list[int], start: dt.datetime, end: dt.datetime
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """``busy_merged`` for several people at once, keyed by user id. One query."""
    per_person: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {pk: [] for pk in user_ids}
    for user_id, s, e in _overlapping(user_ids, start, end).values_list("user_id", "start", "end"):
        per_person[user_id].append((s, e))
    return {pk: merge(intervals) for pk, intervals in per_person.items()}


def busy_listed(*, owner: User, start: dt.datetime, end: dt.datetime) -> list[BusyTime]:
    """The owner's own busy times within [start, end), one per event, with their titles: for
    the owner's eyes only. One query."""
    rows = _overlapping([owner.pk], start, end).order_by("start", "end", "pk")
    return [BusyTime(start=row.start, end=row.end, title=row.title) for row in rows]
