"""The API for asking to reschedule, answering, cancelling with a reason and booking by the
working-hours rules: end to end through the client."""

import datetime as dt

import pytest

from coaching.models import CoachingSession, Reminder, RescheduleRequest
from tests.coaching.factories import UTC, freeze, session_with
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 10, tzinfo=UTC)  # Tuesday; the factories' London is on GMT
THURSDAY_10 = dt.datetime(2026, 3, 12, 10, tzinfo=UTC)
FRIDAY_14 = dt.datetime(2026, 3, 13, 14, tzinfo=UTC)
FRIDAY_19 = dt.datetime(2026, 3, 13, 19, tzinfo=UTC)
VIEWERS = ["rep", "manager", "other_manager", "admin"]


@pytest.fixture
def session(org, monkeypatch):
    freeze(monkeypatch, NOW)
    return session_with(org.rep, scheduled_for=THURSDAY_10)


def ask(org, session, reason="A customer visit"):
    return api_as(org.rep).post(
        f"/api/v1/coaching/sessions/{session.pk}/reschedule-request/", {"reason": reason}
    )


def resolve(who, session, payload):
    return api_as(who).post(
        f"/api/v1/coaching/sessions/{session.pk}/reschedule-request/resolve/",
        payload,
        format="json",
    )


# --- asking -------------------------------------------------------------------------------------


def test_the_rep_asks_and_sees_the_request_on_the_session(org, session):
    response = ask(org, session)
    assert response.status_code == 201, response.content
    request = response.json()["reschedule_request"]
    assert request["status"] == "open" and request["reason"] == "A customer visit"
    assert request["requested_by"] == org.rep.pk and request["resolved_at"] is None
    assert set(
        Reminder.objects.filter(kind="reschedule_requested").values_list(
            "recipient__username", flat=True
        )
    ) == {"manager"}
    # The coach sees it too, on the session's detail.
    detail = api_as(org.manager).get(f"/api/v1/coaching/sessions/{session.pk}/").json()
    assert detail["reschedule_request"]["id"] == request["id"]


@pytest.mark.parametrize(("payload", "message"), [({}, "reason"), ({"reason": "  "}, "reason")])
def test_asking_without_a_reason_is_a_400(org, session, payload, message):
    response = api_as(org.rep).post(
        f"/api/v1/coaching/sessions/{session.pk}/reschedule-request/", payload
    )
    assert response.status_code == 400 and message in response.json()["message"]
    assert not RescheduleRequest.objects.exists()


ASK_RIGHTS = {"rep": 201, "manager": 403, "other_manager": 404, "admin": 403}


@pytest.mark.parametrize("who", VIEWERS)
def test_only_the_rep_asks_and_outsiders_get_a_404(org, session, who):
    response = api_as(getattr(org, who)).post(
        f"/api/v1/coaching/sessions/{session.pk}/reschedule-request/", {"reason": "Busy"}
    )
    assert response.status_code == ASK_RIGHTS[who]
    assert RescheduleRequest.objects.exists() is (who == "rep")


def test_asking_twice_is_a_409(org, session):
    assert ask(org, session).status_code == 201
    again = ask(org, session)
    assert again.status_code == 409 and "already" in again.json()["message"]


def test_the_rep_may_no_longer_move_or_cancel_on_their_own(org, session):
    client = api_as(org.rep)
    moved = client.post(
        f"/api/v1/coaching/sessions/{session.pk}/reschedule/",
        {"scheduled_for": FRIDAY_14.isoformat()},
    )
    cancelled = client.post(f"/api/v1/coaching/sessions/{session.pk}/cancel/", {"reason": "Busy"})
    assert (moved.status_code, cancelled.status_code) == (403, 403)
    session.refresh_from_db()
    assert (session.status, session.scheduled_for) == ("scheduled", THURSDAY_10)


# --- answering ----------------------------------------------------------------------------------


def test_the_coach_keeps_the_time_and_the_rep_is_told(org, session):
    ask(org, session)
    response = resolve(org.manager, session, {"decision": "keep", "answer": "Only slot this week"})
    assert response.status_code == 200, response.content
    request = response.json()["reschedule_request"]
    assert (request["status"], request["answer"]) == ("kept", "Only slot this week")
    assert response.json()["scheduled_for"] == THURSDAY_10.isoformat().replace("+00:00", "Z")
    assert set(
        Reminder.objects.filter(kind="reschedule_kept").values_list(
            "recipient__username", flat=True
        )
    ) == {"rep"}


def test_the_coach_moves_it_and_the_rep_is_told_once(org, session):
    ask(org, session)
    response = resolve(
        org.manager, session, {"decision": "move", "scheduled_for": FRIDAY_14.isoformat()}
    )
    assert response.status_code == 200, response.content
    assert response.json()["reschedule_request"]["status"] == "moved"
    session.refresh_from_db()
    assert session.scheduled_for == FRIDAY_14
    notices = Reminder.objects.filter(
        session=session, kind__in=["session_rescheduled", "reschedule_kept"]
    )
    assert {(r.kind, r.recipient.username) for r in notices} == {("session_rescheduled", "rep")}


def test_moving_by_the_plain_reschedule_endpoint_answers_the_request_too(org, session):
    ask(org, session)
    response = api_as(org.manager).post(
        f"/api/v1/coaching/sessions/{session.pk}/reschedule/",
        {"scheduled_for": FRIDAY_14.isoformat()},
    )
    assert response.status_code == 200
    assert response.json()["reschedule_request"]["status"] == "moved"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "decision"),
        ({"decision": "later"}, "decision"),
        ({"decision": "move"}, "scheduled_for: Give the new time"),
    ],
)
def test_bad_answers_are_400s(org, session, payload, message):
    ask(org, session)
    response = resolve(org.manager, session, payload)
    assert response.status_code == 400 and message in response.json()["message"]
    assert RescheduleRequest.objects.get().is_open


@pytest.mark.parametrize("decision", ["keep", "move"])
def test_answering_with_nothing_asked_is_a_409(org, session, decision):
    response = resolve(
        org.manager, session, {"decision": decision, "scheduled_for": FRIDAY_14.isoformat()}
    )
    assert response.status_code == 409
    session.refresh_from_db()
    assert session.scheduled_for == THURSDAY_10


RESOLVE_RIGHTS = {"rep": 403, "manager": 200, "other_manager": 404, "admin": 200}


@pytest.mark.parametrize("who", VIEWERS)
def test_the_coach_or_an_admin_answers(org, session, who):
    ask(org, session)
    response = resolve(getattr(org, who), session, {"decision": "keep"})
    assert response.status_code == RESOLVE_RIGHTS[who]
    assert RescheduleRequest.objects.get().is_open is (RESOLVE_RIGHTS[who] != 200)


# --- cancelling ---------------------------------------------------------------------------------


def test_cancelling_without_a_reason_is_a_400(org, session):
    for payload in ({}, {"reason": "   "}):
        response = api_as(org.manager).post(
            f"/api/v1/coaching/sessions/{session.pk}/cancel/", payload
        )
        assert response.status_code == 400 and "reason" in response.json()["message"]
    session.refresh_from_db()
    assert session.status == "scheduled"


def test_cancelling_with_a_reason_stores_it(org, session):
    response = api_as(org.manager).post(
        f"/api/v1/coaching/sessions/{session.pk}/cancel/", {"reason": "Offsite"}
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", "Offsite")


# --- booking and moving by the working-hours rules ---------------------------------------------


def book(org, when, **extra):
    return api_as(org.manager).post(
        "/api/v1/coaching/sessions/",
        {"rep": org.rep.pk, "scheduled_for": when.isoformat(), **extra},
        format="json",
    )


def test_booking_outside_working_hours_needs_the_confirmation(org, session):
    refused = book(org, FRIDAY_19)
    assert refused.status_code == 400
    assert "outside your working hours" in refused.json()["message"]
    assert "17:00" in refused.json()["message"]
    booked = book(org, FRIDAY_19, outside_hours_confirmed=True)
    assert booked.status_code == 201, booked.content
    assert booked.json()["scheduled_for"].startswith("2026-03-13T19:00")


def test_booking_inside_working_hours_needs_no_confirmation(org, session):
    assert book(org, FRIDAY_14).status_code == 201


def test_an_overlap_is_refused_even_when_confirmed(org, session):
    clash = book(org, THURSDAY_10 + dt.timedelta(minutes=10), outside_hours_confirmed=True)
    assert clash.status_code == 400
    assert "overlaps your coaching session on Thu 12 Mar 10:00 GMT" in clash.json()["message"]
    assert CoachingSession.objects.count() == 1


def test_moving_outside_working_hours_needs_the_confirmation(org, session):
    url = f"/api/v1/coaching/sessions/{session.pk}/reschedule/"
    client = api_as(org.manager)
    refused = client.post(url, {"scheduled_for": FRIDAY_19.isoformat()}, format="json")
    assert refused.status_code == 400 and "outside" in refused.json()["message"]
    moved = client.post(
        url,
        {"scheduled_for": FRIDAY_19.isoformat(), "outside_hours_confirmed": True},
        format="json",
    )
    assert moved.status_code == 200
    session.refresh_from_db()
    assert session.scheduled_for == FRIDAY_19


def test_the_schema_describes_asking_and_answering(org):
    schema = api_as(org.rep).get("/api/schema/", {"format": "json"}).json()
    asked = schema["paths"]["/api/v1/coaching/sessions/{session_id}/reschedule-request/"]["post"]
    assert set(asked["responses"]) >= {"201", "400", "403", "404", "409"}
    answered = schema["paths"][
        "/api/v1/coaching/sessions/{session_id}/reschedule-request/resolve/"
    ]["post"]
    assert answered["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/RescheduleResolveInputRequest"
    )
    booking = schema["components"]["schemas"]["SessionBookInputRequest"]["properties"]
    assert "outside_hours_confirmed" in booking
