"""The follow-up booking end to end with a real subscribed calendar (issue: availability).

Maria subscribes her calendar (an .ics served over HTTP on loopback): a weekly meeting every
Tuesday 10:00-11:00. John is on holiday on Wednesday. When John completes a module on Monday,
the calendar is read as the beat would read it and the follow-up lands clear of both."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.availability import availability_set, time_off_add
from coaching.models import CalendarBusy, CoachingSession
from coaching.sessions.calendars.services import calendar_refresh, calendar_set
from tests.coaching.calendars.conftest import event, ics
from tests.coaching.factories import LONDON, at, complete_module, freeze
from tests.factories import ManagerFactory, RepFactory, build_module

pytestmark = pytest.mark.django_db

MONDAY_NOON = at(LONDON, 2026, 3, 9, 12)


def test_the_follow_up_avoids_a_weekly_meeting_read_from_the_coach_s_calendar_and_a_holiday(
    monkeypatch, ics_server, allow_loopback
):
    freeze(monkeypatch, MONDAY_NOON)
    maria = ManagerFactory(username="maria", timezone="Europe/London")
    john = RepFactory(username="john", manager=maria, timezone="Europe/London")
    # A short working day makes the meeting decide: 10:00-11:00 is all Maria has.
    availability_set(user=maria, day_start=dt.time(10), day_end=dt.time(11))
    weekly = event(
        "weekly-board",
        dt.date(2026, 3, 3),
        10,
        11,
        "SUMMARY:Board meeting",
        "RRULE:FREQ=WEEKLY;BYDAY=TU",
        tz="Europe/London",
    )
    calendar_set(user=maria, url=ics_server.serve("/maria.ics", ics(weekly)))
    assert calendar_refresh(user_id=maria.pk) == "read"
    assert CalendarBusy.objects.filter(user=maria, start=at(LONDON, 2026, 3, 10, 10)).exists()
    time_off_add(user=john, start=dt.date(2026, 3, 11), end=dt.date(2026, 3, 11), note="Holiday")

    complete_module(john, build_module(questions=2))

    session = CoachingSession.objects.get(rep=john)
    # Monday is over by the lead time, Tuesday 10:00 is the meeting, Wednesday John is away.
    assert session.scheduled_for == at(LONDON, 2026, 3, 12, 10)
    assert session.coach == maria
