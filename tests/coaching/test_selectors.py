"""Coaching visibility as a matrix (DESIGN §6), and the query budgets of the coaching pages."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from coaching.models import CoachingSession
from coaching.sessions import selectors
from coaching.sessions.permissions import (
    can_change_session,
    can_hold_session,
    can_see_commitment,
    can_see_plan,
    can_see_private_notes,
    can_see_session,
)
from tests.coaching.factories import (
    NEW_YORK,
    UTC,
    CommitmentFactory,
    ObservationFactory,
    at,
    freeze,
    plan_of,
    session_with,
)
from tests.factories import ManagerFactory, RepFactory, SkillFactory, build_module

pytestmark = pytest.mark.django_db

VIEWERS = ["rep", "manager", "other_manager", "admin"]
NOW = dt.datetime(2026, 3, 10, 10, tzinfo=UTC)  # Tuesday


@dataclass
class Sessions:
    own: CoachingSession  # the rep's, led by their manager
    led_by_admin: CoachingSession  # the rep's, led by an admin
    # The rep's, led by other_manager before the rep moved teams: one held, history they keep,
    # and one still scheduled whose stored coach was never updated, which gives them nothing.
    former: CoachingSession
    former_scheduled: CoachingSession
    other: CoachingSession  # other_rep's, led by other_manager
    coachless: CoachingSession  # a rep with no manager


@pytest.fixture
def sessions(org) -> Sessions:
    loner = RepFactory(username="loner", manager=None)
    return Sessions(
        own=session_with(org.rep),
        led_by_admin=session_with(org.rep, coach=org.admin),
        former=session_with(
            org.rep,
            coach=org.other_manager,
            status="held",
            held_at=dt.datetime(2026, 3, 1, tzinfo=UTC),
        ),
        former_scheduled=session_with(org.rep, coach=org.other_manager),
        other=session_with(org.other_rep),
        coachless=session_with(loner, coach=None),
    )


VISIBLE_SESSIONS = {
    "rep": {"own", "led_by_admin", "former", "former_scheduled"},
    "manager": {"own", "led_by_admin", "former", "former_scheduled"},
    "other_manager": {"former", "other"},
    "admin": {"own", "led_by_admin", "former", "former_scheduled", "other", "coachless"},
}


def names(sessions: Sessions, rows) -> set[str]:
    by_pk = {getattr(sessions, name).pk: name for name in vars(sessions)}
    return {by_pk[row.pk] for row in rows}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_sessions_visible_to_follows_the_matrix(org, sessions, viewer):
    user = getattr(org, viewer)
    assert names(sessions, selectors.sessions_visible_to(user=user)) == VISIBLE_SESSIONS[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_session_for_answers_404_for_what_the_viewer_may_not_see(org, sessions, viewer):
    user = getattr(org, viewer)
    for name in vars(sessions):
        session = getattr(sessions, name)
        if name in VISIBLE_SESSIONS[viewer]:
            assert selectors.session_for(user=user, session_id=session.pk) == session
            assert can_see_session(user, session)
        else:
            with pytest.raises(Http404):
                selectors.session_for(user=user, session_id=session.pk)
            assert not can_see_session(user, session)


def test_session_for_an_unknown_id_is_404(org):
    with pytest.raises(Http404):
        selectors.session_for(user=org.admin, session_id=987654)


def test_anonymous_sees_no_session(org, sessions):
    assert not selectors.sessions_visible_to(user=AnonymousUser()).exists()
    assert not can_see_session(AnonymousUser(), sessions.own)
    assert not can_see_private_notes(AnonymousUser(), sessions.own)


PRIVATE_NOTES = {
    # session -> viewers who may read its private notes
    "own": {"manager", "admin"},
    "led_by_admin": {"admin"},  # the rep's manager sees the session, not the admin's notes
    "former": {"other_manager", "admin"},
    # The stored coach has no rights left: only admins (the new manager did not write them).
    "former_scheduled": {"admin"},
    "other": {"other_manager", "admin"},
    "coachless": {"admin"},
}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_private_notes_are_for_the_session_s_coach_and_admins(org, sessions, viewer):
    user = getattr(org, viewer)
    for name, readers in PRIVATE_NOTES.items():
        assert can_see_private_notes(user, getattr(sessions, name)) is (viewer in readers), name


def test_a_rep_never_reads_private_notes_even_of_a_session_they_lead(org):
    session = session_with(org.rep, coach=org.rep)
    assert not can_see_private_notes(org.rep, session)


HOLD_AND_CHANGE = {
    # viewer -> (may hold, may move or cancel) the rep's own session; a rep asks instead
    "rep": (False, False),
    "manager": (True, True),
    "other_manager": (False, False),
    "admin": (True, True),
}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_who_holds_and_who_moves_a_session(org, sessions, viewer):
    user = getattr(org, viewer)
    may_hold, may_change = HOLD_AND_CHANGE[viewer]
    assert can_hold_session(user, sessions.own) is may_hold
    assert can_change_session(user, sessions.own) is may_change


@pytest.mark.parametrize("viewer", ["manager", "other_manager", "admin"])
def test_the_reporting_line_decides_not_the_stored_coach(org, sessions, viewer):
    """A session still naming the former manager as coach is the current manager's to hold
    and move, and the former manager's to do nothing with; nor may they touch the held one."""
    user = getattr(org, viewer)
    may_hold, may_change = HOLD_AND_CHANGE[viewer]
    assert can_hold_session(user, sessions.former_scheduled) is may_hold
    assert can_change_session(user, sessions.former_scheduled) is may_change
    assert can_change_session(user, sessions.former) is may_change


def test_sessions_without_coach_are_for_admins(org, sessions):
    assert list(selectors.sessions_without_coach(user=org.admin)) == [sessions.coachless]
    assert list(selectors.sessions_without_coach()) == [sessions.coachless]
    assert not selectors.sessions_without_coach(user=org.manager).exists()


def test_sessions_without_coach_lists_only_scheduled_ones(org, sessions):
    CoachingSession.objects.filter(pk=sessions.coachless.pk).update(status="cancelled")
    assert not selectors.sessions_without_coach(user=org.admin).exists()


# --- plans, commitments, observations ---------------------------------------------------------


VISIBLE_PEOPLE = {
    "rep": {"rep"},
    "manager": {"rep"},
    "other_manager": {"other_rep"},
    "admin": {"rep", "other_rep"},
}


@pytest.fixture
def coaching_rows(org):
    for rep in (org.rep, org.other_rep):
        plan_of(rep)
        held = session_with(rep, status="held", held_at=dt.datetime(2026, 3, 1, tzinfo=UTC))
        CommitmentFactory(session=held, rep=rep)
        ObservationFactory(session=held, rep=rep, observer=rep.manager)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_plans_commitments_and_observations_follow_the_matrix(org, coaching_rows, viewer):
    user = getattr(org, viewer)
    expected = VISIBLE_PEOPLE[viewer]
    plans = selectors.plans_visible_to(user=user)
    commitments = selectors.commitments_visible_to(user=user)
    observations = selectors.observations_visible_to(user=user)
    assert {p.rep.username for p in plans} == expected
    assert {c.rep.username for c in commitments} == expected
    assert {o.rep.username for o in observations} == expected
    for plan in plans:
        assert can_see_plan(user, plan)
    for commitment in commitments:
        assert can_see_commitment(user, commitment)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_plan_for_and_commitment_for_answer_404_outside_the_matrix(org, coaching_rows, viewer):
    user = getattr(org, viewer)
    for person in ("rep", "other_rep"):
        rep = getattr(org, person)
        plan = rep.coaching_plans.get()
        commitment = rep.commitments.get()
        if person in VISIBLE_PEOPLE[viewer]:
            assert selectors.plan_for(user=user, plan_id=plan.pk) == plan
            assert selectors.commitment_for(user=user, commitment_id=commitment.pk) == commitment
        else:
            with pytest.raises(Http404):
                selectors.plan_for(user=user, plan_id=plan.pk)
            with pytest.raises(Http404):
                selectors.commitment_for(user=user, commitment_id=commitment.pk)
            assert not can_see_plan(user, plan) and not can_see_commitment(user, commitment)


# --- the manager's week -------------------------------------------------------------------------


MONDAY = dt.date(2026, 3, 9)


def test_manager_week_lays_out_the_week_in_the_manager_s_zone(monkeypatch, org):
    freeze(monkeypatch, NOW)
    manager = ManagerFactory(timezone="America/New_York")
    rep = RepFactory(manager=manager)
    late_monday = session_with(rep, scheduled_for=at(NEW_YORK, 2026, 3, 9, 23, 30))  # Tue in UTC
    wednesday = session_with(rep, scheduled_for=at(NEW_YORK, 2026, 3, 11, 14))
    session_with(rep, scheduled_for=at(NEW_YORK, 2026, 3, 10, 9), status="cancelled")
    session_with(rep, scheduled_for=at(NEW_YORK, 2026, 3, 16, 9))  # next week
    session_with(org.other_rep, scheduled_for=at(NEW_YORK, 2026, 3, 11, 9))  # not theirs
    due = CommitmentFactory(
        session=late_monday, rep=rep, due_date=dt.date(2026, 3, 12), status="open"
    )
    CommitmentFactory(session=late_monday, rep=rep, due_date=dt.date(2026, 3, 20))

    week = selectors.manager_week(manager=manager, week_start=MONDAY)

    assert [day.date for day in week.days] == [MONDAY + dt.timedelta(days=n) for n in range(7)]
    assert week.days[0].sessions == [late_monday]
    assert week.days[2].sessions == [wednesday]
    assert week.sessions == [late_monday, wednesday]
    assert week.to_record == [late_monday]  # ended, not yet recorded
    assert week.commitments_due == [due]


def make_team_week(manager, count: int) -> None:
    skill = SkillFactory()
    module = build_module(skill=skill)
    for n in range(count):
        rep = RepFactory(manager=manager)
        session = session_with(
            rep,
            scheduled_for=dt.datetime(2026, 3, 9 + n % 5, 9 + n // 5, tzinfo=UTC),
            module=module,
            focus_skill=skill,
        )
        CommitmentFactory(session=session, rep=rep, due_date=dt.date(2026, 3, 12), skill=skill)


@pytest.mark.parametrize("count", [1, 12])
def test_manager_week_has_a_fixed_query_count(monkeypatch, django_assert_num_queries, count):
    freeze(monkeypatch, NOW)
    manager = ManagerFactory()
    make_team_week(manager, count)
    # Sessions, those to record, commitments due, requests to reschedule.
    with django_assert_num_queries(4):
        week = selectors.manager_week(manager=manager, week_start=MONDAY)
        for session in [*week.sessions, *week.to_record]:
            assert session.rep.username and session.coach.username
            assert session.module.course.title and session.focus_skill.name
            assert session.plan.pk
        for commitment in week.commitments_due:
            assert commitment.rep.username and commitment.skill.name
    assert len(week.sessions) == count


# --- the rep's overview -------------------------------------------------------------------------


def test_rep_coaching_overview_gathers_the_rep_s_coaching(monkeypatch, org):
    clock = freeze(monkeypatch, NOW)
    rep = org.rep
    past = session_with(
        rep,
        scheduled_for=NOW - dt.timedelta(days=7),
        status="held",
        held_at=NOW - dt.timedelta(days=7),
    )
    missed_before = CommitmentFactory(
        session=past, rep=rep, status="missed", resolved_at=NOW - dt.timedelta(days=8)
    )
    open_one = CommitmentFactory(session=past, rep=rep)
    missed_since = CommitmentFactory(
        session=past, rep=rep, status="missed", resolved_at=NOW - dt.timedelta(days=1)
    )
    ObservationFactory(session=past, rep=rep)
    cancelled = session_with(rep, scheduled_for=NOW - dt.timedelta(days=3), status="cancelled")
    running = session_with(rep, scheduled_for=NOW - dt.timedelta(minutes=10))
    later = session_with(rep, scheduled_for=NOW + dt.timedelta(days=1), agenda={"note": "prep"})
    session_with(org.other_rep)

    overview = selectors.rep_coaching_overview(rep=rep)

    assert overview.plan == past.plan
    assert overview.next_session == running  # started, not yet over
    assert overview.upcoming == [running, later]
    assert overview.open_commitments == [open_one]
    assert overview.missed_commitments == [missed_since]
    assert missed_before not in overview.missed_commitments
    assert overview.history == [cancelled, past]
    clock.advance(minutes=30)
    assert selectors.rep_coaching_overview(rep=rep).next_session == later


@pytest.mark.parametrize("count", [1, 8])
def test_rep_coaching_overview_has_a_fixed_query_count(
    monkeypatch, org, django_assert_num_queries, count
):
    freeze(monkeypatch, NOW)
    rep = org.rep
    plan_of(rep).focus_skills.add(SkillFactory(), SkillFactory())
    for n in range(count):
        past = session_with(
            rep,
            scheduled_for=NOW - dt.timedelta(days=n + 1),
            status="held",
            held_at=NOW - dt.timedelta(days=n + 1),
        )
        CommitmentFactory(session=past, rep=rep)
        CommitmentFactory(session=past, rep=rep, status="missed", resolved_at=NOW)
        ObservationFactory(session=past, rep=rep)
        session_with(rep, scheduled_for=NOW + dt.timedelta(days=n + 1))
    with django_assert_num_queries(9):  # 8, and the peer practice the rep leads
        overview = selectors.rep_coaching_overview(rep=rep)
        assert [s.name for s in overview.plan.focus_skills.all()]
        assert overview.plan.coach.username
        assert overview.next_session.agenda is not None and overview.next_session.coach.username
        for session in [*overview.upcoming, *overview.history]:
            assert session.rep.username and session.plan.pk
        for session in overview.history:
            for observation in session.observations.all():
                assert observation.skill.name
            for commitment in session.commitments.all():
                assert commitment.skill.name
        for commitment in [*overview.open_commitments, *overview.missed_commitments]:
            assert commitment.skill.name and commitment.session.pk
    assert len(overview.history) == count
