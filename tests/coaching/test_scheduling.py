"""Slot finding: lead time, window, working hours in the coach's zone, DST, caps, overlaps."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from coaching.models import CoachingSession
from coaching.sessions.busy import BusyInterval, busy_intervals, overlaps
from coaching.sessions.services import session_book_manual
from coaching.sessions.slots import (
    NoSlotFound,
    Person,
    Slot,
    SlotRules,
    coach_slot_find,
    slot_find,
)
from config.errors import DomainError
from tests.coaching.factories import LONDON, NEW_YORK, UTC, at, freeze, session_with
from tests.factories import ManagerFactory, RepFactory

RULES = SlotRules()  # the defaults: 2 h lead, 48 h window, 30 min, 09-17 Mon-Fri, 6 a day
KOLKATA = ZoneInfo("Asia/Kolkata")


def find(after, tz=LONDON, busy=(), per_day=None, rules=RULES) -> Slot:
    """One person (the coach) working the rules' default week in ``tz``."""
    coach = Person(availability=rules.default_availability(tz), busy=list(busy))
    return slot_find(after=after, people=[coach], sessions_per_day=per_day or {}, rules=rules)


# --- lead time, grid, working hours -----------------------------------------------------------


def test_the_slot_starts_the_lead_time_after_completion():
    # Tuesday 10 March 2026, 10:00 in London (GMT, so UTC too).
    assert find(at(LONDON, 2026, 3, 10, 10)) == Slot(start=at(LONDON, 2026, 3, 10, 12), late=False)


def test_the_slot_is_on_the_half_hour_grid():
    assert find(at(LONDON, 2026, 3, 10, 10, 7)).start == at(LONDON, 2026, 3, 10, 12, 30)


def test_the_grid_follows_the_session_length():
    rules = SlotRules(session_minutes=45)
    # 12:07 earliest: 09:00, 09:45, 10:30, 11:15, 12:00, 12:45 is the grid.
    assert find(at(LONDON, 2026, 3, 10, 10, 7), rules=rules).start == at(
        LONDON, 2026, 3, 10, 12, 45
    )


def test_before_the_working_day_the_slot_is_its_first_start():
    assert find(at(LONDON, 2026, 3, 10, 5)).start == at(LONDON, 2026, 3, 10, 9)


def test_a_session_must_end_by_the_end_of_the_working_day():
    # Earliest 16:15: 16:30 still ends at 17:00.
    assert find(at(LONDON, 2026, 3, 10, 14, 15)).start == at(LONDON, 2026, 3, 10, 16, 30)
    # Earliest 16:45: 17:00 would end at 17:30, so the next morning.
    assert find(at(LONDON, 2026, 3, 10, 14, 45)).start == at(LONDON, 2026, 3, 11, 9)


def test_working_hours_are_the_coach_s_in_new_york():
    # 10:00 UTC is 06:00 in New York (EDT since 8 March): earliest 08:00 there, so 09:00 EDT.
    slot = find(at(UTC, 2026, 3, 17, 10), tz=NEW_YORK)
    assert slot.start == at(NEW_YORK, 2026, 3, 17, 9) == dt.datetime(2026, 3, 17, 13, tzinfo=UTC)


def test_the_grid_is_aligned_in_local_time_for_a_half_hour_zone():
    # 00:00 UTC is 05:30 in Kolkata; the first start is 09:00 there, 03:30 UTC.
    slot = find(at(UTC, 2026, 3, 10, 0), tz=KOLKATA)
    assert slot.start == dt.datetime(2026, 3, 10, 3, 30, tzinfo=UTC)


def test_the_slot_is_returned_in_utc():
    slot = find(at(NEW_YORK, 2026, 3, 17, 6), tz=NEW_YORK)
    assert slot.start.utcoffset() == dt.timedelta(0)


# --- weekends, the window and the late flag --------------------------------------------------


def test_a_friday_evening_completion_is_followed_up_on_monday_and_late():
    slot = find(at(LONDON, 2026, 3, 13, 18))
    assert slot == Slot(start=at(LONDON, 2026, 3, 16, 9), late=True)


def test_a_saturday_completion_meets_monday_inside_the_window():
    # Window ends Monday 12:00; Monday 09:00 fits.
    assert find(at(LONDON, 2026, 3, 14, 12)) == Slot(start=at(LONDON, 2026, 3, 16, 9), late=False)


def test_a_slot_starting_exactly_at_the_end_of_the_window_is_on_time():
    rules = SlotRules(lead=dt.timedelta(hours=1), window=dt.timedelta(hours=3))
    busy = [(at(LONDON, 2026, 3, 10, 11), at(LONDON, 2026, 3, 10, 13))]
    assert find(at(LONDON, 2026, 3, 10, 10), busy=busy, rules=rules) == Slot(
        start=at(LONDON, 2026, 3, 10, 13), late=False
    )


def test_when_nothing_fits_the_window_the_first_slot_after_it_is_taken_and_flagged_late():
    # Busy from Tuesday noon to Thursday evening: the window (to Thursday 10:00) is full.
    busy = [(at(LONDON, 2026, 3, 10, 12), at(LONDON, 2026, 3, 12, 17))]
    assert find(at(LONDON, 2026, 3, 10, 10), busy=busy) == Slot(
        start=at(LONDON, 2026, 3, 13, 9), late=True
    )


def test_a_calendar_full_for_the_whole_horizon_raises_no_slot_found():
    busy = [(at(LONDON, 2026, 3, 1, 0), at(LONDON, 2026, 7, 1, 0))]
    with pytest.raises(NoSlotFound):
        find(at(LONDON, 2026, 3, 10, 10), busy=busy)


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError):
        find(dt.datetime(2026, 3, 10, 10))  # noqa: DTZ001 - the point of the test


# --- daylight saving --------------------------------------------------------------------------


def test_london_friday_before_the_clocks_go_forward_books_monday_in_summer_time():
    # Clocks go forward on Sunday 29 March 2026: Monday 09:00 BST is 08:00 UTC.
    slot = find(at(LONDON, 2026, 3, 27, 16))
    assert slot.start == dt.datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert slot.late is True


def test_london_saturday_before_the_change_is_on_time_across_it():
    # Window ends Monday 12:00 UTC; Monday 09:00 BST (08:00 UTC) is inside it.
    slot = find(dt.datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert slot == Slot(start=dt.datetime(2026, 3, 30, 8, tzinfo=UTC), late=False)


def test_new_york_friday_before_the_clocks_go_back_books_monday_in_standard_time():
    # Clocks go back on Sunday 1 November 2026: Monday 09:00 EST is 14:00 UTC, not 13:00.
    slot = find(at(NEW_YORK, 2026, 10, 30, 15, 30), tz=NEW_YORK)
    assert slot.start == dt.datetime(2026, 11, 2, 14, tzinfo=UTC)
    assert slot.late is True


def test_new_york_saturday_before_the_change_is_on_time_across_it():
    slot = find(dt.datetime(2026, 10, 31, 16, tzinfo=UTC), tz=NEW_YORK)
    assert slot == Slot(start=dt.datetime(2026, 11, 2, 14, tzinfo=UTC), late=False)


def test_wall_times_the_clocks_skip_are_never_offered():
    # A night-shift day 00:00-04:00, every day: 01:00 and 01:30 do not exist on 29 March.
    rules = SlotRules(
        lead=dt.timedelta(0), day_start_hour=0, day_end_hour=4, workdays=frozenset(range(7))
    )
    slot = find(dt.datetime(2026, 3, 29, 0, 50, tzinfo=UTC), rules=rules)
    assert slot.start == dt.datetime(2026, 3, 29, 1, tzinfo=UTC)  # 02:00 BST
    assert slot.start.astimezone(LONDON).hour == 2


# --- overlaps and the daily cap ---------------------------------------------------------------


def test_an_existing_session_pushes_the_slot_past_it():
    busy = [(at(LONDON, 2026, 3, 10, 12), at(LONDON, 2026, 3, 10, 12, 30))]
    assert find(at(LONDON, 2026, 3, 10, 10), busy=busy).start == at(LONDON, 2026, 3, 10, 12, 30)


def test_a_partial_overlap_also_blocks_a_slot():
    busy = [(at(LONDON, 2026, 3, 10, 12, 15), at(LONDON, 2026, 3, 10, 12, 45))]
    assert find(at(LONDON, 2026, 3, 10, 10), busy=busy).start == at(LONDON, 2026, 3, 10, 13)


def test_back_to_back_with_an_earlier_session_is_fine():
    busy = [(at(LONDON, 2026, 3, 10, 11, 30), at(LONDON, 2026, 3, 10, 12))]
    assert find(at(LONDON, 2026, 3, 10, 10), busy=busy).start == at(LONDON, 2026, 3, 10, 12)


def test_a_full_day_moves_the_slot_to_the_next_working_day():
    tuesday = dt.date(2026, 3, 10)
    assert find(at(LONDON, 2026, 3, 10, 10), per_day={tuesday: 6}).start == at(
        LONDON, 2026, 3, 11, 9
    )
    assert find(at(LONDON, 2026, 3, 10, 10), per_day={tuesday: 5}).start == at(
        LONDON, 2026, 3, 10, 12
    )


def test_the_cap_counts_the_coach_s_local_day():
    # Wednesday 09:00 in Auckland is Tuesday 20:00 UTC: the cap is keyed by Auckland's date.
    auckland = ZoneInfo("Pacific/Auckland")
    wednesday = dt.date(2026, 3, 18)
    slot = find(at(auckland, 2026, 3, 17, 20), tz=auckland, per_day={wednesday: 6})
    assert slot.start == at(auckland, 2026, 3, 19, 9)


# --- rules --------------------------------------------------------------------------------------


def test_rules_come_from_settings(settings):
    settings.COACHING_MIN_LEAD_HOURS = 3
    settings.COACHING_FOLLOW_UP_HOURS = 24
    settings.COACHING_MAX_SESSIONS_PER_DAY = 4
    settings.COACHING_SESSION_MINUTES = 45
    settings.COACHING_WORKDAY_START_HOUR = 8
    settings.COACHING_WORKDAY_END_HOUR = 18
    rules = SlotRules.from_settings()
    assert (rules.lead, rules.window) == (dt.timedelta(hours=3), dt.timedelta(hours=24))
    assert (rules.max_per_day, rules.session_minutes) == (4, 45)
    assert (rules.day_start_hour, rules.day_end_hour) == (8, 18)
    assert rules.grid == dt.timedelta(minutes=45)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"day_start_hour": 17, "day_end_hour": 9},
        {"day_end_hour": 25},
        {"session_minutes": 0},
        {"day_start_hour": 9, "day_end_hour": 10, "session_minutes": 90},
        {"max_per_day": 0},
        {"workdays": frozenset()},
    ],
)
def test_rules_that_can_never_fit_a_session_are_refused(kwargs):
    with pytest.raises(ImproperlyConfigured):
        SlotRules(**kwargs)


# --- the database wrapper -----------------------------------------------------------------------


@pytest.fixture
def coach(db):
    return ManagerFactory(timezone="America/New_York")


def session_at(coach, start, **kwargs):
    rep = kwargs.pop("rep", None) or RepFactory(manager=coach)
    return session_with(rep, coach, scheduled_for=start, **kwargs)


def test_coach_slot_find_avoids_the_coach_s_scheduled_sessions(coach):
    session_at(coach, at(NEW_YORK, 2026, 3, 17, 9))
    slot = coach_slot_find(coach=coach, after=at(NEW_YORK, 2026, 3, 17, 6))
    assert slot.start == at(NEW_YORK, 2026, 3, 17, 9, 30)


def test_cancelled_sessions_free_their_time(coach):
    session_at(coach, at(NEW_YORK, 2026, 3, 17, 9), status=CoachingSession.Status.CANCELLED)
    slot = coach_slot_find(coach=coach, after=at(NEW_YORK, 2026, 3, 17, 6))
    assert slot.start == at(NEW_YORK, 2026, 3, 17, 9)


def test_the_rep_s_own_sessions_are_busy_too(coach):
    rep = RepFactory(manager=coach, timezone=coach.timezone)
    session_at(ManagerFactory(), at(NEW_YORK, 2026, 3, 17, 9), rep=rep)
    slot = coach_slot_find(coach=coach, rep=rep, after=at(NEW_YORK, 2026, 3, 17, 6))
    assert slot.start == at(NEW_YORK, 2026, 3, 17, 9, 30)


def test_the_daily_cap_counts_the_coach_s_sessions_on_their_local_day(coach):
    # Six sessions on Tuesday in New York, the last at 16:00 EDT (20:00 UTC).
    for hour in (9, 10, 11, 14, 15, 16):
        session_at(coach, at(NEW_YORK, 2026, 3, 17, hour))
    slot = coach_slot_find(coach=coach, after=at(NEW_YORK, 2026, 3, 17, 6))
    assert slot.start == at(NEW_YORK, 2026, 3, 18, 9)


def test_other_coaches_sessions_of_the_rep_do_not_count_toward_the_cap(coach):
    rep = RepFactory(manager=coach, timezone=coach.timezone)
    other = ManagerFactory()
    for hour in (9, 10, 11, 12, 13, 14):
        session_at(other, at(NEW_YORK, 2026, 3, 17, hour), rep=rep, duration_minutes=60)
    slot = coach_slot_find(coach=coach, rep=rep, after=at(NEW_YORK, 2026, 3, 17, 6))
    assert slot.start == at(NEW_YORK, 2026, 3, 17, 15)


def test_with_no_coach_the_rep_s_time_zone_and_sessions_are_used(db):
    rep = RepFactory(manager=None, timezone="America/New_York")
    slot = coach_slot_find(coach=None, rep=rep, after=at(NEW_YORK, 2026, 3, 17, 6))
    assert slot.start == at(NEW_YORK, 2026, 3, 17, 9)


def test_coach_slot_find_reads_the_calendars_in_three_queries(coach, django_assert_num_queries):
    # Time off of both, their sessions, their calendars' busy times.
    rep = RepFactory(manager=coach)
    for hour in (9, 10, 11):
        session_at(coach, at(NEW_YORK, 2026, 3, 17, hour))
    with django_assert_num_queries(3):
        coach_slot_find(coach=coach, rep=rep, after=at(NEW_YORK, 2026, 3, 17, 6))


# --- one answer to "is this person busy", for booking and for booking by hand -----------------


def _clashes_by_hand(coach, rep, start):
    """Whether booking ``rep`` with ``coach`` at ``start`` by hand is refused as an overlap."""
    try:
        session_book_manual(coach=coach, rep=rep, scheduled_for=start)
    except DomainError as refusal:
        assert "overlaps" in refusal.message
        return True
    return False


@pytest.mark.parametrize(
    "status, busy",
    [
        (CoachingSession.Status.SCHEDULED, True),
        (CoachingSession.Status.HELD, True),  # held ahead of its time: the time stays taken
        (CoachingSession.Status.MISSED, True),
        (CoachingSession.Status.CANCELLED, False),
    ],
)
def test_booking_and_booking_by_hand_agree_on_what_takes_the_coach_s_time(
    coach, monkeypatch, status, busy
):
    freeze(monkeypatch, at(NEW_YORK, 2026, 3, 17, 6))
    nine = at(NEW_YORK, 2026, 3, 17, 9)
    session_at(coach, nine, status=status)
    slot = coach_slot_find(coach=coach, after=at(NEW_YORK, 2026, 3, 17, 6))
    assert (slot.start != nine) is busy
    assert _clashes_by_hand(coach, RepFactory(manager=coach), nine) is busy


def test_a_coach_coached_themselves_is_busy_for_both(coach, monkeypatch):
    freeze(monkeypatch, at(NEW_YORK, 2026, 3, 17, 6))
    nine = at(NEW_YORK, 2026, 3, 17, 9)
    session_with(coach, coach=ManagerFactory(), scheduled_for=nine)
    slot = coach_slot_find(coach=coach, after=at(NEW_YORK, 2026, 3, 17, 6))
    assert slot.start == at(NEW_YORK, 2026, 3, 17, 9, 30)
    assert _clashes_by_hand(coach, RepFactory(manager=coach), nine)


def test_busy_intervals_are_the_occupying_sessions_of_the_people_asked_for(coach):
    rep = RepFactory(manager=coach)
    nine = at(NEW_YORK, 2026, 3, 17, 9)
    first = session_at(coach, nine, rep=rep, duration_minutes=60)
    session_at(coach, nine + dt.timedelta(hours=3), status=CoachingSession.Status.CANCELLED)
    session_at(ManagerFactory(), nine)  # someone else's
    busy = busy_intervals(people=[coach, None], start=nine, end=nine + dt.timedelta(hours=4))
    assert busy == [
        BusyInterval(start=nine, end=nine + dt.timedelta(hours=1), coach_id=coach.pk, rep_id=rep.pk)
    ]
    assert (
        busy_intervals(people=[rep], start=nine, end=nine + dt.timedelta(hours=1), exclude=first.pk)
        == []
    )


@pytest.mark.parametrize(
    "other, clash",
    [((8, 9), False), ((8, 10), True), ((9, 10), True), ((9, 9.5), True), ((10, 11), False)],
)
def test_overlaps_is_half_open(other, clash):
    def hour(h):
        return at(LONDON, 2026, 3, 10, 0) + dt.timedelta(hours=h)

    assert overlaps(hour(9), hour(10), hour(other[0]), hour(other[1])) is clash
