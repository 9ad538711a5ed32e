"""Asking to reschedule, answering, cancelling and booking by the working-hours rules on the
pages: through the client, with htmx, and within query budgets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.availability import time_off_add
from coaching.models import CoachingSession, Reminder, RescheduleRequest
from coaching.sessions.reschedule_requests import reschedule_request_create
from tests.coaching.factories import UTC, freeze, session_with
from tests.factories import RepFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = dt.datetime(2026, 3, 10, 10, tzinfo=UTC)  # Tuesday; the factories' London is on GMT
THURSDAY_10 = dt.datetime(2026, 3, 12, 10, tzinfo=UTC)


@pytest.fixture
def session(org, monkeypatch):
    freeze(monkeypatch, NOW)
    return session_with(org.rep, scheduled_for=THURSDAY_10)


def page_of(client, user, session) -> str:
    client.force_login(user)
    response = client.get(f"/coaching/sessions/{session.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def queries_for(client, url: str) -> int:
    """Queries of a GET of ``url``, after one GET to warm what a first request loads once (the
    signed-in session, say)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# --- the rep asks -------------------------------------------------------------------------------


def test_the_rep_is_offered_to_ask_not_to_move_or_cancel(client, org, session):
    page = page_of(client, org.rep, session)
    assert "Ask to reschedule" in page
    assert "Move session" not in page and "Cancel session" not in page


def test_the_rep_asks_with_a_reason_and_sees_it_waiting(client, org, session):
    client.force_login(org.rep)
    response = client.post(
        f"/coaching/sessions/{session.pk}/reschedule-request/", {"reason": "Customer visit"}
    )
    assert response.status_code == 302
    page = client.get(f"/coaching/sessions/{session.pk}/").content.decode()
    assert "Your request to reschedule" in page and "Waiting for your coach" in page
    assert "Customer visit" in page and "Ask to reschedule" not in page
    assert RescheduleRequest.objects.get().reason == "Customer visit"
    assert Reminder.objects.filter(kind="reschedule_requested", recipient=org.manager).count() == 2
    for home in ("/coaching/", "/coaching/home/"):
        assert "You asked to reschedule" in client.get(home).content.decode()


def test_asking_without_a_reason_shows_the_error_on_the_form(client, org, session):
    client.force_login(org.rep)
    response = client.post(
        f"/coaching/sessions/{session.pk}/reschedule-request/", {"reason": " "}, **HTMX
    )
    assert response.status_code == 200
    assert "Say why you need another time" in response.content.decode()
    assert not RescheduleRequest.objects.exists()


# --- the coach sees and answers ------------------------------------------------------------------


def test_the_coach_sees_the_request_on_the_session_and_the_week(client, org, session):
    reschedule_request_create(rep=org.rep, session=session, reason="Customer visit")
    page = page_of(client, org.manager, session)
    assert f"{org.rep} asks to reschedule" in page and "Customer visit" in page
    assert "Keep this time" in page and "Move session" in page
    week = client.get("/coaching/week/?week=2026-03-09").content.decode()
    assert "Asked to reschedule" in week and "“Customer visit”" in week
    assert week.count('class="badge warn">Asked to reschedule') == 1


def test_keeping_the_time_tells_the_rep_and_shows_the_outcome(client, org, session):
    reschedule_request_create(rep=org.rep, session=session, reason="Customer visit")
    client.force_login(org.manager)
    response = client.post(
        f"/coaching/sessions/{session.pk}/reschedule-request/keep/",
        {"answer": "The only slot this week"},
        **HTMX,
    )
    assert response.status_code == 200
    assert f"The time stays; {org.rep} has been told." in response.content.decode()
    assert RescheduleRequest.objects.get().status == "kept"
    assert set(
        Reminder.objects.filter(kind="reschedule_kept").values_list("recipient", flat=True)
    ) == {org.rep.pk}
    page = page_of(client, org.rep, session)
    assert "Your coach kept the time." in page and "The only slot this week" in page
    assert "Ask to reschedule" in page  # answered: the rep may ask again


def test_moving_on_the_page_answers_the_request(client, org, session):
    reschedule_request_create(rep=org.rep, session=session, reason="Customer visit")
    client.force_login(org.manager)
    response = client.post(
        f"/coaching/sessions/{session.pk}/reschedule/", {"scheduled_for": "2026-03-13T14:00"}
    )
    assert response.status_code == 302
    assert RescheduleRequest.objects.get().status == "moved"
    assert "Your coach moved the session" in page_of(client, org.rep, session)


def test_the_rep_cannot_keep_the_time_and_outsiders_get_a_404(client, org, session):
    reschedule_request_create(rep=org.rep, session=session, reason="Customer visit")
    url = f"/coaching/sessions/{session.pk}/reschedule-request/keep/"
    client.force_login(org.rep)
    assert client.post(url).status_code == 403
    client.force_login(org.other_manager)
    assert client.post(url).status_code == 404
    assert RescheduleRequest.objects.get().is_open


# --- cancelling ---------------------------------------------------------------------------------


def test_the_cancel_box_names_who_will_be_told(client, org, session):
    assert f"Yes, cancel this session and tell {org.rep}" in page_of(client, org.manager, session)
    admin_page = page_of(client, org.admin, session)
    assert f"Yes, cancel this session and tell {org.manager} and {org.rep}" in admin_page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"confirm": "on"}, "Give a reason"),
        ({"reason": "Offsite"}, "Tick the box to confirm"),
    ],
)
def test_cancelling_asks_for_a_reason_and_a_confirmation(client, org, session, data, error):
    client.force_login(org.manager)
    response = client.post(f"/coaching/sessions/{session.pk}/cancel/", data, **HTMX)
    assert response.status_code == 200 and error in response.content.decode()
    session.refresh_from_db()
    assert session.status == "scheduled"


def test_a_cancelled_session_shows_who_cancelled_it_and_why(client, org, session):
    client.force_login(org.manager)
    client.post(f"/coaching/sessions/{session.pk}/cancel/", {"reason": "Offsite", "confirm": "on"})
    session.refresh_from_db()
    assert (session.status, session.cancel_reason) == ("cancelled", "Offsite")
    page = page_of(client, org.rep, session)
    assert f"Cancelled by {org.manager}: Offsite" in page


# --- booking and moving by the working-hours rules ----------------------------------------------


def test_booking_outside_working_hours_asks_for_a_second_yes(client, org, session):
    client.force_login(org.manager)
    data = {"rep": org.rep.pk, "scheduled_for": "2026-03-13T19:00"}
    first = client.post("/coaching/week/", data, **HTMX).content.decode()
    assert "outside your working hours" in first
    assert 'type="checkbox" name="outside_hours_confirmed"' in first
    assert CoachingSession.objects.count() == 1
    client.post("/coaching/week/", {**data, "outside_hours_confirmed": "on"}, **HTMX)
    assert CoachingSession.objects.filter(scheduled_for__hour=19).count() == 1


def test_booking_in_the_rep_s_time_off_asks_a_yes_that_says_so(client, org, session):
    time_off_add(user=org.rep, start=dt.date(2026, 3, 13), end=dt.date(2026, 3, 13))
    client.force_login(org.manager)
    data = {"rep": org.rep.pk, "scheduled_for": "2026-03-13T10:00"}
    first = client.post("/coaching/week/", data, **HTMX).content.decode()
    assert f"is during {org.rep}&#x27;s time off (13 Mar)" in first
    assert "Yes, book it during time off" in first
    assert "outside working hours" not in first
    client.post("/coaching/week/", {**data, "outside_hours_confirmed": "on"}, **HTMX)
    assert CoachingSession.objects.filter(scheduled_for__day=13).count() == 1


def test_the_outside_hours_box_is_not_offered_before_it_is_needed(client, org, session):
    client.force_login(org.manager)
    week = client.get("/coaching/week/").content.decode()
    assert 'type="hidden" name="outside_hours_confirmed"' in week
    assert 'type="checkbox" name="outside_hours_confirmed"' not in week


def test_moving_outside_working_hours_asks_for_a_second_yes(client, org, session):
    client.force_login(org.manager)
    url = f"/coaching/sessions/{session.pk}/reschedule/"
    first = client.post(url, {"scheduled_for": "2026-03-14T10:00"}, **HTMX).content.decode()
    assert "Saturday is not a working day" in first and 'type="checkbox"' in first
    client.post(url, {"scheduled_for": "2026-03-14T10:00", "outside_hours_confirmed": "on"})
    session.refresh_from_db()
    assert session.scheduled_for == dt.datetime(2026, 3, 14, 10, tzinfo=UTC)


def test_an_overlap_is_refused_on_the_form_naming_the_clash(client, org, session):
    client.force_login(org.manager)
    response = client.post(
        "/coaching/week/",
        {"rep": org.rep.pk, "scheduled_for": "2026-03-12T10:15", "outside_hours_confirmed": "on"},
        **HTMX,
    )
    assert "overlaps your coaching session on Thu 12 Mar 10:00 GMT-10:30" in (
        response.content.decode()
    )
    assert CoachingSession.objects.count() == 1


# --- query budgets ------------------------------------------------------------------------------


def test_the_session_page_with_a_request_has_a_bounded_query_count(client, org, session):
    reschedule_request_create(rep=org.rep, session=session, reason="Customer visit")
    client.force_login(org.manager)
    # Three of them find the times free for both (time off, sessions, calendars).
    assert queries_for(client, f"/coaching/sessions/{session.pk}/") <= 12


def test_the_week_costs_the_same_however_many_reps_ask(client, org, session):
    client.force_login(org.manager)
    reschedule_request_create(rep=org.rep, session=session, reason="Customer visit")
    one = queries_for(client, "/coaching/week/?week=2026-03-09")
    for hour in (11, 12, 13, 14):
        rep = RepFactory(manager=org.manager)
        other = session_with(rep, scheduled_for=THURSDAY_10.replace(hour=hour))
        reschedule_request_create(rep=rep, session=other, reason="Busy")
    assert queries_for(client, "/coaching/week/?week=2026-03-09") == one


def test_my_coaching_costs_the_same_whether_asked_or_not(client, org, session):
    client.force_login(org.rep)
    before = queries_for(client, "/coaching/")
    reschedule_request_create(rep=org.rep, session=session, reason="Customer visit")
    session_with(org.rep, scheduled_for=THURSDAY_10 + dt.timedelta(days=7))
    assert queries_for(client, "/coaching/") == before
