"""Writing reminder rows in bulk: a session's whole set in a fixed number of queries, idempotent
by dedupe key, pending rows following the new due time, delivered rows left alone."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coaching.models import Reminder
from coaching.reminders import schedule as reminders
from coaching.reminders.outbox import reminders_claim_due, reminders_deliver
from coaching.reminders.schedule import (
    reminder_schedule,
    reminders_write,
    session_reminders_schedule,
)
from tests.coaching.factories import UTC, freeze, session_with
from tests.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

MONDAY_9 = dt.datetime(2026, 3, 9, 9, tzinfo=UTC)
Status = Reminder.Status


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch, MONDAY_9)


@pytest.fixture
def kicks(monkeypatch) -> list[bool]:
    woken: list[bool] = []
    monkeypatch.setattr(reminders, "_kick_dispatcher", lambda: woken.append(True))
    return woken


@pytest.fixture
def session(clock):
    rep = RepFactory(manager=ManagerFactory())
    # Two days ahead: the 24 h and 1 h reminders are still to come.
    return session_with(rep, scheduled_for=MONDAY_9 + dt.timedelta(days=2))


def stored(**filters) -> dict[str, tuple[str, dt.datetime]]:
    return {
        r.dedupe_key: (r.status, r.due_at) for r in Reminder.objects.filter(**filters).order_by()
    }


def test_a_sessions_reminder_set_is_written_with_one_select_and_one_insert(session, kicks):
    with CaptureQueriesContext(connection) as queries:
        session_reminders_schedule(session=session)
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert statements == ["SELECT", "INSERT"]
    # Booked notice, 24 h and 1 h before, to coach and rep, on both channels; the coach's
    # hold-overdue nudge on both channels.
    assert Reminder.objects.filter(session=session).count() == 14
    kinds = Reminder.objects.filter(session=session, recipient=session.rep).values_list(
        "kind", flat=True
    )
    assert set(kinds) == {
        Reminder.Kind.SESSION_BOOKED,
        Reminder.Kind.SESSION_24H,
        Reminder.Kind.SESSION_1H,
    }


def test_writing_a_sessions_reminders_again_writes_nothing_new(session, kicks):
    session_reminders_schedule(session=session)
    before = stored(session=session)
    ids = set(Reminder.objects.values_list("pk", flat=True))

    with CaptureQueriesContext(connection) as queries:
        session_reminders_schedule(session=session)

    assert not any(q["sql"].startswith("INSERT") for q in queries.captured_queries)
    assert set(Reminder.objects.values_list("pk", flat=True)) == ids
    assert stored(session=session) == before


def test_a_pending_reminder_takes_the_new_due_time(clock, kicks):
    rep = RepFactory()
    first = MONDAY_9 + dt.timedelta(days=3)
    later = first + dt.timedelta(hours=5)
    reminder_schedule(recipient=rep, kind=Reminder.Kind.WEEKLY_DIGEST, due_at=first, key="d:1")

    rows = reminder_schedule(
        recipient=rep, kind=Reminder.Kind.WEEKLY_DIGEST, due_at=later, key="d:1"
    )

    assert [(r.channel, r.status, r.due_at) for r in rows] == [
        (Reminder.Channel.IN_APP, Status.PENDING, later),
        (Reminder.Channel.EMAIL, Status.PENDING, later),
    ]
    assert Reminder.objects.count() == 2
    assert set(Reminder.objects.values_list("due_at", flat=True)) == {later}
    assert kicks == []  # nothing due yet


def test_a_sent_reminder_stays_sent_while_a_pending_one_moves(clock, kicks):
    rep = RepFactory()
    first = MONDAY_9 + dt.timedelta(days=3)
    later = first + dt.timedelta(hours=5)
    in_app, email = reminder_schedule(
        recipient=rep, kind=Reminder.Kind.WEEKLY_DIGEST, due_at=first, key="d:2"
    )
    Reminder.objects.filter(pk=in_app.pk).update(status=Status.SENT, sent_at=MONDAY_9)

    reminder_schedule(recipient=rep, kind=Reminder.Kind.WEEKLY_DIGEST, due_at=later, key="d:2")

    in_app.refresh_from_db()
    email.refresh_from_db()
    assert (in_app.status, in_app.due_at) == (Status.SENT, first)
    assert (email.status, email.due_at) == (Status.PENDING, later)
    assert Reminder.objects.count() == 2


def test_rows_of_different_due_times_move_and_new_ones_join_in_one_write(clock, kicks):
    rep, manager = RepFactory(), ManagerFactory()
    soon, later = MONDAY_9 + dt.timedelta(hours=2), MONDAY_9 + dt.timedelta(days=2)
    reminder_schedule(recipient=rep, kind=Reminder.Kind.WEEKLY_DIGEST, due_at=soon, key="a")
    reminder_schedule(recipient=rep, kind=Reminder.Kind.WEEKLY_DIGEST, due_at=soon, key="b")
    rows = [
        row
        for recipient, due_at, key in ((rep, later, "a"), (rep, soon, "b"), (manager, later, "c"))
        for row in reminders._per_channel(
            Reminder(recipient=recipient, kind=Reminder.Kind.WEEKLY_DIGEST, due_at=due_at), key=key
        )
    ]

    reminders_write(rows=rows)

    assert {key.split(":")[0]: due for key, (_, due) in stored().items()} == {
        "a": later,
        "b": soon,
        "c": later,
    }
    assert Reminder.objects.count() == 6
    assert Reminder.objects.filter(recipient=manager, status=Status.PENDING).count() == 2


def test_a_due_write_wakes_the_dispatcher_once_per_transaction(
    session, kicks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        session_reminders_schedule(session=session)
        reminder_schedule(
            recipient=session.rep, kind=Reminder.Kind.WEEKLY_DIGEST, due_at=MONDAY_9, key="now"
        )
    assert len(callbacks) == 1 and kicks == [True]


def test_writing_nothing_queries_nothing(kicks):
    with CaptureQueriesContext(connection) as queries:
        reminders_write(rows=[])
    assert len(queries) == 0 and kicks == []


def test_the_before_start_offsets_are_one_rule_for_writing_and_for_delivery(
    session, kicks, monkeypatch
):
    """The due time delivery checks a before-start reminder against is the one it was written
    with: with the 24 h offset changed in its one place, the reminder is still sent."""
    assert {
        Reminder.Kind.SESSION_24H: dt.timedelta(hours=24),
        Reminder.Kind.SESSION_1H: dt.timedelta(hours=1),
    } == reminders.SESSION_BEFORE_START
    offset = dt.timedelta(hours=30)
    monkeypatch.setitem(reminders.SESSION_BEFORE_START, Reminder.Kind.SESSION_24H, offset)
    session_reminders_schedule(session=session)
    early = Reminder.objects.filter(session=session, kind=Reminder.Kind.SESSION_24H)
    due_at = session.scheduled_for - offset
    assert {reminder.due_at for reminder in early} == {due_at}

    outcomes = reminders_deliver(reminder_ids=reminders_claim_due(now=due_at), now=due_at)

    assert {outcomes[reminder.pk] for reminder in early} == {Status.SENT}
