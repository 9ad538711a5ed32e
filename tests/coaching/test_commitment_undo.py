"""Marking a commitment kept can be taken back for a day: by the rep on their page or through
the API, by the coach too; after the day it stands."""

from __future__ import annotations

import datetime as dt

import pytest

from coaching.models import Commitment, Reminder
from coaching.sessions.commitments import commitment_reminder_schedule
from tests.coaching.factories import UTC, CommitmentFactory, freeze, session_with
from tests.conftest import api_as
from tests.factories import ManagerFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 10, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch, NOW)


@pytest.fixture
def commitment(clock, org):
    made = CommitmentFactory(
        session=session_with(org.rep, status="held", held_at=NOW - dt.timedelta(days=1)),
        rep=org.rep,
        due_date=NOW.date() + dt.timedelta(days=7),
    )
    commitment_reminder_schedule(commitment=made)
    return made


def mark_kept(client, rep, commitment):
    client.force_login(rep)
    response = client.post(
        f"/coaching/commitments/{commitment.pk}/kept/", {"note": "Did it on 5 calls."}, **HTMX
    )
    assert response.status_code == 200
    return response.content.decode()


def undo(client, user, commitment, **extra):
    client.force_login(user)
    return client.post(f"/coaching/commitments/{commitment.pk}/undo/", **extra)


def test_after_marking_kept_the_rep_is_offered_an_undo_with_its_deadline(client, org, commitment):
    row = mark_kept(client, org.rep, commitment)
    assert f'action="/coaching/commitments/{commitment.pk}/undo/"' in row
    # The rep's time zone (London) is named with the deadline.
    assert "You can undo this until Wed 11 Mar, 10:00 GMT." in row


def test_the_rep_undoes_within_the_day_and_the_commitment_is_open_again(
    client, clock, org, commitment
):
    mark_kept(client, org.rep, commitment)
    due = Reminder.objects.filter(commitment=commitment, kind=Reminder.Kind.COMMITMENT_DUE)
    assert set(due.values_list("status", flat=True)) == {Reminder.Status.CANCELLED}
    clock.advance(hours=23)
    response = undo(client, org.rep, commitment, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mark kept" in html and "Undo" not in html
    commitment.refresh_from_db()
    assert (commitment.status, commitment.resolved_at, commitment.note) == ("open", None, "")
    # Open again: its reminder that it falls due is back.
    assert set(due.values_list("status", flat=True)) == {Reminder.Status.PENDING}


def test_after_a_day_the_mark_stands(client, clock, org, commitment):
    mark_kept(client, org.rep, commitment)
    clock.advance(hours=24)
    client.force_login(org.rep)
    page = client.get("/coaching/").content.decode()
    assert f"/coaching/commitments/{commitment.pk}/undo/" not in page
    response = undo(client, org.rep, commitment, **HTMX)
    assert "can be undone only within a day" in response.content.decode()
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.KEPT


def test_without_htmx_undo_returns_to_the_page_with_a_message(client, org, commitment):
    mark_kept(client, org.rep, commitment)
    response = undo(client, org.rep, commitment, follow=True)
    assert "Set open again." in response.content.decode()
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.OPEN


def test_the_coach_may_undo_within_the_day_a_stranger_sees_nothing(client, org, commitment):
    mark_kept(client, org.rep, commitment)
    assert undo(client, ManagerFactory(), commitment).status_code == 404
    assert undo(client, org.other_rep, commitment).status_code == 404
    assert undo(client, org.manager, commitment, **HTMX).status_code == 200
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.OPEN


def test_an_open_commitment_has_nothing_to_undo(client, org, commitment):
    response = undo(client, org.rep, commitment, **HTMX)
    assert "This commitment is open, not kept." in response.content.decode()


def test_the_api_sets_a_kept_commitment_open_again_within_the_day(clock, org, commitment):
    url = f"/api/v1/coaching/commitments/{commitment.pk}/"
    client = api_as(org.rep)
    assert client.patch(url, {"status": "kept"}, format="json").status_code == 200
    clock.advance(hours=2)
    kept_until = client.get(url).json()["kept_undo_until"]
    assert kept_until.startswith((NOW + dt.timedelta(days=1)).date().isoformat())
    reopened = client.patch(url, {"status": "open"}, format="json")
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    assert reopened.json()["kept_undo_until"] is None
    client.patch(url, {"status": "kept"}, format="json")
    clock.advance(days=1, seconds=1)
    late = client.patch(url, {"status": "open"}, format="json")
    assert late.status_code == 409
    assert "within a day" in str(late.json())
    assert client.patch(url, {"status": "missed"}, format="json").status_code == 403


@pytest.mark.parametrize("page", ["/coaching/", "/coaching/home/"])
def test_the_reps_pages_keep_offering_the_undo_for_the_day(client, org, commitment, page):
    mark_kept(client, org.rep, commitment)
    body = client.get(page).content.decode()
    assert "Kept lately" in body
    assert f'action="/coaching/commitments/{commitment.pk}/undo/"' in body
