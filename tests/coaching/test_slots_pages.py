"""Picking a free time on the session page: the coach moves the session with one click, the rep
proposes one in their request and the coach takes it with one click; through the client and
the API, within a query budget."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.availability import time_off_add
from coaching.models import CalendarBusy, CalendarSource, Reminder, RescheduleRequest
from coaching.reminders.messages import reminder_message
from coaching.sessions.reschedule_requests import reschedule_request_create
from config.errors import DomainError
from tests.coaching.factories import LONDON, at, freeze, session_with
from tests.factories import RepFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = at(LONDON, 2026, 3, 10, 10)  # Tuesday, GMT
THURSDAY_10 = at(LONDON, 2026, 3, 12, 10)


@pytest.fixture
def session(org, monkeypatch):
    freeze(monkeypatch, NOW)
    return session_with(org.rep, scheduled_for=THURSDAY_10)


def url(session, tail: str = "") -> str:
    return f"/coaching/sessions/{session.pk}/{tail}"


def test_the_coach_sees_free_times_that_avoid_both_calendars_and_time_off(client, org, session):
    source = CalendarSource.objects.create(user=org.manager, url="https://example.com/a.ics")
    CalendarBusy.objects.create(
        user=org.manager,
        source=source,
        start=at(LONDON, 2026, 3, 10, 12),
        end=at(LONDON, 2026, 3, 10, 16),
        title="Offsite",
    )
    time_off_add(user=org.rep, start=dt.date(2026, 3, 11), end=dt.date(2026, 3, 11))
    client.force_login(org.manager)
    page = client.get(url(session)).content.decode()
    assert 'value="2026-03-10T16:00"' in page and 'value="2026-03-10T16:30"' in page
    assert "2026-03-11T" not in page  # the rep's day off
    assert 'value="2026-03-12T09:00"' in page
    assert "Offsite" not in page


def test_one_click_on_a_free_time_moves_the_session_with_a_new_sequence(client, org, session):
    client.force_login(org.manager)
    response = client.post(url(session, "reschedule/"), {"scheduled_for": "2026-03-10T16:00"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.scheduled_for == at(LONDON, 2026, 3, 10, 16)
    assert session.sequence == 1
    moved = Reminder.objects.filter(kind="session_rescheduled", recipient=org.rep)
    assert moved.exists() and moved.first().payload["calendar_invite"] is True


def test_the_rep_proposes_a_free_time_and_the_coach_takes_it_in_one_click(client, org, session):
    client.force_login(org.rep)
    page = client.get(url(session)).content.decode()
    assert "Any time my coach chooses" in page
    pick = at(LONDON, 2026, 3, 11, 9).isoformat()
    assert f'value="{pick}"' in page
    response = client.post(
        url(session, "reschedule-request/"), {"reason": "Customer visit", "proposed_for": pick}
    )
    assert response.status_code == 302
    request = RescheduleRequest.objects.get()
    assert request.proposed_for == at(LONDON, 2026, 3, 11, 9)
    assert "You proposed" in client.get(url(session)).content.decode()

    client.force_login(org.manager)
    page = client.get(url(session)).content.decode()
    assert "proposes" in page and "Move to Wed 11 Mar, 09:00" in page
    response = client.post(
        url(session, "reschedule/"), {"scheduled_for": "2026-03-11T09:00"}, **HTMX
    )
    assert response.status_code == 200
    session.refresh_from_db()
    request.refresh_from_db()
    assert session.scheduled_for == at(LONDON, 2026, 3, 11, 9)
    assert request.status == RescheduleRequest.Status.MOVED


def test_a_time_no_longer_offered_is_refused_on_the_rep_s_form(client, org, session):
    client.force_login(org.rep)
    response = client.post(
        url(session, "reschedule-request/"),
        {"reason": "Busy", "proposed_for": at(LONDON, 2026, 3, 10, 20).isoformat()},
        **HTMX,
    )
    assert response.status_code == 200
    assert "That time is no longer free; pick another." in response.content.decode()
    assert not RescheduleRequest.objects.exists()


def test_asking_without_a_pick_still_works(client, org, session):
    client.force_login(org.rep)
    client.post(url(session, "reschedule-request/"), {"reason": "Busy", "proposed_for": ""})
    assert RescheduleRequest.objects.get().proposed_for is None


@pytest.mark.parametrize(
    "when, message",
    [
        (at(LONDON, 2026, 3, 10, 9), "has passed"),
        (at(LONDON, 2026, 3, 10, 19), "working hours: the working day is 09:00-17:00"),
        (at(LONDON, 2026, 3, 11, 10, 15), "overlaps your coaching session on Wed 11 Mar"),
    ],
)
def test_the_service_refuses_a_proposal_the_booking_would_not_take(org, session, when, message):
    session_with(org.rep, scheduled_for=at(LONDON, 2026, 3, 11, 10))  # another of the rep's
    with pytest.raises(DomainError) as refusal:
        reschedule_request_create(rep=org.rep, session=session, reason="x", proposed_for=when)
    assert message in refusal.value.message


def test_the_api_takes_a_proposed_time_and_shows_it(org, session):
    client = APIClient()
    client.force_authenticate(org.rep)
    slots = client.get(f"/api/v1/coaching/sessions/{session.pk}/slots/").json()["slots"]
    response = client.post(
        f"/api/v1/coaching/sessions/{session.pk}/reschedule-request/",
        {"reason": "Customer visit", "proposed_for": slots[0]["start"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    shown = response.json()["reschedule_request"]["proposed_for"]
    assert dt.datetime.fromisoformat(shown) == dt.datetime.fromisoformat(slots[0]["start"])


def test_the_session_page_with_free_times_costs_the_same_however_busy(client, org, session):
    client.force_login(org.manager)
    client.get(url(session))
    with CaptureQueriesContext(connection) as before:
        client.get(url(session))
    source = CalendarSource.objects.create(user=org.manager, url="https://example.com/a.ics")
    for day in range(30):
        start = at(LONDON, 2026, 3, 10, 12) + dt.timedelta(days=day)
        CalendarBusy.objects.create(
            user=org.manager, source=source, start=start, end=start + dt.timedelta(hours=1)
        )
        time_off_add(
            user=org.rep,
            start=dt.date(2026, 5, 1) + dt.timedelta(days=day),
            end=dt.date(2026, 5, 1) + dt.timedelta(days=day),
        )
    with CaptureQueriesContext(connection) as after:
        client.get(url(session))
    assert len(after) == len(before)


def test_the_coach_is_told_the_proposed_time(org, session):
    reschedule_request_create(
        rep=org.rep, session=session, reason="Busy", proposed_for=at(LONDON, 2026, 3, 11, 9)
    )
    notice = Reminder.objects.filter(kind="reschedule_requested", recipient=org.manager).first()
    body = reminder_message(notice, now=NOW).body
    assert "proposes Wed 11 Mar 2026, 09:00 GMT" in body


def test_an_admin_sees_whose_free_times_they_are(client, org, session):
    client.force_login(org.admin)
    page = client.get(url(session)).content.decode()
    assert f"Free for {org.manager} and {org.rep}, in your time" in page


def test_a_rep_without_a_coach_moves_their_session_to_a_time_free_for_them(
    client, org, monkeypatch
):
    freeze(monkeypatch, NOW)
    rep = RepFactory(manager=None)
    alone = session_with(rep, scheduled_for=THURSDAY_10)
    assert alone.coach is None
    client.force_login(rep)
    page = client.get(url(alone)).content.decode()
    assert "Free for you, in your time" in page
    client.post(url(alone, "reschedule/"), {"scheduled_for": "2026-03-10T16:00"})
    alone.refresh_from_db()
    assert alone.scheduled_for == at(LONDON, 2026, 3, 10, 16)


def test_the_session_s_own_time_is_not_offered_as_a_place_to_move_it(client, org, monkeypatch):
    # Tuesday 09:00 is the first time free for both; the session already sits there.
    freeze(monkeypatch, at(LONDON, 2026, 3, 10, 7))
    own, next_free = at(LONDON, 2026, 3, 10, 9), at(LONDON, 2026, 3, 10, 9, 30)
    session = session_with(org.rep, scheduled_for=own)
    client.force_login(org.manager)
    coach_page = client.get(url(session)).content.decode()
    assert 'aria-label="Move to Tuesday 10 March, 09:00"' not in coach_page
    assert 'aria-label="Move to Tuesday 10 March, 09:30"' in coach_page
    client.force_login(org.rep)
    rep_page = client.get(url(session)).content.decode()
    assert f'value="{own.isoformat()}"' not in rep_page
    assert f'value="{next_free.isoformat()}"' in rep_page
