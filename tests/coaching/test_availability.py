"""Availability per person: the service and API that set it, the booking that keeps to it
(follow-up, booking by hand), and the free slots of a session's two people."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts.availability import Away, availability_of, availability_set, time_off_add
from accounts.models import TimeOff
from coaching.models import CalendarBusy, CalendarSource, CoachingSession
from coaching.sessions.services import session_book_manual, session_reschedule
from config.errors import DomainError
from tests.coaching.factories import LONDON, NEW_YORK, at, complete_module, freeze, session_with
from tests.factories import AdminFactory, ManagerFactory, RepFactory, build_module

pytestmark = pytest.mark.django_db

MONDAY_NOON = at(LONDON, 2026, 3, 9, 12)
URL = "/api/v1/me/availability/"


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch, MONDAY_NOON)


@pytest.fixture
def manager():
    return ManagerFactory(
        username="maria", first_name="Maria", last_name="", timezone="Europe/London"
    )


@pytest.fixture
def rep(manager):
    return RepFactory(username="john", first_name="John", last_name="", manager=manager)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def calendar_busy(user, *spans, title="Board meeting"):
    source, _ = CalendarSource.objects.get_or_create(
        user=user, defaults={"url": "https://calendar.example.com/me.ics"}
    )
    for start, end in spans:
        CalendarBusy.objects.create(user=user, source=source, start=start, end=end, title=title)


# --- the service ------------------------------------------------------------------------------


def test_a_person_with_nothing_set_has_the_organisation_s_week(rep, settings):
    settings.COACHING_WORKDAY_START_HOUR, settings.COACHING_WORKDAY_END_HOUR = 8, 16
    availability = availability_of([rep])[rep.pk]
    assert availability.workdays == frozenset(range(5))
    assert availability.hours_label == "08:00-16:00"
    assert availability.days_label == "Monday to Friday"


def test_availability_set_saves_what_is_given_and_keeps_the_rest(clock, rep):
    availability_set(user=rep, working_days=[1, 2, 3], day_start=dt.time(10))
    availability = availability_set(
        user=rep, time_off=[Away(start=dt.date(2026, 3, 20), end=dt.date(2026, 3, 27))]
    )
    assert availability.workdays == frozenset({1, 2, 3})
    assert availability.hours_label == "10:00-17:00"
    assert [(a.start, a.end) for a in availability.time_off] == [
        (dt.date(2026, 3, 20), dt.date(2026, 3, 27))
    ]


def test_time_off_replaces_the_current_list_and_keeps_the_past(clock, rep):
    TimeOff.objects.create(user=rep, start=dt.date(2026, 1, 5), end=dt.date(2026, 1, 9))
    time_off_add(user=rep, start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 3))
    availability_set(user=rep, time_off=[Away(start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 1))])
    assert list(TimeOff.objects.filter(user=rep).values_list("start", flat=True)) == [
        dt.date(2026, 1, 5),
        dt.date(2026, 5, 1),
    ]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"working_days": []}, "at least one working day"),
        ({"working_days": [7]}, "0 (Monday) to 6 (Sunday)"),
        ({"day_start": dt.time(17), "day_end": dt.time(9)}, "end after it starts"),
        ({"day_start": dt.time(9), "day_end": dt.time(9, 15)}, "must fit in the working day"),
        ({"tz_name": "Mars/Olympus"}, "time zone"),
        ({"time_off": [Away(start=dt.date(2026, 3, 20), end=dt.date(2026, 3, 19))]}, "on or after"),
        ({"time_off": [Away(start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 6))]}, "is over"),
        ({"time_off": [Away(start=dt.date(2028, 6, 1), end=dt.date(2028, 6, 2))]}, "two years"),
    ],
)
def test_availability_set_refuses_what_can_never_be_booked(clock, rep, changes, message):
    with pytest.raises(DomainError) as refusal:
        availability_set(user=rep, **changes)
    assert message in refusal.value.message
    rep.refresh_from_db()
    assert rep.working_days == [] and rep.day_start is None and rep.timezone == "Europe/London"


# --- the follow-up keeps to both people -------------------------------------------------------


def test_the_follow_up_avoids_the_manager_s_weekly_meeting_and_the_rep_s_day_off(
    clock, manager, rep
):
    # Maria's working day is 10:00-11:00, and every Tuesday 10:00-11:00 her calendar says
    # she is in a meeting; John is away on Wednesday. Completing on Monday at noon (earliest
    # 14:00, after Maria's day) books Thursday 10:00: late, but clear of both.
    availability_set(user=manager, day_start=dt.time(10), day_end=dt.time(11))
    tuesdays = [at(LONDON, 2026, 3, 10, 10) + dt.timedelta(weeks=n) for n in range(4)]
    calendar_busy(manager, *[(start, start + dt.timedelta(hours=1)) for start in tuesdays])
    time_off_add(user=rep, start=dt.date(2026, 3, 11), end=dt.date(2026, 3, 11), note="Dentist")

    complete_module(rep, build_module(questions=2))

    session = CoachingSession.objects.get(rep=rep)
    assert session.scheduled_for == at(LONDON, 2026, 3, 12, 10)
    assert session.late is True


def test_a_follow_up_with_no_working_hours_in_common_is_still_booked_late(clock, manager):
    rep = RepFactory(manager=manager, timezone="Asia/Tokyo")
    complete_module(rep, build_module(questions=2))
    session = CoachingSession.objects.get(rep=rep)
    assert session.late is True
    assert session.scheduled_for.astimezone(LONDON).hour >= 9  # in the coach's day


# --- booking by hand --------------------------------------------------------------------------


def test_booking_by_hand_names_the_rep_s_calendar_without_its_title(clock, manager, rep):
    calendar_busy(rep, (at(LONDON, 2026, 3, 10, 14), at(LONDON, 2026, 3, 10, 15)), title="Acme")
    with pytest.raises(DomainError) as refusal:
        session_book_manual(coach=manager, rep=rep, scheduled_for=at(LONDON, 2026, 3, 10, 14))
    assert refusal.value.message == (
        "John is busy then (from their calendar): Tue 10 Mar 14:00 GMT-15:00; choose another time."
    )
    assert "Acme" not in refusal.value.message


def test_booking_by_hand_shows_the_owner_their_own_event(clock, manager, rep):
    calendar_busy(manager, (at(LONDON, 2026, 3, 10, 14), at(LONDON, 2026, 3, 10, 15)))
    with pytest.raises(DomainError) as refusal:
        session_book_manual(coach=manager, rep=rep, scheduled_for=at(LONDON, 2026, 3, 10, 14, 30))
    assert "You are busy then, from your calendar" in refusal.value.message
    assert "(Board meeting)" in refusal.value.message


def test_booking_by_hand_on_the_rep_s_time_off_asks_for_a_yes(clock, manager, rep):
    time_off_add(user=rep, start=dt.date(2026, 3, 10), end=dt.date(2026, 3, 13))
    when = at(LONDON, 2026, 3, 10, 14)
    with pytest.raises(DomainError) as refusal:
        session_book_manual(coach=manager, rep=rep, scheduled_for=when)
    assert refusal.value.message == (
        "Tue 10 Mar 14:00 GMT is during John's time off (10-13 Mar). Confirm that you want it "
        "during time off, or choose another time."
    )
    assert refusal.value.confirm == "Yes, book it during time off"
    booked = session_book_manual(
        coach=manager, rep=rep, scheduled_for=when, outside_hours_confirmed=True
    )
    assert booked.scheduled_for == when


def test_one_yes_names_both_the_coach_s_hours_and_the_rep_s_time_off(clock, manager, rep):
    time_off_add(user=rep, start=dt.date(2026, 3, 10), end=dt.date(2026, 3, 10))
    with pytest.raises(DomainError) as refusal:
        session_book_manual(coach=manager, rep=rep, scheduled_for=at(LONDON, 2026, 3, 10, 19))
    assert refusal.value.message.startswith(
        "Tue 10 Mar 19:00 GMT is outside your working hours: the working day is 09:00-17:00 "
        "Europe/London and during John's time off (10 Mar)."
    )
    assert refusal.value.confirm == "Yes, book it outside working hours and during time off"


def test_moving_checks_the_rep_s_hours_in_their_zone(clock, manager):
    rep = RepFactory(manager=manager, timezone="America/New_York")
    session = session_with(rep, manager, scheduled_for=at(LONDON, 2026, 3, 10, 15))
    with pytest.raises(DomainError) as refusal:
        session_reschedule(actor=manager, session=session, scheduled_for=at(LONDON, 2026, 3, 11, 9))
    assert "the working day is 09:00-17:00 America/New_York" in refusal.value.message
    assert refusal.value.confirm == "Yes, book it outside working hours"
    moved = session_reschedule(
        actor=manager, session=session, scheduled_for=at(NEW_YORK, 2026, 3, 11, 9)
    )
    assert moved.sequence == 1


# --- the API ------------------------------------------------------------------------------------


def test_get_shows_the_defaults_and_no_calendar(clock, rep):
    body = api(rep).get(URL).json()
    assert body == {
        "timezone": "Europe/London",
        "working_days": [0, 1, 2, 3, 4],
        "day_start": "09:00",
        "day_end": "17:00",
        "uses_default_hours": True,
        "time_off": [],
        "calendar": {
            "set": False,
            "kind": "",
            "last_read_at": None,
            "last_ok_at": None,
            "last_error": "",
        },
        # A rep has no coaching budget (managers only).
        "coaching_budget_hours": None,
        "coaching_budget_effective_hours": None,
    }


def test_patch_changes_what_is_sent_and_time_off_replaces_the_list(clock, rep):
    client = api(rep)
    client.patch(URL, {"time_off": [{"start": "2026-04-01", "end": "2026-04-03"}]}, format="json")
    response = client.patch(
        URL,
        {
            "timezone": "America/New_York",
            "working_days": [0, 1, 2, 3],
            "day_start": "08:30",
            "day_end": "16:00",
            "time_off": [{"start": "2026-12-24", "end": "2026-12-28", "note": "Holiday"}],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["timezone"], body["working_days"]) == ("America/New_York", [0, 1, 2, 3])
    assert (body["day_start"], body["day_end"], body["uses_default_hours"]) == (
        "08:30",
        "16:00",
        False,
    )
    assert body["time_off"] == [{"start": "2026-12-24", "end": "2026-12-28", "note": "Holiday"}]
    assert TimeOff.objects.filter(user=rep).count() == 1


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"working_days": []}, "Choose at least one working day."),
        ({"working_days": [8]}, "working_days"),
        ({"day_start": "18:00", "day_end": "08:00"}, "The working day must end after it starts."),
        ({"day_start": "09:00", "day_end": "09:10"}, "must fit in the working day"),
        ({"day_start": "9 o'clock"}, "day_start"),
        ({"timezone": "Nowhere/Else"}, "time zone"),
        ({"time_off": [{"start": "2026-05-02", "end": "2026-05-01"}]}, "on or after its first"),
        ({"time_off": [{"start": "2029-01-01", "end": "2029-01-02"}]}, "two years ahead"),
        ({"time_off": [{"start": "2026-01-01", "end": "2026-01-02"}]}, "is over"),
        ({"time_off": {"start": "2026-05-01"}}, "time_off"),
    ],
)
def test_patch_refuses_bad_input_with_a_message_and_changes_nothing(clock, rep, payload, message):
    response = api(rep).patch(URL, payload, format="json")
    assert response.status_code == 400
    assert message in response.json()["message"]
    rep.refresh_from_db()
    assert (rep.working_days, rep.day_start, rep.timezone) == ([], None, "Europe/London")


def test_the_calendar_address_is_written_never_read(clock, rep, settings):
    settings.CALENDAR_ALLOW_PRIVATE_ADDRESSES = True
    client = api(rep)
    secret = "http://127.0.0.1:9/private-token-abc/basic.ics"
    response = client.patch(URL, {"calendar_url": secret}, format="json")
    assert response.status_code == 200
    assert response.json()["calendar"]["set"] is True
    assert "private-token-abc" not in response.content.decode()
    assert "private-token-abc" not in client.get(URL).content.decode()
    assert client.patch(URL, {"calendar_url": ""}, format="json").json()["calendar"]["set"] is False
    assert not CalendarSource.objects.filter(user=rep).exists()


def test_a_refused_calendar_address_changes_nothing_else(clock, rep, settings):
    settings.CALENDAR_ALLOW_PRIVATE_ADDRESSES = False
    response = api(rep).patch(
        URL, {"working_days": [0], "calendar_url": "http://127.0.0.1/cal.ics"}, format="json"
    )
    assert response.status_code == 400
    rep.refresh_from_db()
    assert rep.working_days == []


# --- free slots of a session's two people ---------------------------------------------------


def slots_url(session) -> str:
    return f"/api/v1/coaching/sessions/{session.pk}/slots/"


def test_slots_are_free_for_both_at_most_two_a_day(clock, manager, rep):
    session = session_with(rep, manager, scheduled_for=at(LONDON, 2026, 3, 10, 9))
    calendar_busy(manager, (at(LONDON, 2026, 3, 9, 14), at(LONDON, 2026, 3, 9, 15)))
    time_off_add(user=rep, start=dt.date(2026, 3, 10), end=dt.date(2026, 3, 10))
    response = api(rep).get(slots_url(session))
    assert response.status_code == 200
    starts = [dt.datetime.fromisoformat(s["start"]) for s in response.json()["slots"]]
    assert starts == [
        at(LONDON, 2026, 3, 9, 15),  # 14:00 is the lead time; the meeting runs to 15:00
        at(LONDON, 2026, 3, 9, 15, 30),
        at(LONDON, 2026, 3, 11, 9),  # Tuesday is John's day off
        at(LONDON, 2026, 3, 11, 9, 30),
        at(LONDON, 2026, 3, 12, 9),
    ]


def test_slots_are_for_the_session_s_people_and_admins_only(clock, manager, rep):
    session = session_with(rep, manager, scheduled_for=at(LONDON, 2026, 3, 10, 9))
    assert api(manager).get(slots_url(session)).status_code == 200
    assert api(AdminFactory()).get(slots_url(session)).status_code == 200
    assert api(ManagerFactory()).get(slots_url(session)).status_code == 404
    assert api(RepFactory(manager=manager)).get(slots_url(session)).status_code == 404


def test_a_session_no_longer_scheduled_has_no_slots(clock, manager, rep):
    session = session_with(
        rep, manager, scheduled_for=at(LONDON, 2026, 3, 10, 9), status="cancelled"
    )
    assert api(manager).get(slots_url(session)).json()["slots"] == []


def test_the_slots_api_reads_a_fixed_number_of_queries(
    clock, manager, rep, django_assert_max_num_queries
):
    session = session_with(rep, manager, scheduled_for=at(LONDON, 2026, 3, 10, 9))
    client = api(manager)
    client.get(slots_url(session))
    for day in range(20):
        start = at(LONDON, 2026, 3, 9, 15) + dt.timedelta(days=day)
        calendar_busy(manager, (start, start + dt.timedelta(minutes=30)))
        time_off_add(
            user=rep,
            start=dt.date(2026, 4, 1) + dt.timedelta(days=day * 2),
            end=dt.date(2026, 4, 1) + dt.timedelta(days=day * 2),
        )
    with django_assert_max_num_queries(8):
        client.get(slots_url(session))
