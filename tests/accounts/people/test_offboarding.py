"""Deactivation ends a person's access and hands their open work on; reactivation restores
sign-in only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken, AuditEvent, User
from accounts.offboarding import user_deactivate, user_reactivate
from accounts.tokens import token_issue
from coaching.models import CoachingPlan, CoachingSession, Reminder
from coaching.reminders.schedule import session_reminders_schedule
from config.errors import Conflict, DomainError
from tests.coaching.factories import ObservationFactory, plan_of, session_with
from tests.factories import PASSWORD, AdminFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db


def signs_in(username: str, password: str) -> bool:
    """Through the sign-in page, as a person would (the lockout backend wants a request)."""
    response = Client().post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


@pytest.fixture
def team():
    """A manager with two reps; one rep has a plan, a session ahead (with its reminders) and a
    held one; the admin who deactivates."""
    boss = ManagerFactory(username="boss", timezone="UTC")
    rep = RepFactory(username="jo", manager=boss, timezone="UTC")
    other = RepFactory(username="kim", manager=boss, timezone="UTC")
    admin = AdminFactory(username="ada")
    plan_of(rep)
    ahead = session_with(rep, scheduled_for=timezone.now() + dt.timedelta(days=2))
    session_reminders_schedule(session=ahead)
    held = session_with(
        rep,
        status=CoachingSession.Status.HELD,
        scheduled_for=timezone.now() - dt.timedelta(days=3),
        held_at=timezone.now() - dt.timedelta(days=3),
    )
    ObservationFactory(session=held, rep=rep, observer=boss)
    other_ahead = session_with(other, scheduled_for=timezone.now() + dt.timedelta(days=3))
    return {
        "boss": boss,
        "rep": rep,
        "other": other,
        "admin": admin,
        "ahead": ahead,
        "held": held,
        "other_ahead": other_ahead,
    }


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def test_a_deactivated_rep_cannot_sign_in(team):
    user_deactivate(user=team["rep"], actor=team["admin"])
    assert not signs_in("jo", PASSWORD)
    assert not fresh(team["rep"]).is_active


def test_their_api_tokens_are_revoked(team):
    token_issue(user=team["rep"])
    user_deactivate(user=team["rep"], actor=team["admin"])
    assert not ApiToken.objects.filter(user=team["rep"]).exists()


def test_their_open_plan_is_archived_and_history_kept(team):
    user_deactivate(user=team["rep"], actor=team["admin"])
    assert not CoachingPlan.objects.active().filter(rep=team["rep"]).exists()
    assert CoachingPlan.objects.filter(rep=team["rep"]).exists()
    held = fresh(team["held"])
    assert held.status == CoachingSession.Status.HELD
    assert held.observations.count() == 1


def test_their_scheduled_sessions_are_cancelled_and_the_coach_is_told(team):
    user_deactivate(user=team["rep"], actor=team["admin"])
    session = fresh(team["ahead"])
    assert session.status == CoachingSession.Status.CANCELLED
    assert "deactivated" in session.cancel_reason
    notice = Reminder.objects.filter(
        session=session, recipient=team["boss"], kind=Reminder.Kind.SESSION_CANCELLED
    )
    assert notice.filter(status=Reminder.Status.PENDING).exists()


def test_their_pending_reminders_are_cancelled(team):
    user_deactivate(user=team["rep"], actor=team["admin"])
    pending = Reminder.objects.filter(recipient=team["rep"], status=Reminder.Status.PENDING)
    assert not pending.exists()
    # The session's own reminders to the coach are cancelled with it.
    assert not Reminder.objects.filter(
        session=team["ahead"], kind=Reminder.Kind.SESSION_24H, status=Reminder.Status.PENDING
    ).exists()


def test_a_deactivated_manager_s_reports_have_no_manager_and_their_sessions_end(team):
    user_deactivate(user=team["boss"], actor=team["admin"])
    for rep in (team["rep"], team["other"]):
        assert fresh(rep).manager is None
        assert AuditEvent.objects.filter(
            action=AuditEvent.Action.MANAGER_CHANGED, subject=rep, detail="boss → nobody"
        ).exists()
    # Sessions the manager coached are cancelled, and the rep hears of it.
    other_session = fresh(team["other_ahead"])
    assert other_session.status == CoachingSession.Status.CANCELLED
    assert Reminder.objects.filter(
        session=other_session,
        recipient=team["other"],
        kind=Reminder.Kind.SESSION_CANCELLED,
        status=Reminder.Status.PENDING,
    ).exists()
    # The reps' plans stay open, with no coach, for whoever takes them on.
    assert CoachingPlan.objects.active().get(rep=team["rep"]).coach is None


def test_deactivation_is_in_the_audit_trail_with_who_did_it(team, rf):
    user_deactivate(user=team["rep"], actor=team["admin"])
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DEACTIVATED, subject=team["rep"]
    ).exists()


def test_reactivating_restores_sign_in_only(team):
    user_deactivate(user=team["boss"], actor=team["admin"])
    user_reactivate(user=team["boss"], actor=team["admin"])
    assert signs_in("boss", PASSWORD)
    assert fresh(team["rep"]).manager is None  # reports stay where they went
    assert fresh(team["other_ahead"]).status == CoachingSession.Status.CANCELLED
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.REACTIVATED, subject=team["boss"]
    ).exists()


def test_only_another_admin_deactivates(team):
    with pytest.raises(DomainError):
        user_deactivate(user=team["rep"], actor=team["boss"])
    with pytest.raises(DomainError, match="yourself"):
        user_deactivate(user=team["admin"], actor=team["admin"])
    assert fresh(team["rep"]).is_active


def test_deactivating_twice_is_a_conflict(team):
    user_deactivate(user=team["rep"], actor=team["admin"])
    with pytest.raises(Conflict):
        user_deactivate(user=team["rep"], actor=team["admin"])
    with pytest.raises(Conflict):
        user_reactivate(user=User.objects.get(username="kim"), actor=team["admin"])


def test_reminders_about_their_commitments_are_cancelled(team):
    from coaching.reminders.schedule import reminder_schedule
    from tests.coaching.factories import CommitmentFactory

    commitment = CommitmentFactory(session=team["held"], rep=team["rep"])
    reminder_schedule(
        recipient=team["boss"],
        kind=Reminder.Kind.COMMITMENT_MISSED,
        due_at=timezone.now() + dt.timedelta(days=1),
        key=f"commitment:{commitment.pk}:missed",
        commitment=commitment,
    )
    user_deactivate(user=team["rep"], actor=team["admin"])
    assert not Reminder.objects.filter(
        commitment=commitment, status=Reminder.Status.PENDING
    ).exists()
