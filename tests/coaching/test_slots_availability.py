"""The slot search over both people: each one's working days and hours in their own time zone,
their time off and their busy intervals (sessions and calendar), with the booking rules."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from accounts.availability import Availability, Away
from coaching.sessions.slots import (
    NoSlotFound,
    Person,
    Slot,
    SlotRules,
    slot_find,
    working_hours_problem,
)
from tests.coaching.factories import LONDON, NEW_YORK, UTC, at

RULES = SlotRules()  # 2 h lead, 48 h window, 30 min sessions, 6 a day
HOURS = dt.timedelta(hours=1)
TOKYO = ZoneInfo("Asia/Tokyo")


def person(tz=LONDON, *, days=range(5), start=9, end=17, away=(), busy=()) -> Person:
    return Person(
        availability=Availability(
            tz=tz,
            workdays=frozenset(days),
            day_start=dt.timedelta(hours=start),
            day_end=dt.timedelta(hours=end),
            time_off=tuple(Away(start=first, end=last) for first, last in away),
        ),
        busy=list(busy),
    )


def find(after, *people, per_day=None, rules=RULES) -> Slot:
    return slot_find(after=after, people=list(people), sessions_per_day=per_day or {}, rules=rules)


# --- busy intervals of either person, at their edges ----------------------------------------


def test_the_rep_s_busy_time_blocks_the_coach_s_free_slot():
    rep = person(busy=[(at(LONDON, 2026, 3, 10, 12), at(LONDON, 2026, 3, 10, 13))])
    assert find(at(LONDON, 2026, 3, 10, 10), person(), rep).start == at(LONDON, 2026, 3, 10, 13)


@pytest.mark.parametrize(
    "busy, first",
    [
        # Ends exactly when the slot would start: back to back, free.
        ((at(LONDON, 2026, 3, 10, 11), at(LONDON, 2026, 3, 10, 12)), (12, 0)),
        # Starts exactly when the slot would end: free.
        ((at(LONDON, 2026, 3, 10, 12, 30), at(LONDON, 2026, 3, 10, 13)), (12, 0)),
        # One minute into the slot: taken, the next start on the grid is.
        ((at(LONDON, 2026, 3, 10, 12, 29), at(LONDON, 2026, 3, 10, 12, 31)), (13, 0)),
        # A minute before the slot ends, running on: the slot after it.
        ((at(LONDON, 2026, 3, 10, 11, 59), at(LONDON, 2026, 3, 10, 12, 1)), (12, 30)),
    ],
)
def test_busy_intervals_are_half_open_at_both_edges(busy, first):
    coach = person(busy=[busy])
    found = find(at(LONDON, 2026, 3, 10, 10), coach, person())
    assert found.start == at(LONDON, 2026, 3, 10, *first)


def test_overlapping_and_touching_intervals_of_both_people_merge():
    coach = person(busy=[(at(LONDON, 2026, 3, 10, 12), at(LONDON, 2026, 3, 10, 13))])
    rep = person(
        busy=[
            (at(LONDON, 2026, 3, 10, 12, 30), at(LONDON, 2026, 3, 10, 14)),
            (at(LONDON, 2026, 3, 10, 14), at(LONDON, 2026, 3, 10, 14, 30)),
        ]
    )
    assert find(at(LONDON, 2026, 3, 10, 10), coach, rep).start == at(LONDON, 2026, 3, 10, 14, 30)


# --- time zones: only the overlap of both working days --------------------------------------


def test_london_and_new_york_meet_in_the_new_york_morning():
    # Tuesday 10 March 2026: London on GMT, New York on EDT (4 h behind). The London coach's
    # day is 09:00-17:00, the New York rep's 13:00-21:00 London time: 13:00 London is the first.
    slot = find(at(LONDON, 2026, 3, 10, 7), person(LONDON), person(NEW_YORK))
    assert slot.start == at(LONDON, 2026, 3, 10, 13) == at(NEW_YORK, 2026, 3, 10, 9)


def test_the_session_must_end_inside_both_working_days():
    # Earliest 16:45 London: the rep could, but the coach's day ends at 17:00. Next day 13:00.
    slot = find(at(LONDON, 2026, 3, 10, 14, 45), person(LONDON), person(NEW_YORK))
    assert slot.start == at(LONDON, 2026, 3, 11, 13)


def test_working_days_that_never_meet_raise_no_slot_found():
    # Tokyo 09:00-17:00 is 00:00-08:00 in London: no overlap with 09:00-17:00 London ever.
    with pytest.raises(NoSlotFound):
        find(at(LONDON, 2026, 3, 10, 7), person(LONDON), person(TOKYO))


def test_the_rep_s_working_day_in_their_zone_decides_across_midnight():
    # Tokyo's Monday 07:00 is Sunday 22:00 in London (9 h ahead in March). A London coach
    # working every day 22:00-24:00 meets a Tokyo rep (Mon-Fri from 07:00) at 22:00 London on
    # Sundays to Thursdays, never on Friday night (Saturday in Tokyo).
    coach = person(LONDON, days=range(7), start=22, end=24)
    slot = find(at(LONDON, 2026, 3, 13, 12), coach, person(TOKYO, start=7))  # a Friday
    assert slot.start == at(LONDON, 2026, 3, 15, 22)  # Sunday night London, Monday in Tokyo


# --- working days that differ ---------------------------------------------------------------


def test_a_rep_who_works_tuesday_to_saturday_is_met_on_their_days_only():
    coach = person(days=range(7))
    rep = person(days=(1, 2, 3, 4, 5))
    # Sunday: the coach works, the rep does not; Monday neither; Tuesday both.
    assert find(at(LONDON, 2026, 3, 15, 7), coach, rep).start == at(LONDON, 2026, 3, 17, 9)


def test_a_coach_s_own_hours_decide_the_grid():
    coach = person(start=10, end=12)
    rep = person(start=11, end=18)
    # Earliest 09:00: the coach's grid is 10:00, 10:30, 11:00; the rep's day starts at 11.
    assert find(at(LONDON, 2026, 3, 10, 7), coach, rep).start == at(LONDON, 2026, 3, 10, 11)


# --- time off -------------------------------------------------------------------------------


def test_time_off_spanning_weeks_pushes_the_slot_past_it():
    # The rep is away from Monday 9 to Friday 20 March: the first slot is Monday 23 March.
    rep = person(away=[(dt.date(2026, 3, 9), dt.date(2026, 3, 20))])
    slot = find(at(LONDON, 2026, 3, 10, 10), person(), rep)
    assert slot == Slot(start=at(LONDON, 2026, 3, 23, 9), late=True)


def test_time_off_is_counted_in_the_person_s_own_days():
    # The New York rep is away on Wednesday 11 March, their day. A London coach's Wednesday
    # 13:00 is 09:00 Wednesday in New York: taken off; Thursday's 13:00 London fits.
    rep = person(NEW_YORK, away=[(dt.date(2026, 3, 11), dt.date(2026, 3, 11))])
    slot = find(at(LONDON, 2026, 3, 10, 16), person(LONDON), rep)
    assert slot.start == at(LONDON, 2026, 3, 12, 13)


def test_the_coach_s_time_off_counts_as_the_rep_s_does():
    coach = person(away=[(dt.date(2026, 3, 10), dt.date(2026, 3, 11))])
    assert find(at(LONDON, 2026, 3, 10, 10), coach, person()).start == at(LONDON, 2026, 3, 12, 9)


# --- daylight saving, both people -----------------------------------------------------------


def test_london_and_new_york_meet_later_again_once_both_clocks_have_gone_forward():
    # New York goes to EDT on 8 March, London to BST on 29 March. Before 8 March they are
    # 5 h apart: the rep's 09:00 is 14:00 London.
    before = find(at(LONDON, 2026, 3, 3, 7), person(LONDON), person(NEW_YORK))
    assert before.start == at(LONDON, 2026, 3, 3, 14)
    # Between 8 and 29 March only 4 h: 13:00 London.
    between = find(at(LONDON, 2026, 3, 17, 7), person(LONDON), person(NEW_YORK))
    assert between.start == at(LONDON, 2026, 3, 17, 13)
    # From Monday 30 March both on summer time, 5 h again: 14:00 BST, 13:00 UTC.
    after = find(at(LONDON, 2026, 3, 30, 7), person(LONDON), person(NEW_YORK))
    assert after.start == at(LONDON, 2026, 3, 30, 14) == dt.datetime(2026, 3, 30, 13, tzinfo=UTC)


def test_london_clocks_going_back_in_october_keep_the_wall_time():
    # Clocks go back on Sunday 25 October 2026. Friday 23rd 16:00 BST: the slot is Monday
    # 26th 09:00 GMT, 09:00 UTC (it was 08:00 UTC a week before).
    coach, rep = person(LONDON), person(LONDON)
    slot = find(at(LONDON, 2026, 10, 23, 16), coach, rep)
    assert slot.start == dt.datetime(2026, 10, 26, 9, tzinfo=UTC)
    assert slot.start.astimezone(LONDON).hour == 9


def test_a_london_day_spanning_the_skipped_hour_offers_only_real_times():
    # Working every day 00:30-03:00 on Sunday 29 March: 01:00-02:00 does not exist in London.
    rules = SlotRules(lead=dt.timedelta(0))
    night = person(days=range(7), start=0, end=3)
    slot = find(dt.datetime(2026, 3, 29, 0, 40, tzinfo=UTC), night, night, rules=rules)
    assert slot.start == dt.datetime(2026, 3, 29, 1, tzinfo=UTC)  # 02:00 BST
    assert slot.start.astimezone(LONDON).hour == 2


# --- nothing free in the window ---------------------------------------------------------------


def test_when_both_are_busy_through_the_window_the_first_slot_after_it_is_late():
    coach = person(busy=[(at(LONDON, 2026, 3, 10, 12), at(LONDON, 2026, 3, 11, 17))])
    rep = person(busy=[(at(LONDON, 2026, 3, 12, 9), at(LONDON, 2026, 3, 12, 17))])
    slot = find(at(LONDON, 2026, 3, 10, 10), coach, rep)
    assert slot == Slot(start=at(LONDON, 2026, 3, 13, 9), late=True)


def test_the_daily_cap_counts_the_coach_s_day_only():
    tuesday = dt.date(2026, 3, 10)
    slot = find(at(LONDON, 2026, 3, 10, 10), person(), person(), per_day={tuesday: 6})
    assert slot.start == at(LONDON, 2026, 3, 11, 9)


def test_no_people_is_a_mistake():
    with pytest.raises(ValueError):
        find(at(LONDON, 2026, 3, 10, 10))


# --- the check for a time chosen by hand ----------------------------------------------------


@pytest.mark.parametrize(
    "start, problem",
    [
        (at(NEW_YORK, 2026, 3, 11, 9), ""),
        (at(NEW_YORK, 2026, 3, 11, 8, 45), "the working day is 09:00-17:00 America/New_York"),
        (at(NEW_YORK, 2026, 3, 14, 10), "Saturday is not a working day"),
        (at(NEW_YORK, 2026, 3, 12, 10), "on time off (12-13 Mar)"),
    ],
)
def test_working_hours_problem_reads_the_person_s_own_availability(start, problem):
    rep = person(NEW_YORK, away=[(dt.date(2026, 3, 12), dt.date(2026, 3, 13))]).availability
    end = start + dt.timedelta(minutes=30)
    assert working_hours_problem(start=start, end=end, availability=rep) == problem
