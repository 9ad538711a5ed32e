"""The coaching API end to end: plans, sessions (book, hold, move, cancel, reflect), commitments,
with the permission matrix over every route."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.pagination import PageNumberPagination

from coaching.models import CoachingSession, Commitment, Observation, Reminder
from coaching.reminders.schedule import session_reminders_schedule
from tests.coaching.factories import (
    CommitmentFactory,
    ObservationFactory,
    complete_module,
    plan_of,
    session_started,
    session_with,
)
from tests.conftest import api_as
from tests.factories import RepFactory, SkillFactory, build_module

pytestmark = pytest.mark.django_db

VIEWERS = ["rep", "manager", "other_manager", "admin"]
PRIVATE = "Coach's eyes only."
SESSION_FIELDS = {
    "id",
    "rep",
    "coach",
    "scheduled_for",
    "status",
    "source",
    "module",
    "agenda",
    "late",
    "duration_minutes",
    "focus_skill",
    "plan",
    "reflection",
    "shared_notes",
    "held_at",
    "cancel_reason",
}


def in_days(days: float) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0)


def workday(days: int, hour: int = 10) -> dt.datetime:
    """``hour`` o'clock on the first weekday at least ``days`` ahead, in the London time zone
    of the factories' people: inside the coach's working hours, where booking by hand needs no
    confirmation."""
    day = timezone.localdate() + dt.timedelta(days=days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo("Europe/London"))


def due_in(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def hold_payload(skill, **overrides) -> dict:
    payload = {
        "notes": "Strong opener.",
        "private_notes": "Nervous on price.",
        "observations": [{"skill": skill.pk, "rating": 4, "evidence": "Asked three questions."}],
        "commitments": [
            {"text": "Two open questions per call", "skill": skill.pk, "due_date": due_in(7)}
        ],
    }
    payload.update(overrides)
    return payload


@dataclass
class Sessions:
    own: CoachingSession  # the rep's, led by their manager
    led_by_admin: CoachingSession  # the rep's, led by an admin
    # The rep's, still naming other_manager as coach from before the rep moved teams: the
    # reporting line decides, so it is the manager's now and other_manager's no more.
    former: CoachingSession
    other: CoachingSession  # other_rep's, led by other_manager
    coachless: CoachingSession  # a rep with no manager


@pytest.fixture
def sessions(org) -> Sessions:
    loner = RepFactory(username="loner", manager=None)
    return Sessions(
        own=session_with(org.rep, scheduled_for=in_days(2)),
        led_by_admin=session_with(org.rep, coach=org.admin, scheduled_for=in_days(3)),
        former=session_with(org.rep, coach=org.other_manager, scheduled_for=in_days(4)),
        other=session_with(org.other_rep, scheduled_for=in_days(2)),
        coachless=session_with(loner, coach=None, scheduled_for=in_days(2)),
    )


def names(sessions: Sessions, ids) -> set[str]:
    by_pk = {getattr(sessions, name).pk: name for name in vars(sessions)}
    return {by_pk[pk] for pk in ids}


VISIBLE = {
    "rep": {"own", "led_by_admin", "former"},
    "manager": {"own", "led_by_admin", "former"},
    "other_manager": {"other"},
    "admin": {"own", "led_by_admin", "former", "other", "coachless"},
}
PRIVATE_NOTES = {
    # Whose private notes each viewer reads: the sessions they coach, and all for admins.
    "rep": set(),
    "manager": {"own"},
    "other_manager": {"other"},
    "admin": {"own", "led_by_admin", "former", "other", "coachless"},
}


# --- the whole flow ------------------------------------------------------------------------------


def test_a_manager_books_holds_and_the_rep_keeps_the_commitment(org):
    skill = SkillFactory(name="Discovery")
    manager, rep = api_as(org.manager), api_as(org.rep)

    booked = manager.post(
        "/api/v1/coaching/sessions/",
        {
            "rep": org.rep.pk,
            "scheduled_for": workday(3).isoformat(),
            "duration_minutes": 45,
            "focus_skill": skill.pk,
            "note": "Pipeline review",
        },
    )
    assert booked.status_code == 201, booked.content
    session = booked.json()
    assert session["rep"] == org.rep.pk and session["coach"] == org.manager.pk
    assert session["source"] == "manual" and session["status"] == "scheduled"
    assert session["duration_minutes"] == 45 and session["focus_skill"] == skill.pk
    assert session["agenda"]["note"] == "Pipeline review"
    assert session["private_notes"] == ""
    assert Reminder.objects.filter(session_id=session["id"]).exists()

    listed = rep.get("/api/v1/coaching/sessions/").json()["results"]
    assert [s["id"] for s in listed] == [session["id"]]
    assert set(listed[0]) == SESSION_FIELDS

    reflected = rep.post(
        f"/api/v1/coaching/sessions/{session['id']}/reflection/",
        {"reflection": "Help with silence."},
    )
    assert reflected.status_code == 200 and reflected.json()["reflection"] == "Help with silence."

    session_started(CoachingSession.objects.get(pk=session["id"]))
    held = manager.post(f"/api/v1/coaching/sessions/{session['id']}/hold/", hold_payload(skill))
    assert held.status_code == 200, held.content
    body = held.json()
    assert body["status"] == "held" and body["held_at"]
    assert body["shared_notes"] == "Strong opener." and body["private_notes"] == "Nervous on price."
    assert [(o["skill"], o["rating"], o["evidence"]) for o in body["observations"]] == [
        (skill.pk, 4, "Asked three questions.")
    ]
    assert body["observations"][0]["anchor"].startswith("Proficient")
    assert [c["text"] for c in body["commitments"]] == ["Two open questions per call"]

    commitments = rep.get("/api/v1/coaching/commitments/").json()["results"]
    assert [(c["text"], c["status"], c["skill"]) for c in commitments] == [
        ("Two open questions per call", "open", skill.pk)
    ]
    kept = rep.patch(
        f"/api/v1/coaching/commitments/{commitments[0]['id']}/",
        {"status": "kept", "note": "Did it all week."},
    )
    assert kept.status_code == 200
    assert kept.json()["status"] == "kept" and kept.json()["note"] == "Did it all week."
    seen = manager.get("/api/v1/coaching/commitments/").json()["results"]
    assert [c["status"] for c in seen] == ["kept"]


def test_a_follow_up_after_training_carries_its_module_and_agenda(org):
    module = build_module(lessons=1, questions=5, pass_mark=80)
    complete_module(org.rep, module, wrong_when_passing=1)
    session = api_as(org.rep).get("/api/v1/coaching/sessions/").json()["results"][0]
    assert session["source"] == "after_training" and session["module"] == module.pk
    assert session["agenda"]["module"]["id"] == module.pk
    assert len(session["agenda"]["missed_questions"]) == 1
    assert session["agenda"]["practice_task"] == "Role-play the opening twice."
    assert isinstance(session["late"], bool)


# --- visibility ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", VIEWERS)
def test_each_viewer_lists_the_sessions_of_the_matrix(org, sessions, who):
    body = api_as(getattr(org, who)).get("/api/v1/coaching/sessions/").json()
    assert names(sessions, [row["id"] for row in body["results"]]) == VISIBLE[who]


@pytest.mark.parametrize("who", VIEWERS)
def test_a_session_outside_the_matrix_is_a_404_and_inside_it_a_200(org, sessions, who):
    client = api_as(getattr(org, who))
    for name in vars(sessions):
        response = client.get(f"/api/v1/coaching/sessions/{getattr(sessions, name).pk}/")
        assert response.status_code == (200 if name in VISIBLE[who] else 404), name
        if response.status_code == 404:
            assert response.json() == {"message": "No such session."}


@pytest.mark.parametrize("who", VIEWERS)
def test_private_notes_reach_only_the_coach_and_admins(org, sessions, who):
    client = api_as(getattr(org, who))
    listed = client.get("/api/v1/coaching/sessions/")
    for row in listed.json()["results"]:
        name = names(sessions, [row["id"]]).pop()
        assert ("private_notes" in row) is (name in PRIVATE_NOTES[who]), name
    for name in VISIBLE[who]:
        detail = client.get(f"/api/v1/coaching/sessions/{getattr(sessions, name).pk}/")
        assert ("private_notes" in detail.json()) is (name in PRIVATE_NOTES[who]), name
        if name not in PRIVATE_NOTES[who]:
            assert PRIVATE not in detail.content.decode()
    if who == "rep":
        assert PRIVATE not in listed.content.decode()


def test_a_rep_never_reads_private_notes_of_a_held_session(org):
    session = session_started(session_with(org.rep))
    skill = SkillFactory()
    api_as(org.manager).post(f"/api/v1/coaching/sessions/{session.pk}/hold/", hold_payload(skill))
    raw = api_as(org.rep).get(f"/api/v1/coaching/sessions/{session.pk}/").content.decode()
    assert "Nervous on price." not in raw and "private_notes" not in raw
    assert "Strong opener." in raw


@pytest.mark.parametrize("who", VIEWERS)
def test_each_viewer_lists_the_plans_and_commitments_of_the_matrix(org, sessions, who):
    plans = {
        "rep": plan_of(org.rep),
        "other_rep": plan_of(org.other_rep),
        "loner": plan_of(sessions.coachless.rep),
    }
    commitments = {
        "rep": CommitmentFactory(session=sessions.own, rep=org.rep),
        "other_rep": CommitmentFactory(session=sessions.other, rep=org.other_rep),
        "former": CommitmentFactory(session=sessions.former, rep=org.rep),
    }
    expected_plans = {
        "rep": {"rep"},
        "manager": {"rep"},
        "other_manager": {"other_rep"},
        "admin": {"rep", "other_rep", "loner"},
    }[who]
    expected_commitments = {
        "rep": {"rep", "former"},
        "manager": {"rep", "former"},
        "other_manager": {"other_rep"},
        "admin": {"rep", "other_rep", "former"},
    }[who]
    client = api_as(getattr(org, who))

    plan_rows = client.get("/api/v1/coaching/plans/").json()["results"]
    by_plan = {plan.pk: name for name, plan in plans.items()}
    assert {by_plan[row["id"]] for row in plan_rows} == expected_plans
    assert set(plan_rows[0]) == {
        "id",
        "rep",
        "coach",
        "status",
        "focus_skills",
        "goals",
        "created_at",
    }

    rows = client.get("/api/v1/coaching/commitments/").json()["results"]
    by_commitment = {c.pk: name for name, c in commitments.items()}
    assert {by_commitment[row["id"]] for row in rows} == expected_commitments
    for name, commitment in commitments.items():
        response = client.get(f"/api/v1/coaching/commitments/{commitment.pk}/")
        assert response.status_code == (200 if name in expected_commitments else 404)


def test_a_plan_lists_its_focus_skills(org):
    plan = plan_of(org.rep)
    plan.focus_skills.add(SkillFactory(slug="closing", name="Closing"))
    row = api_as(org.rep).get("/api/v1/coaching/plans/").json()["results"][0]
    assert row["rep"] == org.rep.pk and row["coach"] == org.manager.pk
    assert [skill["name"] for skill in row["focus_skills"]] == ["Closing"]


ROUTES = [
    ("get", "/api/v1/coaching/plans/"),
    ("get", "/api/v1/coaching/sessions/"),
    ("post", "/api/v1/coaching/sessions/"),
    ("get", "/api/v1/coaching/sessions/{session}/"),
    ("post", "/api/v1/coaching/sessions/{session}/hold/"),
    ("post", "/api/v1/coaching/sessions/{session}/amend/"),
    ("post", "/api/v1/coaching/sessions/{session}/reschedule/"),
    ("post", "/api/v1/coaching/sessions/{session}/cancel/"),
    ("post", "/api/v1/coaching/sessions/{session}/reschedule-request/"),
    ("post", "/api/v1/coaching/sessions/{session}/reschedule-request/resolve/"),
    ("post", "/api/v1/coaching/sessions/{session}/reflection/"),
    ("get", "/api/v1/coaching/commitments/"),
    ("get", "/api/v1/coaching/commitments/{commitment}/"),
    ("patch", "/api/v1/coaching/commitments/{commitment}/"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_callers_are_refused_everywhere(org, api, method, path):
    session = session_with(org.rep)
    commitment = CommitmentFactory(session=session, rep=org.rep)
    url = path.format(session=session.pk, commitment=commitment.pk)
    payload = {
        "rep": org.rep.pk,
        "scheduled_for": in_days(5).isoformat(),
        "notes": "x",
        "reason": "x",
        "reflection": "x",
        "status": "kept",
    }
    response = getattr(api, method)(url, payload)
    assert response.status_code == 401
    assert "message" in response.json()
    session.refresh_from_db()
    commitment.refresh_from_db()
    assert session.status == "scheduled" and session.reflection == ""
    assert commitment.status == "open"
    assert CoachingSession.objects.count() == 1


# --- holding -------------------------------------------------------------------------------------


HOLD_RIGHTS = {"rep": 403, "manager": 200, "other_manager": 404, "admin": 200}


@pytest.mark.parametrize("who", VIEWERS)
def test_only_the_coach_or_an_admin_holds_a_session(org, who):
    session = session_started(session_with(org.rep))
    skill = SkillFactory()
    response = api_as(getattr(org, who)).post(
        f"/api/v1/coaching/sessions/{session.pk}/hold/", hold_payload(skill)
    )
    assert response.status_code == HOLD_RIGHTS[who]
    session.refresh_from_db()
    if HOLD_RIGHTS[who] == 200:
        assert session.status == "held"
        assert Observation.objects.get(session=session).observer == getattr(org, who)
    else:
        assert session.status == "scheduled"
        assert not Observation.objects.exists() and not Commitment.objects.exists()
    if who == "rep":
        assert response.json() == {
            "message": "Only the session's coach or an admin can record it as held."
        }


def test_holding_twice_is_a_409_and_writes_nothing_more(org):
    session = session_started(session_with(org.rep))
    skill = SkillFactory()
    client = api_as(org.manager)
    assert (
        client.post(
            f"/api/v1/coaching/sessions/{session.pk}/hold/", hold_payload(skill)
        ).status_code
        == 200
    )
    again = client.post(f"/api/v1/coaching/sessions/{session.pk}/hold/", hold_payload(skill))
    assert again.status_code == 409
    assert again.json() == {"message": "This session has been recorded as held already."}
    assert Observation.objects.count() == 1 and Commitment.objects.count() == 1


def test_holding_a_cancelled_session_is_a_409(org):
    session = session_with(org.rep, status="cancelled")
    response = api_as(org.manager).post(
        f"/api/v1/coaching/sessions/{session.pk}/hold/", {"notes": "x"}
    )
    assert response.status_code == 409 and "cancelled" in response.json()["message"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"observations": [{"skill": "SKILL", "rating": 0}]},
            "rating: Ensure this value is greater",
        ),
        ({"observations": [{"skill": "SKILL", "rating": 6}]}, "rating: Ensure this value is less"),
        ({"observations": [{"skill": "SKILL", "rating": "good"}]}, "rating: A valid integer"),
        ({"observations": [{"skill": 999999, "rating": 3}]}, "Skill 999999 does not exist."),
        ({"observations": [{"rating": 3}]}, "skill: This field is required."),
        (
            {"commitments": [{"text": "Call back", "skill": "SKILL", "due_date": "PAST"}]},
            "Commitment 1: the due date has passed.",
        ),
        (
            {"commitments": [{"text": "Call back", "due_date": "next week"}]},
            "due_date: Date has wrong format.",
        ),
        ({"commitments": [{"text": "", "due_date": "FUTURE"}]}, "commitments"),
        (
            {"commitments": [{"text": "Call back", "skill": 999999, "due_date": "FUTURE"}]},
            "Skill 999999 does not exist.",
        ),
        ({"observations": [{"skill": "SKILL", "rating": 3, "source": "dream"}]}, "observations"),
        ({"observations": "lots"}, "observations"),
    ],
)
def test_bad_hold_input_is_a_400_with_a_message_and_nothing_is_written(org, change, message):
    session = session_started(session_with(org.rep))
    skill = SkillFactory()
    fill = {"SKILL": skill.pk, "PAST": due_in(-1), "FUTURE": due_in(3)}

    def filled(value):
        if isinstance(value, list):
            return [filled(item) for item in value]
        if isinstance(value, dict):
            return {key: filled(item) for key, item in value.items()}
        return fill.get(value, value) if isinstance(value, str) else value

    response = api_as(org.manager).post(
        f"/api/v1/coaching/sessions/{session.pk}/hold/",
        hold_payload(skill, **filled(change)),
    )
    assert response.status_code == 400
    assert message in response.json()["message"]
    session.refresh_from_db()
    assert session.status == "scheduled" and session.shared_notes == ""
    assert not Observation.objects.exists() and not Commitment.objects.exists()
    assert not Reminder.objects.filter(kind="commitment_due").exists()


# --- moving and cancelling ------------------------------------------------------------------------


# A rep asks to reschedule instead (tests/coaching/test_reschedule_api.py).
CHANGE_RIGHTS = {"rep": 403, "manager": 200, "other_manager": 404, "admin": 200}


@pytest.mark.parametrize("who", VIEWERS)
def test_the_coach_and_admins_move_a_session_and_its_reminders_follow(org, who):
    session = session_with(org.rep, scheduled_for=in_days(2))
    session_reminders_schedule(session=session)
    when = workday(5)
    response = api_as(getattr(org, who)).post(
        f"/api/v1/coaching/sessions/{session.pk}/reschedule/",
        {"scheduled_for": when.isoformat()},
    )
    assert response.status_code == CHANGE_RIGHTS[who]
    session.refresh_from_db()
    day_before = {
        reminder.due_at
        for reminder in Reminder.objects.filter(session=session, kind=Reminder.Kind.SESSION_24H)
    }
    if CHANGE_RIGHTS[who] == 200:
        assert session.scheduled_for == when
        assert dt.datetime.fromisoformat(response.json()["scheduled_for"]) == when
        assert day_before == {when - dt.timedelta(hours=24)}
    else:
        assert session.scheduled_for != when
        assert day_before == {session.scheduled_for - dt.timedelta(hours=24)}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("PAST", "That time has passed"),
        ("NAIVE", "scheduled_for: Give the time with its offset"),
        ("tomorrow at nine", "scheduled_for: Datetime has wrong format"),
        ("", "scheduled_for"),
    ],
)
def test_bad_reschedule_input_is_a_400_and_moves_nothing(org, value, message):
    session = session_with(org.rep, scheduled_for=in_days(2))
    value = {
        "PAST": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "NAIVE": in_days(4).replace(tzinfo=None).isoformat(),
    }.get(value, value)
    response = api_as(org.manager).post(
        f"/api/v1/coaching/sessions/{session.pk}/reschedule/", {"scheduled_for": value}
    )
    assert response.status_code == 400
    assert message in response.json()["message"]
    before = session.scheduled_for
    session.refresh_from_db()
    assert session.scheduled_for == before


def test_moving_onto_another_session_is_a_400(org):
    session = session_with(org.rep, scheduled_for=in_days(2))
    session_with(org.rep, scheduled_for=in_days(4))
    response = api_as(org.manager).post(
        f"/api/v1/coaching/sessions/{session.pk}/reschedule/",
        {"scheduled_for": (in_days(4) + dt.timedelta(minutes=10)).isoformat()},
    )
    assert response.status_code == 400
    assert "overlaps" in response.json()["message"]


@pytest.mark.parametrize("who", VIEWERS)
def test_the_coach_and_admins_cancel_a_session(org, who):
    session = session_with(org.rep)
    response = api_as(getattr(org, who)).post(
        f"/api/v1/coaching/sessions/{session.pk}/cancel/", {"reason": "Travelling"}
    )
    assert response.status_code == CHANGE_RIGHTS[who]
    session.refresh_from_db()
    expected = "cancelled" if CHANGE_RIGHTS[who] == 200 else "scheduled"
    assert session.status == expected
    if CHANGE_RIGHTS[who] == 200:
        assert response.json()["status"] == "cancelled"


def test_cancelling_twice_and_moving_a_cancelled_session_are_409s(org):
    session = session_with(org.rep)
    client = api_as(org.manager)
    reason = {"reason": "Offsite"}
    assert client.post(f"/api/v1/coaching/sessions/{session.pk}/cancel/", reason).status_code == 200
    again = client.post(f"/api/v1/coaching/sessions/{session.pk}/cancel/", reason)
    assert again.status_code == 409 and "cancelled" in again.json()["message"]
    moved = client.post(
        f"/api/v1/coaching/sessions/{session.pk}/reschedule/",
        {"scheduled_for": in_days(6).isoformat()},
    )
    assert moved.status_code == 409


# --- reflection ----------------------------------------------------------------------------------


REFLECT_RIGHTS = {"rep": 200, "manager": 403, "other_manager": 404, "admin": 403}


@pytest.mark.parametrize("who", VIEWERS)
def test_only_the_rep_writes_their_reflection(org, who):
    session = session_with(org.rep)
    response = api_as(getattr(org, who)).post(
        f"/api/v1/coaching/sessions/{session.pk}/reflection/", {"reflection": "Ready."}
    )
    assert response.status_code == REFLECT_RIGHTS[who]
    session.refresh_from_db()
    assert session.reflection == ("Ready." if who == "rep" else "")
    if REFLECT_RIGHTS[who] == 403:
        assert response.json() == {"message": "Only the rep writes their reflection."}


def test_a_reflection_after_the_session_is_a_409(org):
    session = session_with(org.rep, status="held")
    response = api_as(org.rep).post(
        f"/api/v1/coaching/sessions/{session.pk}/reflection/", {"reflection": "Late."}
    )
    assert response.status_code == 409


# --- booking by hand -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "target", "status"),
    [
        ("manager", "rep", 201),
        ("admin", "rep", 201),
        ("admin", "other_rep", 201),
        ("manager", "other_rep", 400),
        ("other_manager", "rep", 400),
        ("rep", "rep", 400),
        ("rep", "other_rep", 400),
    ],
)
def test_managers_book_their_reports_and_admins_anyone(org, who, target, status):
    response = api_as(getattr(org, who)).post(
        "/api/v1/coaching/sessions/",
        {"rep": getattr(org, target).pk, "scheduled_for": workday(3).isoformat()},
    )
    assert response.status_code == status
    assert CoachingSession.objects.count() == (1 if status == 201 else 0)
    if status == 400:
        assert response.json()["message"] == (
            "You can book sessions only with people who report to you."
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scheduled_for": "PAST"}, "That time has passed"),
        ({"scheduled_for": "NAIVE"}, "scheduled_for: Give the time with its offset"),
        ({"scheduled_for": "soon"}, "scheduled_for"),
        ({"duration_minutes": 5}, "A session lasts 10 to 240 minutes."),
        ({"focus_skill": 999999}, "focus_skill: No such skill."),
        ({"rep": 999999}, "You can book sessions only with people who report to you."),
        ({"rep": None}, "rep"),
    ],
)
def test_bad_booking_input_is_a_400_with_a_message(org, change, message):
    payload = {"rep": org.rep.pk, "scheduled_for": workday(3).isoformat(), **change}
    payload["scheduled_for"] = {
        "PAST": (timezone.now() - dt.timedelta(hours=2)).isoformat(),
        "NAIVE": in_days(3).replace(tzinfo=None).isoformat(),
    }.get(payload["scheduled_for"], payload["scheduled_for"])
    response = api_as(org.manager).post("/api/v1/coaching/sessions/", payload, format="json")
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert not CoachingSession.objects.exists()


# --- commitments ---------------------------------------------------------------------------------


REVIEW_RIGHTS = {"rep": 403, "manager": 200, "other_manager": 404, "admin": 200}


@pytest.mark.parametrize("who", VIEWERS)
def test_the_coach_reviews_a_commitment_and_the_rep_may_not(org, who):
    commitment = CommitmentFactory(session=session_with(org.rep, status="held"), rep=org.rep)
    response = api_as(getattr(org, who)).patch(
        f"/api/v1/coaching/commitments/{commitment.pk}/", {"status": "missed"}
    )
    assert response.status_code == REVIEW_RIGHTS[who]
    commitment.refresh_from_db()
    assert commitment.status == ("missed" if REVIEW_RIGHTS[who] == 200 else "open")
    if who == "rep":
        assert "your coach reviews the rest" in response.json()["message"]


@pytest.mark.parametrize("who", ["manager", "other_manager", "admin"])
def test_nobody_but_the_rep_marks_a_commitment_kept_with_a_note(org, who):
    commitment = CommitmentFactory(session=session_with(org.rep, status="held"), rep=org.rep)
    response = api_as(getattr(org, who)).patch(
        f"/api/v1/coaching/commitments/{commitment.pk}/", {"status": "kept", "note": "I say so."}
    )
    commitment.refresh_from_db()
    if who == "other_manager":
        assert response.status_code == 404 and commitment.status == "open"
    else:
        # The coach's "kept" is a review: the rep's note stays theirs to write.
        assert response.status_code == 200
        assert commitment.status == "kept" and commitment.note == ""


def test_marking_kept_twice_is_a_409(org):
    commitment = CommitmentFactory(session=session_with(org.rep, status="held"), rep=org.rep)
    client = api_as(org.rep)
    url = f"/api/v1/coaching/commitments/{commitment.pk}/"
    assert client.patch(url, {"status": "kept"}).status_code == 200
    again = client.patch(url, {"status": "kept"})
    assert again.status_code == 409 and again.json() == {
        "message": "This commitment is kept already."
    }


@pytest.mark.parametrize("payload", [{"status": "done"}, {}, {"note": "no status"}])
def test_a_bad_commitment_update_is_a_400(org, payload):
    commitment = CommitmentFactory(session=session_with(org.rep, status="held"), rep=org.rep)
    response = api_as(org.manager).patch(f"/api/v1/coaching/commitments/{commitment.pk}/", payload)
    assert response.status_code == 400 and response.json()["message"].startswith("status")
    commitment.refresh_from_db()
    assert commitment.status == "open"


def test_commitments_filter_by_status(org):
    session = session_with(org.rep, status="held")
    open_one = CommitmentFactory(session=session, rep=org.rep)
    CommitmentFactory(session=session, rep=org.rep, status="kept")
    client = api_as(org.rep)
    rows = client.get("/api/v1/coaching/commitments/", {"status": "open"}).json()["results"]
    assert [row["id"] for row in rows] == [open_one.pk]
    assert client.get("/api/v1/coaching/commitments/", {"status": "nope"}).status_code == 400


# --- filters and pages ---------------------------------------------------------------------------


def test_sessions_filter_by_status_and_dates(org):
    first = session_with(org.rep, scheduled_for=in_days(1))
    second = session_with(org.rep, scheduled_for=in_days(5), status="cancelled")
    third = session_with(org.rep, scheduled_for=in_days(9))
    client = api_as(org.rep)

    def ids(**params):
        response = client.get("/api/v1/coaching/sessions/", params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    tz = org.rep.tzinfo
    day = lambda session: timezone.localtime(session.scheduled_for, tz).date().isoformat()  # noqa: E731
    assert ids() == [first.pk, second.pk, third.pk]
    assert ids(status="cancelled") == [second.pk]
    assert ids(**{"from": day(second)}) == [second.pk, third.pk]
    assert ids(to=day(second)) == [first.pk, second.pk]
    assert ids(**{"from": day(second), "to": day(second)}) == [second.pk]
    assert ids(rep=org.other_rep.pk) == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "sleeping"}, "status"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2030-02-02", "to": "2030-01-01"}, "from must be on or before to."),
    ],
)
def test_bad_session_filters_are_a_400(org, params, message):
    response = api_as(org.rep).get("/api/v1/coaching/sessions/", params)
    assert response.status_code == 400 and message in response.json()["message"]


def test_session_lists_are_paginated(org, monkeypatch):
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    for n in range(3):
        session_with(org.rep, scheduled_for=in_days(n + 1))
    first = api_as(org.rep).get("/api/v1/coaching/sessions/").json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 3 and len(first["results"]) == 2
    assert first["next"].endswith("?page=2")


# --- query budgets -------------------------------------------------------------------------------


def build_sessions(org, rows: int) -> None:
    skill = SkillFactory(slug="closing")
    module = build_module(skill=skill, lessons=0, questions=0)
    for n in range(rows):
        rep = RepFactory(manager=org.manager)
        plan_of(rep).focus_skills.add(skill)
        session = session_with(rep, scheduled_for=in_days(n + 1), module=module, focus_skill=skill)
        CommitmentFactory(session=session, rep=rep, skill=skill)
        ObservationFactory(session=session, rep=rep, skill=skill)


BUDGETS = {
    # count, rows (rep, coach, module and plan joined)
    "/api/v1/coaching/sessions/": 2,
    # count, rows, focus skills
    "/api/v1/coaching/plans/": 3,
    # count, rows (rep, skill and session joined)
    "/api/v1/coaching/commitments/": 2,
}


@pytest.mark.parametrize("path", list(BUDGETS))
@pytest.mark.parametrize("who", ["manager", "admin"])
def test_lists_cost_the_same_queries_for_2_and_20_rows(
    org, django_assert_max_num_queries, path, who
):
    counts = []
    built = 0
    for rows in (2, 20):
        build_sessions(org, rows - built)
        built = rows
        client = api_as(getattr(org, who))
        with django_assert_max_num_queries(BUDGETS[path]) as captured:
            response = client.get(path)
        assert response.status_code == 200
        assert response.json()["count"] >= rows
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_session_detail_has_a_fixed_query_count(org, django_assert_max_num_queries):
    session = session_with(org.rep, status="held")
    for _ in range(5):
        CommitmentFactory(session=session, rep=org.rep)
        ObservationFactory(session=session, rep=org.rep)
    # The session, its observations, commitments and requests to reschedule.
    with django_assert_max_num_queries(4):
        response = api_as(org.manager).get(f"/api/v1/coaching/sessions/{session.pk}/")
    assert len(response.json()["observations"]) == 5
    assert len(response.json()["commitments"]) == 5


# --- schema --------------------------------------------------------------------------------------


def test_the_schema_describes_each_coaching_operation(org):
    schema = api_as(org.rep).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    hold = paths["/api/v1/coaching/sessions/{session_id}/hold/"]["post"]
    assert hold["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/SessionHoldInputRequest"
    )
    assert set(hold["responses"]) >= {"200", "400", "403", "404", "409"}
    for path, method in [
        ("/api/v1/coaching/plans/", "get"),
        ("/api/v1/coaching/sessions/", "get"),
        ("/api/v1/coaching/sessions/", "post"),
        ("/api/v1/coaching/sessions/{session_id}/", "get"),
        ("/api/v1/coaching/sessions/{session_id}/reschedule/", "post"),
        ("/api/v1/coaching/sessions/{session_id}/amend/", "post"),
        ("/api/v1/coaching/sessions/{session_id}/cancel/", "post"),
        ("/api/v1/coaching/sessions/{session_id}/reschedule-request/", "post"),
        ("/api/v1/coaching/sessions/{session_id}/reschedule-request/resolve/", "post"),
        ("/api/v1/coaching/sessions/{session_id}/reflection/", "post"),
        ("/api/v1/coaching/commitments/", "get"),
        ("/api/v1/coaching/commitments/{commitment_id}/", "patch"),
    ]:
        assert method in paths[path], (path, method)
    session = schema["components"]["schemas"]["Session"]
    assert "private_notes" in session["properties"]
    assert "private_notes" not in session["required"]
    assert {"count", "next", "previous", "results"} <= set(
        schema["components"]["schemas"]["PaginatedSessionList"]["properties"]
    )
