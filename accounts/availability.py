"""When a person works: time zone, working days, working hours and time off (DESIGN §11).

``Availability`` is the plain value the slot search reads (no database): a person's own
settings, or the organisation's default from settings where they have set nothing.
``availability_of`` builds it for several people with their time off in one query.
``availability_set`` is the one write: the profile page and the API both call it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import TimeOff, User
from config.dates import date_in_range
from config.errors import DomainError

MONDAY_TO_FRIDAY = (0, 1, 2, 3, 4)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Enough for every holiday of a year or two; more is a mistake or a flood.
MAX_TIME_OFF = 50
_UNSET: Any = object()


def default_day() -> tuple[dt.timedelta, dt.timedelta]:
    """The organisation's working day (settings), as times past local midnight."""
    return (
        dt.timedelta(hours=settings.COACHING_WORKDAY_START_HOUR),
        dt.timedelta(hours=settings.COACHING_WORKDAY_END_HOUR),
    )


def _past_midnight(value: dt.time) -> dt.timedelta:
    return dt.timedelta(hours=value.hour, minutes=value.minute)


def _clock(value: dt.timedelta) -> str:
    minutes = int(value.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Away:
    """A range of days off, both ends included, in the person's own time zone."""

    start: dt.date
    end: dt.date
    note: str = ""
    pk: int | None = None  # the stored row, for removing it

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    @property
    def label(self) -> str:
        """ "24-28 Dec", "30 Dec-2 Jan", "3 Mar" (the year when it is not the same)."""
        if self.start == self.end:
            return f"{self.start.day} {self.start:%b}"
        if (self.start.year, self.start.month) == (self.end.year, self.end.month):
            return f"{self.start.day}-{self.end.day} {self.end:%b}"
        if self.start.year == self.end.year:
            return f"{self.start.day} {self.start:%b}-{self.end.day} {self.end:%b}"
        return f"{self.start.day} {self.start:%b %Y}-{self.end.day} {self.end:%b %Y}"


@dataclass(frozen=True)
class Availability:
    """When one person can be booked. Working hours are ``day_start`` to ``day_end`` past
    local midnight on each of ``workdays`` (0 = Monday), in ``tz``, except the days in
    ``time_off``."""

    tz: ZoneInfo
    workdays: frozenset[int] = frozenset(MONDAY_TO_FRIDAY)
    day_start: dt.timedelta = dt.timedelta(hours=9)
    day_end: dt.timedelta = dt.timedelta(hours=17)
    time_off: tuple[Away, ...] = ()

    @classmethod
    def of(cls, user: User, time_off: Iterable[Away] = ()) -> Availability:
        """``user``'s own settings, the organisation's default where they have none."""
        start, end = default_day()
        return cls(
            tz=user.tzinfo,
            workdays=frozenset(user.working_days or MONDAY_TO_FRIDAY),
            day_start=_past_midnight(user.day_start) if user.day_start else start,
            day_end=_past_midnight(user.day_end) if user.day_end else end,
            time_off=tuple(time_off),
        )

    def away_on(self, day: dt.date) -> Away | None:
        return next((away for away in self.time_off if away.covers(day)), None)

    def works_on(self, day: dt.date) -> bool:
        return day.weekday() in self.workdays and self.away_on(day) is None

    @property
    def hours_label(self) -> str:
        return f"{_clock(self.day_start)}-{_clock(self.day_end)}"

    @property
    def days_label(self) -> str:
        """ "Monday to Friday", or the days named one by one."""
        days = sorted(self.workdays)
        if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
            return f"{WEEKDAYS[days[0]]} to {WEEKDAYS[days[-1]]}"
        return ", ".join(WEEKDAYS[day] for day in days)


def time_off_current(*, user_ids: Iterable[int], today: dt.date) -> dict[int, list[Away]]:
    """Each person's time off that has not ended by ``today``, soonest first. One query."""
    found: dict[int, list[Away]] = {}
    rows = (
        TimeOff.objects.filter(user_id__in=set(user_ids), end__gte=today)
        .order_by("user_id", "start", "pk")
        .values_list("user_id", "start", "end", "note", "pk")
    )
    for user_id, start, end, note, pk in rows:
        found.setdefault(user_id, []).append(Away(start=start, end=end, note=note, pk=pk))
    return found


def availability_of(
    users: Iterable[User | None], *, today: dt.date | None = None
) -> dict[int, Availability]:
    """The availability of each of ``users`` (None skipped), by id: one query for their
    time off (what has not ended a day before ``today``, UTC: a day's margin for time zones)."""
    people = [user for user in users if user is not None]
    if not people:
        return {}
    since = (today or timezone.now().date()) - dt.timedelta(days=1)
    away = time_off_current(user_ids=[user.pk for user in people], today=since)
    return {user.pk: Availability.of(user, away.get(user.pk, ())) for user in people}


# --- the one write ---------------------------------------------------------------------------


def _working_days(days: Sequence[int]) -> list[int]:
    chosen = sorted(set(days))
    if not chosen:
        raise DomainError("Choose at least one working day.")
    if any(not isinstance(day, int) or not 0 <= day <= 6 for day in chosen):
        raise DomainError("Working days are numbers from 0 (Monday) to 6 (Sunday).")
    return chosen


def _check_day(start: dt.timedelta, end: dt.timedelta) -> None:
    if end <= start:
        raise DomainError("The working day must end after it starts.")
    minutes = settings.COACHING_SESSION_MINUTES
    if end - start < dt.timedelta(minutes=minutes):
        raise DomainError(f"A {minutes}-minute session must fit in the working day.")


def _time_off_rows(user: User, ranges: Sequence[Away]) -> list[TimeOff]:
    if len(ranges) > MAX_TIME_OFF:
        raise DomainError(f"Keep to {MAX_TIME_OFF} periods of time off coming up.")
    today = timezone.localdate(timezone=user.tzinfo)
    rows = []
    for away in ranges:
        if away.end < away.start:
            raise DomainError(
                f"Time off from {away.start:%d %b %Y} must end on or after its first day."
            )
        if away.end < today:
            raise DomainError(f"Time off ending {away.end:%d %b %Y} is over; leave it out.")
        try:
            date_in_range(away.end)
        except ValidationError as error:
            raise DomainError(f"Time off: {error.messages[0]}") from error
        rows.append(TimeOff(user=user, start=away.start, end=away.end, note=away.note.strip()))
    return rows


BUDGET_MIN_HOURS, BUDGET_MAX_HOURS = Decimal("0.5"), Decimal("40")


def _budget_hours(user: User, hours: Decimal | None) -> Decimal | None:
    if not user.is_manager:
        raise DomainError("Only managers have a weekly coaching budget.")
    if hours is None:
        return None
    hours = Decimal(hours)
    if not BUDGET_MIN_HOURS <= hours <= BUDGET_MAX_HOURS:
        raise DomainError("A weekly coaching budget is 0.5 to 40 hours.")
    if hours != hours.quantize(Decimal("0.1")):
        raise DomainError("Give the coaching budget in tenths of an hour at most, such as 2.5.")
    return hours


@transaction.atomic
def availability_set(
    *,
    user: User,
    tz_name: str = _UNSET,
    working_days: Sequence[int] = _UNSET,
    day_start: dt.time | None = _UNSET,
    day_end: dt.time | None = _UNSET,
    time_off: Sequence[Away] = _UNSET,
    coaching_budget_hours: Decimal | None = _UNSET,
) -> Availability:
    """Change what is given of ``user``'s availability; what is left out stays as it is.

    ``coaching_budget_hours`` is a manager's weekly coaching budget (DESIGN §13): None goes
    back to the organisation's default; it raises DomainError for anyone who is not a manager,
    or for hours outside 0.5-40 or with more than one decimal.

    ``day_start``/``day_end`` None go back to the organisation's default. ``time_off``
    replaces every current period of time off (past ones are kept as history). Raises
    DomainError, with a message for the person, for no working day, a day that ends before
    it starts or is too short for a session, a time zone that is not known, or time off that
    ends before it starts, is over, or ends more than two years ahead.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    fields = []
    if tz_name is not _UNSET:
        user.timezone = tz_name
        try:
            user.clean_fields(exclude=[f.name for f in User._meta.fields if f.name != "timezone"])
        except ValidationError as error:
            raise DomainError("; ".join(error.messages)) from error
        fields.append("timezone")
    if working_days is not _UNSET:
        user.working_days = _working_days(working_days)
        fields.append("working_days")
    if day_start is not _UNSET:
        user.day_start = day_start
        fields.append("day_start")
    if day_end is not _UNSET:
        user.day_end = day_end
        fields.append("day_end")
    if coaching_budget_hours is not _UNSET:
        user.coaching_budget_hours = _budget_hours(user, coaching_budget_hours)
        fields.append("coaching_budget_hours")
    current = Availability.of(user)
    _check_day(current.day_start, current.day_end)
    if fields:
        user.save(update_fields=fields)
    if time_off is not _UNSET:
        rows = _time_off_rows(user, time_off)
        today = timezone.localdate(timezone=user.tzinfo)
        TimeOff.objects.filter(user=user, end__gte=today).delete()
        TimeOff.objects.bulk_create(rows)
    return availability_of([user])[user.pk]


@transaction.atomic
def time_off_add(*, user: User, start: dt.date, end: dt.date, note: str = "") -> TimeOff:
    """Add one period of time off; DomainError as ``availability_set`` checks time off."""
    (row,) = _time_off_rows(user, [Away(start=start, end=end, note=note)])
    today = timezone.localdate(timezone=user.tzinfo)
    if TimeOff.objects.filter(user=user, end__gte=today).count() >= MAX_TIME_OFF:
        raise DomainError(f"Keep to {MAX_TIME_OFF} periods of time off coming up.")
    row.save()
    return row


@transaction.atomic
def time_off_remove(*, user: User, time_off_id: int) -> None:
    """Remove one of ``user``'s own periods of time off; DomainError for anyone else's."""
    deleted, _ = TimeOff.objects.filter(user=user, pk=time_off_id).delete()
    if not deleted:
        raise DomainError("That time off is not on your list.")
