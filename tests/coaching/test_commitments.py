"""Commitments: kept by the rep, missed when overdue (and shown at the next session), reviewed."""

import datetime as dt

import pytest

from coaching.models import CoachingSession, Commitment, Reminder
from coaching.sessions.commitments import (
    commitment_mark_kept,
    commitment_review,
    commitments_mark_missed,
)
from coaching.sessions.records import session_hold
from coaching.sessions.services import session_book_manual
from config.errors import Conflict, DomainError
from tests.coaching.factories import UTC, complete_module, freeze, session_started
from tests.factories import AdminFactory, ManagerFactory, RepFactory, build_module

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 10, tzinfo=UTC)  # Tuesday
TODAY = NOW.date()


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch, NOW)


@pytest.fixture
def manager():
    return ManagerFactory(username="maria")


@pytest.fixture
def rep(manager):
    return RepFactory(username="john", manager=manager)


def held_with_commitments(manager, rep, *dues: dt.date, at: dt.datetime | None = None):
    """A session held now with one commitment per due date, through the services."""
    session = session_book_manual(
        coach=manager, rep=rep, scheduled_for=at or NOW + dt.timedelta(hours=3)
    )
    session_started(session)
    session_hold(
        actor=manager,
        session=session,
        notes="Agreed what to try this week.",
        commitments=[
            {"text": f"Commitment {n}", "skill": None, "due_date": due}
            for n, due in enumerate(dues, start=1)
        ],
    )
    return session, list(session.commitments.order_by("pk"))


# --- kept -------------------------------------------------------------------------------------


def test_the_rep_marks_a_commitment_kept(clock, manager, rep):
    _, (commitment,) = held_with_commitments(manager, rep, TODAY + dt.timedelta(days=5))
    commitment_mark_kept(rep=rep, commitment=commitment, note=" Booked two demos ")
    commitment.refresh_from_db()
    assert commitment.status == "kept" and commitment.note == "Booked two demos"
    assert commitment.resolved_at == NOW
    # Its due reminder would be noise now.
    assert set(commitment.reminders.values_list("status", flat=True)) == {"cancelled"}


@pytest.mark.parametrize("who", ["manager", "admin", "other_rep"])
def test_only_the_rep_marks_their_commitment_kept(clock, manager, rep, who):
    _, (commitment,) = held_with_commitments(manager, rep, TODAY + dt.timedelta(days=5))
    actor = {"manager": manager, "admin": AdminFactory(), "other_rep": RepFactory()}[who]
    with pytest.raises(DomainError, match="Only the rep"):
        commitment_mark_kept(rep=actor, commitment=commitment, note="")
    commitment.refresh_from_db()
    assert commitment.status == "open"


def test_a_commitment_is_kept_once(clock, manager, rep):
    _, (commitment,) = held_with_commitments(manager, rep, TODAY + dt.timedelta(days=5))
    commitment_mark_kept(rep=rep, commitment=commitment, note="")
    with pytest.raises(Conflict, match="kept already"):
        commitment_mark_kept(rep=rep, commitment=commitment, note="")


def test_a_missed_commitment_cannot_be_ticked_off(clock, manager, rep):
    _, (commitment,) = held_with_commitments(manager, rep, TODAY)
    commitments_mark_missed(today=TODAY + dt.timedelta(days=1))
    with pytest.raises(Conflict, match="missed already"):
        commitment_mark_kept(rep=rep, commitment=commitment, note="")


# --- missed -----------------------------------------------------------------------------------


def test_open_commitments_past_due_are_missed_and_both_are_told(clock, manager, rep):
    _, (overdue, due_today, _later) = held_with_commitments(
        manager, rep, TODAY, TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=5)
    )
    clock.set(NOW + dt.timedelta(days=1))
    assert commitments_mark_missed(today=TODAY + dt.timedelta(days=1)) == 1

    overdue.refresh_from_db()
    due_today.refresh_from_db()
    assert overdue.status == "missed" and overdue.resolved_at == clock.now
    assert due_today.status == "open"
    missed = Reminder.objects.filter(kind="commitment_missed")
    assert {(r.recipient, r.channel) for r in missed} == {
        (rep, "in_app"),
        (rep, "email"),
        (manager, "in_app"),
        (manager, "email"),
    }
    assert {r.commitment for r in missed} == {overdue}
    assert {r.due_at for r in missed} == {clock.now}


def test_marking_missed_is_idempotent(clock, manager, rep):
    held_with_commitments(manager, rep, TODAY)
    tomorrow = TODAY + dt.timedelta(days=1)
    assert commitments_mark_missed(today=tomorrow) == 1
    count = Reminder.objects.count()
    assert commitments_mark_missed(today=tomorrow) == 0
    assert Reminder.objects.count() == count


def test_kept_commitments_are_never_missed(clock, manager, rep):
    _, (commitment,) = held_with_commitments(manager, rep, TODAY)
    commitment_mark_kept(rep=rep, commitment=commitment, note="")
    assert commitments_mark_missed(today=TODAY + dt.timedelta(days=30)) == 0


def test_a_missed_commitment_shows_on_the_next_session_s_agenda(clock, manager, rep):
    _, (commitment,) = held_with_commitments(manager, rep, TODAY)
    following = session_book_manual(
        coach=manager, rep=rep, scheduled_for=NOW + dt.timedelta(days=2)
    )
    assert [c["status"] for c in following.agenda["commitments"]] == ["open"]

    clock.set(NOW + dt.timedelta(days=1))
    commitments_mark_missed(today=TODAY + dt.timedelta(days=1))

    following.refresh_from_db()
    assert [(c["id"], c["status"]) for c in following.agenda["commitments"]] == [
        (commitment.pk, "missed")
    ]


def test_a_follow_up_booked_after_the_miss_lists_it_and_the_one_after_does_not(clock, manager, rep):
    _, (commitment,) = held_with_commitments(manager, rep, TODAY)
    clock.set(NOW + dt.timedelta(days=1))
    commitments_mark_missed(today=TODAY + dt.timedelta(days=1))

    complete_module(rep, build_module())
    follow_up = CoachingSession.objects.get(source="after_training")
    assert [(c["id"], c["status"]) for c in follow_up.agenda["commitments"]] == [
        (commitment.pk, "missed")
    ]

    # Discussed there: once that session is held, the next agenda no longer carries it.
    clock.set(follow_up.scheduled_for + dt.timedelta(minutes=30))
    session_hold(actor=manager, session=follow_up, notes="Talked the missed one through")
    next_one = session_book_manual(
        coach=manager, rep=rep, scheduled_for=clock.now + dt.timedelta(days=1)
    )
    assert next_one.agenda["commitments"] == []


def test_keeping_a_commitment_takes_it_off_the_upcoming_agenda(clock, manager, rep):
    _, (commitment,) = held_with_commitments(manager, rep, TODAY + dt.timedelta(days=3))
    following = session_book_manual(
        coach=manager, rep=rep, scheduled_for=NOW + dt.timedelta(days=2)
    )
    commitment_mark_kept(rep=rep, commitment=commitment, note="")
    following.refresh_from_db()
    assert following.agenda["commitments"] == []


def test_a_commitment_without_a_coach_tells_the_rep_only(clock):
    rep = RepFactory(manager=None)
    commitment = Commitment.objects.create(rep=rep, text="Read the playbook", due_date=TODAY)
    assert commitments_mark_missed(today=TODAY + dt.timedelta(days=1)) == 1
    assert {r.recipient for r in Reminder.objects.filter(commitment=commitment)} == {rep}


# --- review -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["kept", "missed", "open"])
def test_the_coach_reviews_a_commitment(clock, manager, rep, status):
    _, (commitment,) = held_with_commitments(manager, rep, TODAY + dt.timedelta(days=3))
    commitment_review(actor=manager, commitment=commitment, status=status)
    commitment.refresh_from_db()
    assert commitment.status == status
    assert (commitment.resolved_at is None) is (status == "open")


def test_reopening_a_missed_commitment_clears_its_resolution(clock, manager, rep):
    _, (commitment,) = held_with_commitments(manager, rep, TODAY)
    commitments_mark_missed(today=TODAY + dt.timedelta(days=1))
    commitment_review(actor=manager, commitment=commitment, status="open")
    commitment.refresh_from_db()
    assert commitment.status == "open" and commitment.resolved_at is None


def test_an_admin_reviews_too(clock, manager, rep):
    _, (commitment,) = held_with_commitments(manager, rep, TODAY + dt.timedelta(days=3))
    commitment_review(actor=AdminFactory(), commitment=commitment, status="kept")
    commitment.refresh_from_db()
    assert commitment.status == "kept"


@pytest.mark.parametrize("who", ["rep", "other_manager"])
def test_the_rep_and_other_managers_cannot_review(clock, manager, rep, who):
    _, (commitment,) = held_with_commitments(manager, rep, TODAY + dt.timedelta(days=3))
    actor = rep if who == "rep" else ManagerFactory()
    with pytest.raises(DomainError, match="coach or an admin"):
        commitment_review(actor=actor, commitment=commitment, status="kept")


def test_an_unknown_status_is_refused(clock, manager, rep):
    _, (commitment,) = held_with_commitments(manager, rep, TODAY + dt.timedelta(days=3))
    with pytest.raises(DomainError, match="not a commitment status"):
        commitment_review(actor=manager, commitment=commitment, status="forgotten")
