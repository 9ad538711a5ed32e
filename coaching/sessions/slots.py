"""Finding a coaching slot both people really have (DESIGN §5, §11).

``slot_find`` is pure (no database). It walks the coach's working days in their own wall time
with ``zoneinfo`` (so working hours mean the same on both sides of a daylight-saving change)
and takes the first start, on the grid of the coach's working day, that fits every person:
inside their working hours on a working day in their own time zone, not on their time off,
not busy (sessions, and busy times read from their calendar), with the lead time, the
follow-up window and the coach's daily cap. It returns an aware UTC start.
``coach_slot_find`` loads the availability and busy time of coach and rep in three queries
(time off; sessions; calendar busy times: ``coaching.sessions.busy``, the same answer booking
by hand gets) and asks ``slot_find``; ``coach_slots_find`` lists the next few, for picking.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from accounts.availability import Availability, Away, availability_of
from accounts.models import User
from coaching.models import CoachingSession
from coaching.sessions.busy import busy_intervals, overlaps
from config.errors import DomainError

UTC = dt.UTC
MONDAY_TO_FRIDAY = frozenset(range(5))
HOUR = dt.timedelta(hours=1)


class NoSlotFound(DomainError):
    """Nothing fits before the search limit (a calendar booked solid for weeks)."""


@dataclass(frozen=True)
class SlotRules:
    """The booking rules of DESIGN §5, in one value so tests can vary them. The working day
    and days here are the organisation's default, for a person who has set none
    (``default_availability``); each person's own come with them (``Person``)."""

    lead: dt.timedelta = dt.timedelta(hours=2)
    window: dt.timedelta = dt.timedelta(hours=48)
    session_minutes: int = 30
    day_start_hour: int = 9
    day_end_hour: int = 17
    max_per_day: int = 6
    # Starts are on this grid, counted from the start of the coach's working day in local time.
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

    def default_availability(self, tz: ZoneInfo) -> Availability:
        """The organisation's working week in ``tz``, with no time off."""
        return Availability(
            tz=tz,
            workdays=self.workdays,
            day_start=dt.timedelta(hours=self.day_start_hour),
            day_end=dt.timedelta(hours=self.day_end_hour),
        )


@dataclass(frozen=True)
class Slot:
    start: dt.datetime  # aware, UTC
    late: bool  # no slot fitted the follow-up window; this is the first one after it


class _Busy:
    """A person's busy intervals merged and sorted, asked "free for [start, end)?" by bisection."""

    def __init__(self, intervals: Iterable[tuple[dt.datetime, dt.datetime]]) -> None:
        merged: list[list[dt.datetime]] = []
        for start, end in sorted((s.astimezone(UTC), e.astimezone(UTC)) for s, e in intervals):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [start for start, _ in merged]
        self.ends = [end for _, end in merged]

    def free(self, start: dt.datetime, end: dt.datetime) -> bool:
        # The intervals starting before ``end``; the last of them ends latest (they are merged).
        before_end = bisect.bisect_left(self.starts, end)
        return before_end == 0 or not overlaps(
            self.starts[before_end - 1], self.ends[before_end - 1], start, end
        )


@dataclass(frozen=True)
class Person:
    """One of the people a session needs: when they work, and when they are busy (aware
    [start, end) pairs: their sessions and their calendar's busy times)."""

    availability: Availability
    busy: Sequence[tuple[dt.datetime, dt.datetime]] = ()


def _aware(day: dt.date, wall: dt.timedelta, tz: ZoneInfo) -> dt.datetime | None:
    """``day`` at ``wall`` past local midnight, in UTC; None for a wall time the clocks skip."""
    naive = dt.datetime.combine(day, dt.time()) + wall
    local = naive.replace(tzinfo=tz)  # fold=0: an hour that repeats means its first occurrence
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return instant


def working_span(
    availability: Availability, day: dt.date
) -> tuple[dt.datetime, dt.datetime] | None:
    """The working hours of local ``day`` as a UTC [start, end); None on a day off.

    A start or end the clocks skip becomes the next instant there is (an hour on)."""
    if not availability.works_on(day):
        return None
    tz = availability.tz
    begins, ends = availability.day_start, availability.day_end
    start = _aware(day, begins, tz) or _aware(day, begins + HOUR, tz)
    end = _aware(day, ends, tz) or _aware(day, ends + HOUR, tz)
    if start is None or end is None:
        return None
    return start, end


def _day_starts(
    day: dt.date, availability: Availability, rules: SlotRules
) -> Iterator[dt.datetime]:
    """Candidate starts on local ``day`` in order, on the grid, each ending by the day's end."""
    span = working_span(availability, day)
    if span is None:
        return
    wall = availability.day_start
    last = availability.day_end - rules.duration
    while wall <= last:
        start = _aware(day, wall, availability.tz)
        if start is not None and start + rules.duration <= span[1]:
            yield start
        wall += rules.grid


def _inside_working_hours(availability: Availability, start: dt.datetime, end: dt.datetime) -> bool:
    span = working_span(availability, start.astimezone(availability.tz).date())
    return span is not None and span[0] <= start and end <= span[1]


def away_at(*, start: dt.datetime, availability: Availability) -> Away | None:
    """The time off a session starting at ``start`` falls in: the person's own local day."""
    return availability.away_on(start.astimezone(availability.tz).date())


def working_hours_problem(
    *, start: dt.datetime, end: dt.datetime, availability: Availability
) -> str:
    """Why [start, end) is outside the working hours of ``availability``, or "".

    The same working days, hours and time off the slot search keeps to, for a time chosen by
    hand: the session lies inside the working hours of one working day, in the person's zone.
    """
    tz = availability.tz
    local_start = start.astimezone(tz)
    away = away_at(start=start, availability=availability)
    if away is not None:
        return f"on time off ({away.label})"
    if local_start.weekday() not in availability.workdays:
        return f"{local_start:%A} is not a working day"
    if not _inside_working_hours(availability, start, end):
        return f"the working day is {availability.hours_label} {tz.key}"
    return ""


def slots_find(
    *,
    after: dt.datetime,
    people: Sequence[Person],
    sessions_per_day: dict[dt.date, int],
    rules: SlotRules,
) -> Iterator[Slot]:
    """Every start, soonest first, at least ``rules.lead`` after ``after`` that fits all of
    ``people`` (the first is the coach) until ``rules.search_limit(after)``.

    A start fits when it lies on the grid of the coach's working day, inside every person's
    working hours on one of their working days in their own time zone, on no one's time off,
    overlapping no one's busy interval (half-open: back to back is fine), and fewer than
    ``rules.max_per_day`` sessions already fall on the coach's local day (``sessions_per_day``
    is keyed by that date). A start later than ``after + rules.window`` is flagged late.
    ValueError for a naive ``after`` or no people.
    """
    if after.tzinfo is None:
        raise ValueError("slot_find needs an aware datetime.")
    if not people:
        raise ValueError("slot_find needs at least one person.")
    after = after.astimezone(UTC)
    earliest = after + rules.lead
    deadline = after + rules.window
    limit = rules.search_limit(after)
    coach = people[0].availability
    busy = [_Busy(person.busy) for person in people]
    others = [person.availability for person in people[1:]]

    def fits(start: dt.datetime, end: dt.datetime) -> bool:
        # The coach's hours, days and time off are those the starts come from.
        hours = all(_inside_working_hours(other, start, end) for other in others)
        return hours and all(each.free(start, end) for each in busy)

    day = earliest.astimezone(coach.tz).date()
    last_day = limit.astimezone(coach.tz).date()
    while day <= last_day:
        if sessions_per_day.get(day, 0) < rules.max_per_day:
            for start in _day_starts(day, coach, rules):
                if start < earliest:
                    continue
                if start >= limit:
                    return
                if fits(start, start + rules.duration):
                    yield Slot(start=start, late=start > deadline)
        day += dt.timedelta(days=1)


def slot_find(
    *,
    after: dt.datetime,
    people: Sequence[Person],
    sessions_per_day: dict[dt.date, int],
    rules: SlotRules,
) -> Slot:
    """The first start that fits (see ``slots_find``). Raises NoSlotFound when nothing starts
    before ``rules.search_limit(after)``; ValueError for a naive ``after``."""
    found = next(
        slots_find(after=after, people=people, sessions_per_day=sessions_per_day, rules=rules),
        None,
    )
    if found is None:
        raise NoSlotFound("No free coaching slot in the coming weeks; book one by hand.")
    return found


def calendar_lock(owner: User) -> None:
    """Lock ``owner``'s row until the transaction ends, so that two bookings for one coach
    (two reps completing at once, say) take turns and never both take the same free slot."""
    list(User.objects.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True))


@dataclass(frozen=True)
class Pair:
    """What the slot search needs of a coach and a rep, loaded once."""

    people: list[Person]  # the coach first
    sessions_per_day: Counter[dt.date]  # the coach's sessions by their local day


def pair_load(
    *,
    coach: User | None,
    rep: User | None,
    after: dt.datetime,
    rules: SlotRules,
    exclude: int | None = None,
) -> Pair:
    """Coach and rep (the coach first; with no coach, the rep alone) as the slot search sees
    them from ``after`` to the search limit. ``exclude`` leaves out a session being moved.
    Three queries."""
    owner = coach or rep
    if owner is None:
        raise ValueError("coach_slot_find needs a coach or a rep.")
    members = [person for person in dict.fromkeys([coach, rep]) if person is not None]
    availability = availability_of(members, today=after.date())
    # A day's margin on each side: long meetings that run into the earliest start, and the
    # rest of the last local day, whose sessions count toward its cap.
    margin = dt.timedelta(days=1)
    busy = busy_intervals(
        people=members,
        start=after + rules.lead - margin,
        end=rules.search_limit(after) + margin,
        exclude=exclude,
    )
    tz = owner.tzinfo
    per_day: Counter[dt.date] = Counter(
        interval.start.astimezone(tz).date()
        for interval in busy
        if interval.is_session and (coach is None or interval.coach_id == coach.pk)
    )
    people = [
        Person(
            availability=availability[member.pk],
            busy=[(b.start, b.end) for b in busy if b.occupies(member.pk)],
        )
        for member in members
    ]
    return Pair(people=people, sessions_per_day=per_day)


def coach_slot_find(
    *,
    coach: User | None,
    after: dt.datetime,
    rep: User | None = None,
    rules: SlotRules | None = None,
) -> Slot:
    """The first slot after ``after`` free for the coach and (when given) the rep: both in
    their working hours, neither on time off, busy in a session or in their calendar; the
    daily cap counts the coach's sessions on the coach's local day. With no coach (a rep
    without a manager) the rep alone. Three queries. Raises NoSlotFound as ``slot_find`` does.
    """
    rules = rules or SlotRules.from_settings()
    pair = pair_load(coach=coach, rep=rep, after=after, rules=rules)
    return slot_find(
        after=after, people=pair.people, sessions_per_day=pair.sessions_per_day, rules=rules
    )


def coach_slots_find(
    *,
    coach: User | None,
    rep: User,
    after: dt.datetime,
    count: int = 5,
    per_day: int = 2,
    exclude: int | None = None,
    besides: dt.datetime | None = None,
    rules: SlotRules | None = None,
) -> list[Slot]:
    """The next ``count`` slots free for both, for a person to pick one: at most ``per_day``
    on one of the coach's days, so the choice spans a few days. ``exclude``: the session being
    moved, whose own time is free; ``besides``: its current start, not offered as a place to
    move it to. Three queries."""
    rules = rules or SlotRules.from_settings()
    pair = pair_load(coach=coach, rep=rep, after=after, rules=rules, exclude=exclude)
    tz = (coach or rep).tzinfo
    taken: Counter[dt.date] = Counter()
    chosen: list[Slot] = []
    for slot in slots_find(
        after=after, people=pair.people, sessions_per_day=pair.sessions_per_day, rules=rules
    ):
        day = slot.start.astimezone(tz).date()
        if taken[day] >= per_day or slot.start == besides:
            continue
        taken[day] += 1
        chosen.append(slot)
        if len(chosen) == count:
            break
    return chosen


@dataclass(frozen=True)
class FreeTime:
    start: dt.datetime
    end: dt.datetime


def session_free_times(
    *, session: CoachingSession, now: dt.datetime | None = None, count: int = 5
) -> list[FreeTime]:
    """The next ``count`` times (at most two a day) a scheduled session could move to: free
    for its coach and rep by the booking rules, as long as the session, its own time left
    free but not offered (moving it there changes nothing). Nothing for a session that is not
    scheduled. Three queries."""
    if session.status != CoachingSession.Status.SCHEDULED:
        return []
    try:
        rules = dataclasses.replace(
            SlotRules.from_settings(), session_minutes=session.duration_minutes, grid_minutes=30
        )
    except ImproperlyConfigured:  # longer than the default working day: none to offer
        return []
    slots = coach_slots_find(
        coach=session.coach,
        rep=session.rep,
        after=now or timezone.now(),
        count=count,
        exclude=session.pk,
        besides=session.scheduled_for,
        rules=rules,
    )
    return [FreeTime(start=slot.start, end=slot.start + rules.duration) for slot in slots]


def without_time_off(person: Person) -> Person:
    return dataclasses.replace(
        person, availability=dataclasses.replace(person.availability, time_off=())
    )
