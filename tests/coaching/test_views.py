"""The coaching pages through the test client: who sees what, the flows, htmx and query budgets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.models import (
    RUBRIC_ANCHORS,
    CoachingPlan,
    CoachingSession,
    Commitment,
    Observation,
    Reminder,
)
from coaching.sessions.records import session_hold
from tests.coaching.factories import (
    NEW_YORK,
    CommitmentFactory,
    ObservationFactory,
    at,
    complete_module,
    session_started,
    session_with,
)
from tests.factories import ManagerFactory, RepFactory, SkillFactory, build_module

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
VIEWERS = ["rep", "manager", "other_manager", "other_rep", "admin"]
PRIVATE = "Struggles with silence; keep between us."


def as_user(client, user):
    client.force_login(user)
    return client


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def follow_up_of(rep) -> CoachingSession:
    """A real follow-up: the rep completes a module (one quiz question missed) and the
    follow-up service books the session with its agenda."""
    skill = SkillFactory(slug="discovery", name="Discovery")
    module = build_module(lessons=1, questions=5, skill=skill, pass_mark=80)
    complete_module(rep, module, wrong_when_passing=1)
    return CoachingSession.objects.get(rep=rep, completion__module=module)


def held(session, coach, *, skill=None, due_in_days: int = 7) -> CoachingSession:
    skill = skill or SkillFactory(slug="closing", name="Closing")
    session_started(session)
    return session_hold(
        actor=coach,
        session=session,
        notes="Great opener; slow down before the price.",
        private_notes=PRIVATE,
        observations=[{"skill": skill.pk, "rating": 4, "evidence": "Paused after the ask."}],
        commitments=[
            {
                "text": "Ask three open questions on every call",
                "skill": skill.pk,
                "due_date": timezone.localdate() + dt.timedelta(days=due_in_days),
            }
        ],
    )


def week_of(session) -> str:
    return timezone.localtime(session.scheduled_for, session.coach.tzinfo).date().isoformat()


# --- access ------------------------------------------------------------------------------------


EXPECTED = {
    # page: viewers who get 200; everyone else signed in gets 404
    "my_coaching": set(VIEWERS),
    "week": {"manager", "other_manager", "admin"},
    "session": {"rep", "manager", "admin"},
    "plan": {"rep", "manager", "admin"},
    "no_coach": {"admin"},
}


@pytest.mark.parametrize("page", list(EXPECTED))
@pytest.mark.parametrize("who", VIEWERS)
def test_each_page_answers_200_or_404_by_role(client, org, page, who):
    session = session_with(org.rep)
    url = {
        "my_coaching": "/coaching/",
        "week": "/coaching/week/",
        "session": f"/coaching/sessions/{session.pk}/",
        "plan": f"/coaching/plans/{org.rep.pk}/",
        "no_coach": "/coaching/no-coach/",
    }[page]
    response = as_user(client, getattr(org, who)).get(url)
    assert response.status_code == (200 if who in EXPECTED[page] else 404)


@pytest.mark.parametrize(
    "url",
    ["/coaching/", "/coaching/week/", "/coaching/sessions/1/", "/coaching/plans/1/"],
)
def test_coaching_pages_need_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_unknown_session_or_person_is_a_404(client, org):
    as_user(client, org.admin)
    assert client.get("/coaching/sessions/999999/").status_code == 404
    assert client.get("/coaching/plans/999999/").status_code == 404


def test_the_nav_offers_each_role_its_coaching_pages(client, org):
    rep = as_user(client, org.rep).get("/learn/").content.decode()
    assert "My coaching" in rep and "Sessions this week" not in rep and "No coach" not in rep
    manager = as_user(client, org.manager).get("/learn/").content.decode()
    assert "Sessions this week" in manager and "No coach" not in manager
    admin = as_user(client, org.admin).get("/learn/").content.decode()
    assert "Sessions this week" in admin and "No coach" in admin


# --- My coaching --------------------------------------------------------------------------------


def test_my_coaching_shows_the_next_session_with_its_agenda_and_the_reflection_form(client, org):
    session = follow_up_of(org.rep)
    page = as_user(client, org.rep).get("/coaching/").content.decode()

    assert "Next session" in page
    assert f"/coaching/sessions/{session.pk}/" in page
    assert "What did you try on your last call?" in page  # question to ask
    assert "Asks an open question first" in page  # behaviour to observe
    assert "Role-play the opening twice." in page  # practice task
    missed = session.agenda["missed_questions"][0]
    assert missed["prompt"] in page and "Discovery" in page
    assert f'action="/coaching/sessions/{session.pk}/reflection/"' in page
    assert str(org.manager) in page


def test_my_coaching_shows_times_in_the_rep_s_time_zone(client, org):
    org.rep.timezone = "America/New_York"
    org.rep.save()
    session_with(org.rep, scheduled_for=at(NEW_YORK, 2028, 1, 18, 9, 30))
    page = as_user(client, org.rep).get("/coaching/").content.decode()
    assert "Tuesday 18 January 2028, 09:30 EST" in page


def test_my_coaching_lists_commitments_and_history_with_rubric_anchors_and_no_private_notes(
    client, org
):
    past = session_with(org.rep, scheduled_for=timezone.now() + dt.timedelta(hours=3))
    held(past, org.manager)
    commitment = Commitment.objects.get(rep=org.rep)
    page = as_user(client, org.rep).get("/coaching/").content.decode()

    assert "Ask three open questions on every call" in page
    assert f'action="/coaching/commitments/{commitment.pk}/kept/"' in page
    assert "Great opener; slow down before the price." in page
    assert RUBRIC_ANCHORS[4] in page
    assert "Paused after the ask." in page
    assert PRIVATE not in page


def test_a_rep_with_nothing_booked_is_told_how_sessions_come(client, org):
    page = as_user(client, org.rep).get("/coaching/").content.decode()
    assert "No session booked." in page


def test_saving_the_reflection_with_htmx_swaps_in_the_saved_form(client, org):
    session = session_with(org.rep)
    response = as_user(client, org.rep).post(
        f"/coaching/sessions/{session.pk}/reflection/",
        {"reflection": "  I want help with price objections.  ", "next": "/coaching/"},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Saved ✓" in html and "<html" not in html
    assert "I want help with price objections." in html
    session.refresh_from_db()
    assert session.reflection == "I want help with price objections."


def test_saving_the_reflection_without_javascript_returns_to_the_page(client, org):
    session = session_with(org.rep)
    response = as_user(client, org.rep).post(
        f"/coaching/sessions/{session.pk}/reflection/",
        {"reflection": "Ready.", "next": "/coaching/"},
    )
    assert response.status_code == 302 and response["Location"] == "/coaching/"
    assert "Your reflection is saved." in client.get("/coaching/").content.decode()


def test_a_reflection_on_a_held_session_is_refused_with_a_message(client, org):
    session = session_with(org.rep)
    held(session, org.manager)
    response = as_user(client, org.rep).post(
        f"/coaching/sessions/{session.pk}/reflection/", {"reflection": "Late."}, **HTMX
    )
    assert "cannot be prepared for" in response.content.decode()
    session.refresh_from_db()
    assert session.reflection == ""


@pytest.mark.parametrize(("who", "status"), [("manager", 403), ("other_manager", 404)])
def test_only_the_rep_writes_their_reflection(client, org, who, status):
    session = session_with(org.rep)
    response = as_user(client, getattr(org, who)).post(
        f"/coaching/sessions/{session.pk}/reflection/", {"reflection": "Not mine."}
    )
    assert response.status_code == status
    session.refresh_from_db()
    assert session.reflection == ""


def test_the_rep_marks_a_commitment_kept_with_htmx(client, org):
    commitment = CommitmentFactory(session=session_with(org.rep, status="held"), rep=org.rep)
    response = as_user(client, org.rep).post(
        f"/coaching/commitments/{commitment.pk}/kept/", {"note": "Did it on 5 calls."}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="commitment-{commitment.pk}"' in html and "Kept" in html
    assert "Mark kept" not in html and "<html" not in html
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.KEPT
    assert commitment.note == "Did it on 5 calls."


def test_marking_kept_without_javascript_redirects_to_my_coaching(client, org):
    commitment = CommitmentFactory(session=session_with(org.rep, status="held"), rep=org.rep)
    response = as_user(client, org.rep).post(f"/coaching/commitments/{commitment.pk}/kept/")
    assert response.status_code == 302 and response["Location"] == "/coaching/"
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.KEPT


def test_marking_a_kept_commitment_again_shows_the_reason(client, org):
    commitment = CommitmentFactory(
        session=session_with(org.rep, status="held"), rep=org.rep, status="kept"
    )
    response = as_user(client, org.rep).post(
        f"/coaching/commitments/{commitment.pk}/kept/", {"note": "again"}, **HTMX
    )
    assert "This commitment is kept already." in response.content.decode()


@pytest.mark.parametrize(("who", "status"), [("manager", 403), ("other_rep", 404)])
def test_only_the_rep_marks_their_commitment_kept(client, org, who, status):
    commitment = CommitmentFactory(session=session_with(org.rep, status="held"), rep=org.rep)
    response = as_user(client, getattr(org, who)).post(
        f"/coaching/commitments/{commitment.pk}/kept/"
    )
    assert response.status_code == status
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.OPEN


def test_the_coach_reviews_a_commitment_from_the_plan_page(client, org):
    commitment = CommitmentFactory(session=session_with(org.rep, status="held"), rep=org.rep)
    as_user(client, org.manager)
    page = client.get(f"/coaching/plans/{org.rep.pk}/").content.decode()
    assert f'action="/coaching/commitments/{commitment.pk}/review/"' in page
    response = client.post(
        f"/coaching/commitments/{commitment.pk}/review/", {"status": "missed"}, **HTMX
    )
    assert response.status_code == 200 and "Missed" in response.content.decode()
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.MISSED


def test_a_rep_cannot_review_their_own_commitment(client, org):
    commitment = CommitmentFactory(session=session_with(org.rep, status="held"), rep=org.rep)
    response = as_user(client, org.rep).post(
        f"/coaching/commitments/{commitment.pk}/review/", {"status": "kept"}
    )
    assert response.status_code == 403
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.OPEN


# --- Sessions this week -------------------------------------------------------------------------


def test_the_week_groups_the_manager_s_sessions_by_day_in_their_time_zone(client, org):
    manager = ManagerFactory(timezone="America/New_York")
    rep = RepFactory(manager=manager, first_name="Jo", last_name="Late")
    # 23:30 on Monday in New York is already Tuesday in UTC.
    late_monday = session_with(rep, scheduled_for=at(NEW_YORK, 2028, 1, 17, 23, 30), late=True)
    missed = session_with(rep, scheduled_for=at(NEW_YORK, 2028, 1, 19, 10), status="missed")
    other = session_with(org.other_rep, scheduled_for=at(NEW_YORK, 2028, 1, 18, 10))

    page = as_user(client, manager).get("/coaching/week/?week=2028-01-19").content.decode()

    assert "Week of 17 January 2028" in page
    monday = page.index("Monday 17 Jan")
    tuesday = page.index("Tuesday 18 Jan")
    assert monday < page.index(f"/coaching/sessions/{late_monday.pk}/") < tuesday
    assert "23:30 · Jo Late" in page
    assert page.index("Wednesday 19 Jan") < page.index(f"/coaching/sessions/{missed.pk}/")
    assert f"/coaching/sessions/{other.pk}/" not in page
    assert ">Late<" in page and ">Missed<" in page
    assert "?week=2028-01-10" in page and "?week=2028-01-24" in page


def test_the_week_defaults_to_this_week_and_ignores_a_bad_date(client, org):
    as_user(client, org.manager)
    today = timezone.localdate(timezone=org.manager.tzinfo)
    monday = today - dt.timedelta(days=today.weekday())
    for url in ("/coaching/week/", "/coaching/week/?week=not-a-date"):
        page = client.get(url).content.decode()
        assert f"Week of {monday.day} {monday:%B %Y}" in page


def test_the_booking_form_offers_only_the_manager_s_team(client, org):
    page = as_user(client, org.manager).get("/coaching/week/").content.decode()
    assert f'<option value="{org.rep.pk}">' in page
    assert f'<option value="{org.other_rep.pk}">' not in page


def test_a_manager_books_a_session_in_their_own_time_zone(client, org):
    org.manager.timezone = "America/New_York"
    org.manager.save()
    skill = SkillFactory(name="Prospecting")
    response = as_user(client, org.manager).post(
        "/coaching/week/",
        {
            "rep": org.rep.pk,
            "scheduled_for": "2028-01-18T09:30",
            "duration_minutes": "45",
            "focus_skill": skill.pk,
            "note": "Pipeline review",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/coaching/week/?week=2028-01-17"
    session = CoachingSession.objects.get(rep=org.rep)
    assert session.scheduled_for == at(NEW_YORK, 2028, 1, 18, 9, 30)
    assert session.coach == org.manager and session.duration_minutes == 45
    assert session.focus_skill == skill and session.agenda["note"] == "Pipeline review"
    assert session.source == CoachingSession.Source.MANUAL
    assert Reminder.objects.filter(session=session).exists()


def test_booking_with_htmx_answers_the_refreshed_week(client, org):
    response = as_user(client, org.manager).post(
        "/coaching/week/", {"rep": org.rep.pk, "scheduled_for": "2028-01-18T10:00"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f"Booked a session with {org.rep}" in html
    assert "Week of 17 January 2028" in html
    session = CoachingSession.objects.get(rep=org.rep)
    assert f"/coaching/sessions/{session.pk}/" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"scheduled_for": "2020-01-15T10:00"}, "That time has passed"),
        ({"scheduled_for": "tomorrow"}, "Enter a valid date/time."),
        ({"scheduled_for": "2028-01-18T10:00", "duration_minutes": "5"}, "greater than or equal"),
        ({"scheduled_for": "2028-01-18T10:00", "rep": "other_rep"}, "Choose someone in your team."),
    ],
)
def test_a_refused_booking_shows_why_and_books_nothing(client, org, data, message):
    data = {"rep": org.rep.pk, **data}
    if data["rep"] == "other_rep":
        data["rep"] = org.other_rep.pk
    response = as_user(client, org.manager).post("/coaching/week/", data, **HTMX)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CoachingSession.objects.exists()


def test_booking_over_another_session_is_refused(client, org):
    session_with(org.rep, scheduled_for=at(NEW_YORK, 2028, 1, 18, 10))
    org.manager.timezone = "America/New_York"
    org.manager.save()
    response = as_user(client, org.manager).post(
        "/coaching/week/", {"rep": org.rep.pk, "scheduled_for": "2028-01-18T10:15"}, **HTMX
    )
    assert "overlaps" in response.content.decode()
    assert CoachingSession.objects.count() == 1


def test_a_rep_cannot_book_through_the_week_page(client, org):
    response = as_user(client, org.rep).post(
        "/coaching/week/", {"rep": org.rep.pk, "scheduled_for": "2028-01-18T10:00"}
    )
    assert response.status_code == 404
    assert not CoachingSession.objects.exists()


# --- the session page ---------------------------------------------------------------------------


def test_the_coach_sees_the_agenda_the_reflection_and_the_hold_form(client, org):
    session = follow_up_of(org.rep)
    CoachingSession.objects.filter(pk=session.pk).update(reflection="Help me with silence.")
    page = as_user(client, org.manager).get(f"/coaching/sessions/{session.pk}/").content.decode()
    assert "Role-play the opening twice." in page
    assert "Help me with silence." in page
    assert "Record this session" in page
    assert f'name="rating_{session.agenda["skills"][0]["id"]}"' in page
    for anchor in RUBRIC_ANCHORS.values():
        assert anchor in page
    assert 'name="commitment_0_text"' in page and 'name="commitment_2_due"' in page
    assert 'name="private_notes"' in page
    assert "Move session" in page and "Cancel session" in page


def test_the_rep_sees_the_agenda_and_reflection_form_but_no_hold_form(client, org):
    session = follow_up_of(org.rep)
    page = as_user(client, org.rep).get(f"/coaching/sessions/{session.pk}/").content.decode()
    assert "Role-play the opening twice." in page
    assert f'action="/coaching/sessions/{session.pk}/reflection/"' in page
    assert "Record this session" not in page and 'name="private_notes"' not in page
    assert "Coach's eyes only." not in page


def test_after_holding_the_rep_sees_shared_notes_and_ratings_but_never_private_notes(client, org):
    session = held(session_with(org.rep), org.manager)
    page = as_user(client, org.rep).get(f"/coaching/sessions/{session.pk}/").content.decode()
    assert "Great opener; slow down before the price." in page
    assert RUBRIC_ANCHORS[4] in page and "Ask three open questions on every call" in page
    assert PRIVATE not in page and "Private notes" not in page
    assert "Record this session" not in page and "Move session" not in page


@pytest.mark.parametrize(("who", "sees_private"), [("manager", True), ("admin", True)])
def test_the_coach_and_admins_read_the_private_notes(client, org, who, sees_private):
    session = held(session_with(org.rep), org.manager)
    page = as_user(client, getattr(org, who)).get(f"/coaching/sessions/{session.pk}/")
    assert (PRIVATE in page.content.decode()) is sees_private


def hold_form_data(session, skill, **overrides) -> dict:
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    data = {
        f"rating_{skill.pk}": "3",
        f"evidence_{skill.pk}": "Asked about budget first.",
        "commitment_0_text": "Book two discovery calls",
        "commitment_0_skill": str(skill.pk),
        "commitment_0_due": due,
        "commitment_1_text": "",
        "notes": "Good progress.",
        "private_notes": "Needs confidence.",
        "confirm": "1",
    }
    data.update(overrides)
    return data


def test_holding_through_the_form_writes_observations_and_commitments(client, org):
    session = session_started(follow_up_of(org.rep))
    skill = session.focus_skill
    extra = SkillFactory(name="Negotiation")
    data = hold_form_data(
        session, skill, extra_skill=str(extra.pk), extra_rating="5", extra_evidence="Held firm."
    )
    response = as_user(client, org.manager).post(
        f"/coaching/sessions/{session.pk}/hold/", data, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "What was recorded" in html
    assert "Session recorded as held." in html
    session.refresh_from_db()
    assert session.status == CoachingSession.Status.HELD
    assert session.shared_notes == "Good progress."
    assert session.private_notes == "Needs confidence."
    ratings = {
        (o.skill_id, o.rating, o.evidence) for o in Observation.objects.filter(session=session)
    }
    assert ratings == {(skill.pk, 3, "Asked about budget first."), (extra.pk, 5, "Held firm.")}
    commitment = Commitment.objects.get(session=session)
    assert (commitment.text, commitment.skill_id) == ("Book two discovery calls", skill.pk)
    assert Reminder.objects.filter(commitment=commitment, kind="commitment_due").exists()


def test_holding_without_javascript_redirects_to_the_session(client, org):
    session = session_started(follow_up_of(org.rep))
    response = as_user(client, org.manager).post(
        f"/coaching/sessions/{session.pk}/hold/", hold_form_data(session, session.focus_skill)
    )
    assert response.status_code == 302
    assert response["Location"] == f"/coaching/sessions/{session.pk}/"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"commitment_0_due": "2020-01-01"}, "the due date has passed"),
        ({"commitment_0_due": ""}, "Give the commitment a due date."),
        ({"rating_SKILL": "", "evidence_SKILL": "Saw it."}, "leave its evidence empty"),
        ({"rating_SKILL": "6"}, "Select a valid choice."),
        ({"extra_rating": "2"}, "Choose the skill you rated."),
    ],
)
def test_a_refused_hold_shows_why_and_writes_nothing(client, org, overrides, message):
    session = session_started(follow_up_of(org.rep))
    skill = session.focus_skill
    overrides = {key.replace("SKILL", str(skill.pk)): value for key, value in overrides.items()}
    response = as_user(client, org.manager).post(
        f"/coaching/sessions/{session.pk}/hold/",
        hold_form_data(session, skill, **overrides),
        **HTMX,
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    session.refresh_from_db()
    assert session.status == CoachingSession.Status.SCHEDULED
    assert not Observation.objects.exists() and not Commitment.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("rep", 403), ("other_manager", 404)])
def test_only_the_coach_or_an_admin_holds_a_session(client, org, who, status):
    session = session_started(follow_up_of(org.rep))
    response = as_user(client, getattr(org, who)).post(
        f"/coaching/sessions/{session.pk}/hold/", hold_form_data(session, session.focus_skill)
    )
    assert response.status_code == status
    session.refresh_from_db()
    assert session.status == CoachingSession.Status.SCHEDULED


def test_an_admin_holds_a_session_with_no_coach(client, org):
    loner = RepFactory(manager=None)
    session = session_started(session_with(loner, coach=None))
    assert f"/coaching/sessions/{session.pk}/" in (
        as_user(client, org.admin).get("/coaching/no-coach/").content.decode()
    )
    response = client.post(
        f"/coaching/sessions/{session.pk}/hold/",
        {"notes": "Covered the whole agenda.", "confirm": "1"},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == CoachingSession.Status.HELD


def test_a_held_session_shows_its_record_instead_of_the_form(client, org):
    session = held(session_with(org.rep), org.manager)
    page = as_user(client, org.manager).get(f"/coaching/sessions/{session.pk}/").content.decode()
    assert "What was recorded" in page and PRIVATE in page
    assert "Record this session" not in page
    response = client.post(f"/coaching/sessions/{session.pk}/hold/", {"notes": "Twice."}, **HTMX)
    assert "recorded as held already" in response.content.decode()


def test_the_coach_moves_a_session_in_their_time_zone_and_its_reminders_follow(client, org):
    org.manager.timezone = "America/New_York"
    org.manager.save()
    session = follow_up_of(org.rep)
    before = set(
        Reminder.objects.filter(session=session, kind="session_24h").values_list(
            "due_at", flat=True
        )
    )
    response = as_user(client, org.manager).post(
        f"/coaching/sessions/{session.pk}/reschedule/",
        {"scheduled_for": "2028-01-18T11:00"},
        **HTMX,
    )
    assert response.status_code == 200 and "Session moved." in response.content.decode()
    session.refresh_from_db()
    assert session.scheduled_for == at(NEW_YORK, 2028, 1, 18, 11)
    after = set(
        Reminder.objects.filter(session=session, kind="session_24h").values_list(
            "due_at", flat=True
        )
    )
    assert after == {session.scheduled_for - dt.timedelta(hours=24)} != before


def test_moving_into_the_past_is_refused_on_the_form(client, org):
    session = session_with(org.rep)
    when = session.scheduled_for
    response = as_user(client, org.manager).post(
        f"/coaching/sessions/{session.pk}/reschedule/", {"scheduled_for": "2020-01-01T10:00"}
    )
    assert response.status_code == 200
    assert "That time has passed" in response.content.decode()
    session.refresh_from_db()
    assert session.scheduled_for == when


def test_cancelling_through_the_form(client, org):
    session = session_with(org.rep)
    response = as_user(client, org.manager).post(
        f"/coaching/sessions/{session.pk}/cancel/", {"reason": "On leave", "confirm": "on"}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == CoachingSession.Status.CANCELLED
    page = client.get(f"/coaching/sessions/{session.pk}/").content.decode()
    assert "Session cancelled." in page and "Cancel session" not in page


@pytest.mark.parametrize("action", ["reschedule", "cancel"])
def test_someone_outside_the_team_cannot_move_or_cancel(client, org, action):
    session = session_with(org.rep)
    response = as_user(client, org.other_manager).post(
        f"/coaching/sessions/{session.pk}/{action}/", {"scheduled_for": "2028-01-18T11:00"}
    )
    assert response.status_code == 404
    session.refresh_from_db()
    assert session.status == CoachingSession.Status.SCHEDULED


# --- the plan -----------------------------------------------------------------------------------


def test_the_plan_shows_focus_skills_goals_history_observations_and_commitments(client, org):
    session = held(session_with(org.rep), org.manager)
    plan = session.plan
    plan.focus_skills.add(SkillFactory(name="Objection handling"))
    CoachingPlan.objects.filter(pk=plan.pk).update(goals="Close two deals a week.")
    page = as_user(client, org.manager).get(f"/coaching/plans/{org.rep.pk}/").content.decode()
    assert "Objection handling" in page
    assert "Close two deals a week." in page
    assert RUBRIC_ANCHORS[4] in page and "Ask three open questions on every call" in page
    assert f"/coaching/sessions/{session.pk}/" in page
    assert PRIVATE not in page
    # The coach chooses focus skills; only the rep writes goals.
    assert f'action="/coaching/plans/{org.rep.pk}/focus/"' in page
    assert f'action="/coaching/plans/{org.rep.pk}/goals/"' not in page


def test_the_rep_writes_their_goals_with_htmx(client, org):
    plan = session_with(org.rep).plan
    as_user(client, org.rep)
    page = client.get(f"/coaching/plans/{org.rep.pk}/").content.decode()
    assert f'action="/coaching/plans/{org.rep.pk}/focus/"' not in page
    response = client.post(
        f"/coaching/plans/{org.rep.pk}/goals/", {"goals": "Shorter discovery calls."}, **HTMX
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    plan.refresh_from_db()
    assert plan.goals == "Shorter discovery calls."


def test_the_coach_chooses_focus_skills(client, org):
    plan = session_with(org.rep).plan
    first, second = SkillFactory(name="Closing"), SkillFactory(name="Prospecting")
    response = as_user(client, org.manager).post(
        f"/coaching/plans/{org.rep.pk}/focus/", {"focus_skills": [first.pk, second.pk]}
    )
    assert response.status_code == 302
    assert set(plan.focus_skills.all()) == {first, second}


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("manager", "goals", 403),
        ("rep", "focus", 403),
        ("other_manager", "goals", 404),
        ("other_manager", "focus", 404),
    ],
)
def test_each_part_of_the_plan_has_its_author(client, org, who, path, status):
    plan = session_with(org.rep).plan
    skill = SkillFactory()
    response = as_user(client, getattr(org, who)).post(
        f"/coaching/plans/{org.rep.pk}/{path}/", {"goals": "Hijack", "focus_skills": [skill.pk]}
    )
    assert response.status_code == status
    plan.refresh_from_db()
    assert plan.goals == "" and not plan.focus_skills.exists()


def test_a_person_with_no_plan_yet_is_told_how_one_opens(client, org):
    page = as_user(client, org.rep).get(f"/coaching/plans/{org.rep.pk}/").content.decode()
    assert "No coaching plan yet." in page


# --- no coach -----------------------------------------------------------------------------------


def test_admins_see_scheduled_sessions_without_a_coach(client, org):
    loner = RepFactory(manager=None, first_name="Lone", last_name="Ranger")
    waiting = session_with(loner, coach=None)
    done = session_with(loner, coach=None, status="held")
    page = as_user(client, org.admin).get("/coaching/no-coach/").content.decode()
    assert "Lone Ranger" in page and f"/coaching/sessions/{waiting.pk}/" in page
    assert f"/coaching/sessions/{done.pk}/" not in page


# --- query budgets ------------------------------------------------------------------------------


def team_week(manager, count: int, week_start: dt.datetime) -> None:
    skill = SkillFactory(slug="closing")
    module = build_module(skill=skill, lessons=0, questions=0)
    for n in range(count):
        rep = RepFactory(manager=manager)
        session = session_with(
            rep,
            scheduled_for=week_start + dt.timedelta(days=n % 5, hours=9 + n // 5),
            module=module,
            focus_skill=skill,
            late=n % 2 == 0,
        )
        CommitmentFactory(
            session=session, rep=rep, due_date=week_start.date() + dt.timedelta(days=2)
        )


def test_the_week_page_costs_the_same_queries_for_one_session_or_fifteen(client, org):
    monday = dt.datetime(2028, 1, 17, tzinfo=org.manager.tzinfo)
    as_user(client, org.manager)
    team_week(org.manager, 1, monday)
    url = "/coaching/week/?week=2028-01-17"
    one = queries_for(client, url)
    team_week(org.manager, 14, monday)
    page = client.get(url).content.decode()
    assert page.count('class="session status-scheduled"') == 15
    assert queries_for(client, url) == one <= 10


def rep_history(rep, manager, count: int) -> None:
    for n in range(count):
        skill = SkillFactory(slug=f"skill-{n % 3}")
        session = session_with(rep, scheduled_for=timezone.now() + dt.timedelta(days=n + 1))
        held(session, manager, skill=skill)
        ObservationFactory(session=session, rep=rep, skill=skill)
        session_with(rep, scheduled_for=timezone.now() + dt.timedelta(days=60 + n))


def test_my_coaching_costs_the_same_queries_for_one_session_or_eight(client, org):
    as_user(client, org.rep)
    rep_history(org.rep, org.manager, 1)
    one = queries_for(client, "/coaching/")
    rep_history(org.rep, org.manager, 7)
    assert queries_for(client, "/coaching/") == one <= 12


def test_the_plan_page_costs_the_same_queries_for_one_session_or_eight(client, org, session_read):
    as_user(client, org.manager)
    rep_history(org.rep, org.manager, 1)
    one = queries_for(client, f"/coaching/plans/{org.rep.pk}/")
    rep_history(org.rep, org.manager, 7)
    assert queries_for(client, f"/coaching/plans/{org.rep.pk}/") == one <= 14 + session_read


def test_the_session_page_has_a_bounded_query_count(client, org):
    session = held(session_with(org.rep), org.manager)
    for _ in range(5):
        ObservationFactory(session=session, rep=org.rep)
        CommitmentFactory(session=session, rep=org.rep)
    as_user(client, org.manager)
    # Nine with the session read from the database (the embedded default); eight with Redis.
    assert queries_for(client, f"/coaching/sessions/{session.pk}/") <= 9


def test_no_coach_lists_the_reps_without_a_manager(client, org, django_assert_max_num_queries):
    from tests.factories import RepFactory

    RepFactory(username="orphan", first_name="Olu", last_name="Orphan", manager=None)
    for index in range(5):
        RepFactory(username=f"alone{index}", manager=None)
    client.force_login(org.admin)
    with django_assert_max_num_queries(12):
        html = client.get("/coaching/no-coach/").content.decode()
    section = html.split('id="reps-without-manager"')[1].split("</ul>")[0]
    assert "Olu Orphan" in section
    assert "alone4" in section
    assert org.rep.get_full_name() not in section  # has a manager
