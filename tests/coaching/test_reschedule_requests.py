"""A rep asks to reschedule instead of moving or cancelling; the coach moves it or keeps the
time; cancelling needs a reason; nobody is told of what they just did themselves."""

import datetime as dt

import pytest

from coaching.models import CoachingSession, Reminder, RescheduleRequest
from coaching.reminders.messages import reminder_message
from coaching.sessions.reschedule_requests import reschedule_request_create, reschedule_request_keep
from coaching.sessions.services import session_book_manual, session_cancel, session_reschedule
from config.errors import Conflict, DomainError
from tests.coaching.factories import UTC, complete_module, freeze, session_with
from tests.factories import AdminFactory, ManagerFactory, RepFactory, build_module

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 10, tzinfo=UTC)  # Tuesday; London is on GMT
THURSDAY_10 = dt.datetime(2026, 3, 12, 10, tzinfo=UTC)
FRIDAY_14 = dt.datetime(2026, 3, 13, 14, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch, NOW)


@pytest.fixture
def manager():
    return ManagerFactory(username="maria", first_name="Maria", last_name="Lopez")


@pytest.fixture
def rep(manager):
    return RepFactory(username="john", first_name="John", last_name="Park", manager=manager)


@pytest.fixture
def session(clock, manager, rep):
    return session_book_manual(coach=manager, rep=rep, scheduled_for=THURSDAY_10)


def told(kind: str) -> set[str]:
    """Who a notice of ``kind`` goes to (usernames), each on both channels."""
    rows = Reminder.objects.filter(kind=kind).select_related("recipient")
    by_person: dict[str, set[str]] = {}
    for row in rows:
        by_person.setdefault(row.recipient.username, set()).add(row.channel)
    assert all(channels == {"in_app", "email"} for channels in by_person.values()), by_person
    return set(by_person)


# --- asking -------------------------------------------------------------------------------------


def test_a_rep_asks_with_a_reason_and_only_the_coach_is_told(session, rep):
    request = reschedule_request_create(rep=rep, session=session, reason="  Customer visit  ")
    assert (request.status, request.reason, request.requested_by) == ("open", "Customer visit", rep)
    assert told("reschedule_requested") == {"maria"}
    notice = Reminder.objects.filter(kind="reschedule_requested", channel="email").get()
    assert notice.due_at == NOW and notice.payload["reason"] == "Customer visit"
    message = reminder_message(notice)
    assert message.title == "John Park asks to reschedule Thu 12 Mar 2026, 10:00 GMT"
    assert "Reason given: Customer visit" in message.body
    assert message.url == f"/coaching/sessions/{session.pk}/"
    # The session itself is untouched: the coach decides.
    session.refresh_from_db()
    assert session.scheduled_for == THURSDAY_10 and session.status == "scheduled"


def test_asking_needs_a_reason(session, rep):
    with pytest.raises(DomainError, match="Say why"):
        reschedule_request_create(rep=rep, session=session, reason="   ")
    assert not RescheduleRequest.objects.exists()
    assert not Reminder.objects.filter(kind="reschedule_requested").exists()


@pytest.mark.parametrize("who", ["manager", "admin", "other_rep"])
def test_only_the_rep_asks(session, manager, who):
    actor = {"manager": manager, "admin": AdminFactory(), "other_rep": RepFactory()}[who]
    with pytest.raises(DomainError, match="Only the rep"):
        reschedule_request_create(rep=actor, session=session, reason="Busy")
    assert not RescheduleRequest.objects.exists()


def test_asking_twice_while_waiting_is_a_conflict(session, rep):
    reschedule_request_create(rep=rep, session=session, reason="Customer visit")
    with pytest.raises(Conflict, match="already"):
        reschedule_request_create(rep=rep, session=session, reason="Still busy")
    assert RescheduleRequest.objects.count() == 1


@pytest.mark.parametrize("status", ["held", "missed", "cancelled"])
def test_only_a_scheduled_session_can_be_asked_about(session, rep, status):
    CoachingSession.objects.filter(pk=session.pk).update(status=status)
    with pytest.raises(Conflict):
        reschedule_request_create(rep=rep, session=session, reason="Busy")


def test_a_session_under_way_cannot_be_asked_about(session, rep, clock):
    clock.set(THURSDAY_10 + dt.timedelta(minutes=5))
    with pytest.raises(DomainError, match="started"):
        reschedule_request_create(rep=rep, session=session, reason="Busy")


def test_a_session_without_a_coach_is_moved_by_the_rep_not_asked_about(clock):
    rep = RepFactory(manager=None)
    session = session_with(rep, coach=None, scheduled_for=THURSDAY_10)
    with pytest.raises(DomainError, match="no coach"):
        reschedule_request_create(rep=rep, session=session, reason="Busy")
    assert session_reschedule(actor=rep, session=session, scheduled_for=FRIDAY_14)


# --- the rep does not move or cancel on their own --------------------------------------------


def test_a_rep_cannot_cancel_a_session_their_coach_booked(session, rep):
    with pytest.raises(DomainError, match="ask your coach"):
        session_cancel(actor=rep, session=session, reason="Busy")
    session.refresh_from_db()
    assert session.status == "scheduled"
    assert not Reminder.objects.filter(kind="session_cancelled").exists()


# --- the coach answers --------------------------------------------------------------------------


def test_keeping_the_time_answers_the_request_and_tells_only_the_rep(session, manager, rep):
    reschedule_request_create(rep=rep, session=session, reason="Customer visit")
    request = reschedule_request_keep(
        actor=manager, session=session, answer=" It is the only slot "
    )
    assert (request.status, request.answer, request.resolved_by) == (
        "kept",
        "It is the only slot",
        manager,
    )
    assert request.resolved_at == NOW
    assert told("reschedule_kept") == {"john"}
    message = reminder_message(Reminder.objects.filter(kind="reschedule_kept").first())
    assert message.title == "Coaching session stays at Thu 12 Mar 2026, 10:00 GMT"
    assert "Your coach says: It is the only slot" in message.body
    session.refresh_from_db()
    assert session.scheduled_for == THURSDAY_10
    # Answered: the rep may ask again.
    assert reschedule_request_create(rep=rep, session=session, reason="Really cannot").is_open


def test_moving_the_session_answers_the_request_and_tells_only_the_rep(session, manager, rep):
    reschedule_request_create(rep=rep, session=session, reason="Customer visit")
    session_reschedule(actor=manager, session=session, scheduled_for=FRIDAY_14)
    request = RescheduleRequest.objects.get()
    assert (request.status, request.resolved_by) == ("moved", manager)
    assert told("session_rescheduled") == {"john"}
    assert not Reminder.objects.filter(kind="reschedule_kept").exists()
    notice = Reminder.objects.filter(kind="session_rescheduled").first()
    assert notice.payload["answers_request"] is True
    assert "This answers the request to reschedule it." in reminder_message(notice).body


def test_an_admin_keeping_the_time_tells_rep_and_coach(session, rep):
    reschedule_request_create(rep=rep, session=session, reason="Customer visit")
    reschedule_request_keep(actor=AdminFactory(), session=session)
    assert told("reschedule_kept") == {"john", "maria"}


def test_keeping_the_time_with_nothing_asked_is_a_conflict(session, manager):
    with pytest.raises(Conflict, match="no request"):
        reschedule_request_keep(actor=manager, session=session)


@pytest.mark.parametrize("who", ["rep", "other_manager"])
def test_only_the_coach_or_an_admin_keeps_the_time(session, rep, who):
    reschedule_request_create(rep=rep, session=session, reason="Customer visit")
    actor = rep if who == "rep" else ManagerFactory()
    with pytest.raises(DomainError, match="Only the coach"):
        reschedule_request_keep(actor=actor, session=session)
    assert RescheduleRequest.objects.get().is_open


# --- cancelling ---------------------------------------------------------------------------------


def test_cancelling_needs_a_reason(session, manager):
    with pytest.raises(DomainError, match="Give a reason"):
        session_cancel(actor=manager, session=session, reason="  ")
    session.refresh_from_db()
    assert session.status == "scheduled"


def test_cancelling_stores_the_reason_closes_the_request_and_tells_only_the_rep(
    session, manager, rep
):
    reschedule_request_create(rep=rep, session=session, reason="Customer visit")
    session_cancel(actor=manager, session=session, reason=" Offsite day ")
    session.refresh_from_db()
    assert (session.status, session.cancel_reason, session.cancelled_by) == (
        "cancelled",
        "Offsite day",
        manager,
    )
    assert RescheduleRequest.objects.get().status == "closed"
    assert told("session_cancelled") == {"john"}
    body = reminder_message(Reminder.objects.filter(kind="session_cancelled").first()).body
    assert "Reason given: Offsite day" in body


def test_an_admin_cancelling_tells_rep_and_coach(session):
    session_cancel(actor=AdminFactory(), session=session, reason="Office closed")
    assert told("session_cancelled") == {"john", "maria"}


# --- nobody is told of what they did themselves -------------------------------------------------


def test_a_coach_booking_by_hand_is_not_told_of_their_own_booking(session):
    assert told("session_booked") == {"john"}
    # Reminders before the session are not news of one's own act: both get them.
    assert {r.recipient.username for r in Reminder.objects.filter(kind="session_24h")} == {
        "maria",
        "john",
    }


def test_an_admin_booking_for_a_rep_is_not_told_either(clock, rep):
    session_book_manual(coach=AdminFactory(username="ada"), rep=rep, scheduled_for=THURSDAY_10)
    assert told("session_booked") == {"john"}


def test_a_follow_up_the_product_books_tells_both(clock, manager, rep):
    complete_module(rep, build_module())
    assert told("session_booked") == {"maria", "john"}


def test_a_coach_moving_a_session_is_not_told_of_their_own_move(session):
    session_reschedule(actor=session.coach, session=session, scheduled_for=FRIDAY_14)
    assert told("session_rescheduled") == {"john"}
