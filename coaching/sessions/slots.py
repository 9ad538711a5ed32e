"""Finding a coaching slot: lead time, follow-up window, working hours, overlaps and a daily cap.

``slot_find`` is pure (no database): it works in the coach's local wall time with ``zoneinfo``
so that working hours mean the same thing on both sides of a daylight-saving change, and
returns an aware UTC start. ``coach_slot_find`` loads the busy time of coach and rep
(``coaching.sessions.busy``, the same answer booking by hand gets) in one query and asks
``slot_find``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from accounts.models import User
from coaching.sessions.busy import busy_intervals, overlaps
from config.errors import DomainError

UTC = dt.UTC
MONDAY_TO_FRIDAY = frozenset(range(5))


class NoSlotFound(DomainError):
    """Nothing fits before the search limit (a calendar booked solid for weeks)."""


@dataclass(frozen=True)
class SlotRules:
    """The booking rules of DESIGN §5, in one value so tests can vary them."""

    lead: dt.timedelta = dt.timedelta(hours=2)
    window: dt.timedelta = dt.timedelta(hours=48)
    session_minutes: int = 30
    day_start_hour: int = 9
    day_end_hour: int = 17
    max_per_day: int = 6
    # Starts are on this grid, counted from the start of the working day in local time.
    grid_minutes: int | None = None
    workdays: frozenset[int] = field(default=MONDAY_TO_FRIDAY)
    # How far past the window to keep looking before giving up.
    horizon: dt.timedelta = dt.timedelta(days=60)

    def __post_init__(self) -> None:
        if not 0 <= self.day_start_hour < self.day_end_hour <= 24:
            raise ImproperlyConfigured("The working day must start before it ends, within 0-24 h.")
        if self.session_minutes <= 0 or (self.grid_minutes is not None and self.grid_minutes <= 0):
            raise ImproperlyConfigured("Session length and grid must be positive minutes.")
        if (self.day_end_hour - self.day_start_hour) * 60 < self.session_minutes:
            raise ImproperlyConfigured("A session does not fit in the working day.")
        if self.max_per_day < 1 or not self.workdays:
            raise ImproperlyConfigured("A coach needs at least one session on one working day.")

    @classmethod
    def from_settings(cls) -> SlotRules:
        return cls(
            lead=dt.timedelta(hours=settings.COACHING_MIN_LEAD_HOURS),
            window=dt.timedelta(hours=settings.COACHING_FOLLOW_UP_HOURS),
            session_minutes=settings.COACHING_SESSION_MINUTES,
            day_start_hour=settings.COACHING_WORKDAY_START_HOUR,
            day_end_hour=settings.COACHING_WORKDAY_END_HOUR,
            max_per_day=settings.COACHING_MAX_SESSIONS_PER_DAY,
        )

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.session_minutes)

    @property
    def grid(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.grid_minutes or self.session_minutes)

    def search_limit(self, after: dt.datetime) -> dt.datetime:
        """No slot starts at or after this instant."""
        return after + self.lead + self.window + self.horizon


@dataclass(frozen=True)
class Slot:
    start: dt.datetime  # aware, UTC
    late: bool  # no slot fitted the follow-up window; this is the first one after it


def _aware(day: dt.date, wall: dt.timedelta, tz: ZoneInfo) -> dt.datetime | None:
    """``day`` at ``wall`` past local midnight, in UTC; None for a wall time the clocks skip."""
    naive = dt.datetime.combine(day, dt.time()) + wall
    local = naive.replace(tzinfo=tz)  # fold=0: an hour that repeats means its first occurrence
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return instant


def _day_starts(day: dt.date, tz: ZoneInfo, rules: SlotRules):
    """Candidate starts on ``day`` in order, each ending by the end of the working day."""
    # When the clocks skip the end hour itself, the next instant is the end of the day.
    day_end = _aware(day, dt.timedelta(hours=rules.day_end_hour), tz) or _aware(
        day, dt.timedelta(hours=rules.day_end_hour + 1), tz
    )
    if day_end is None:
        return
    wall = dt.timedelta(hours=rules.day_start_hour)
    last = dt.timedelta(hours=rules.day_end_hour) - rules.duration
    while wall <= last:
        start = _aware(day, wall, tz)
        if start is not None and start + rules.duration <= day_end:
            yield start
        wall += rules.grid


def working_hours_problem(
    *, start: dt.datetime, end: dt.datetime, tz: ZoneInfo, rules: SlotRules
) -> str:
    """Why [start, end) is outside the working day in ``tz`` under ``rules``, or "".

    The same working days and hours the slot search keeps to, for a time chosen by hand: the
    session lies on one working day, from the start of the working day to its end.
    """
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    day = local_start.date()
    day_start = dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(
        hours=rules.day_start_hour
    )
    day_end = dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(
        hours=rules.day_end_hour
    )
    hours = f"{rules.day_start_hour:02d}:00-{rules.day_end_hour:02d}:00"
    if day.weekday() not in rules.workdays:
        return f"{local_start:%A} is not a working day"
    if local_start < day_start or local_end > day_end:
        return f"the working day is {hours} {tz.key}"
    return ""


def slot_find(
    *,
    after: dt.datetime,
    tz: ZoneInfo,
    busy: Iterable[tuple[dt.datetime, dt.datetime]],
    sessions_per_day: dict[dt.date, int],
    rules: SlotRules,
) -> Slot:
    """The first start at least ``rules.lead`` after ``after`` that fits every rule.

    A start fits when it lies on the grid of the working day in ``tz``, on a working day,
    the session ends by the end of that working day, it overlaps no ``busy`` interval (aware
    datetimes, half-open: back to back is fine) and fewer than ``rules.max_per_day`` sessions
    already fall on that local day (``sessions_per_day`` is keyed by local date). A slot that
    starts later than ``after + rules.window`` is flagged late; it is taken only because nothing
    fitted inside the window. Raises NoSlotFound when nothing starts before
    ``rules.search_limit(after)``; ValueError for a naive ``after``.
    """
    if after.tzinfo is None:
        raise ValueError("slot_find needs an aware datetime.")
    after = after.astimezone(UTC)
    earliest = after + rules.lead
    deadline = after + rules.window
    limit = rules.search_limit(after)
    intervals = sorted((start.astimezone(UTC), end.astimezone(UTC)) for start, end in busy)

    day = earliest.astimezone(tz).date()
    last_day = limit.astimezone(tz).date()
    while day <= last_day:
        if day.weekday() in rules.workdays and sessions_per_day.get(day, 0) < rules.max_per_day:
            for start in _day_starts(day, tz, rules):
                if start < earliest:
                    continue
                if start >= limit:
                    break
                end = start + rules.duration
                if not any(overlaps(b_start, b_end, start, end) for b_start, b_end in intervals):
                    return Slot(start=start, late=start > deadline)
        day += dt.timedelta(days=1)
    raise NoSlotFound("No free coaching slot in the coming weeks; book one by hand.")


def calendar_lock(owner: User) -> None:
    """Lock ``owner``'s row until the transaction ends, so that two bookings for one coach
    (two reps completing at once, say) take turns and never both take the same free slot."""
    list(User.objects.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True))


def coach_slot_find(
    *,
    coach: User | None,
    after: dt.datetime,
    rep: User | None = None,
    rules: SlotRules | None = None,
) -> Slot:
    """The coach's first free slot after ``after``, in the coach's time zone.

    Busy time is every session the coach leads and, when ``rep`` is given, every session of
    the rep, so neither is double-booked; the daily cap counts the coach's sessions. With no
    coach (a rep without a manager) the rep's own time zone and sessions are used. One query.
    Raises NoSlotFound as ``slot_find`` does.
    """
    owner = coach or rep
    if owner is None:
        raise ValueError("coach_slot_find needs a coach or a rep.")
    rules = rules or SlotRules.from_settings()
    tz = owner.tzinfo
    # A day's margin on each side: long sessions that run into the earliest start, and the
    # rest of the last local day, whose sessions count toward its cap.
    margin = dt.timedelta(days=1)
    busy = busy_intervals(
        people=[coach, rep],
        start=after + rules.lead - margin,
        end=rules.search_limit(after) + margin,
    )
    per_day: Counter[dt.date] = Counter(
        interval.start.astimezone(tz).date()
        for interval in busy
        if coach is None or interval.coach_id == coach.pk
    )
    return slot_find(
        after=after,
        tz=tz,
        busy=[(interval.start, interval.end) for interval in busy],
        sessions_per_day=per_day,
        rules=rules,
    )
