"""The reminder outbox: claiming with leases, idempotent sends, bounded retries, concurrency."""

from __future__ import annotations

import datetime as dt
import smtplib
import threading

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection, connections
from django.utils import timezone

from coaching import tasks
from coaching.models import CoachingSession, Notification, Reminder
from coaching.services.outbox import (
    ReminderDeliveryFailed,
    reminder_deliver,
    reminders_claim_due,
)
from coaching.services.reminders import reminders_cancel
from config.celery_app import app as celery_app
from tests.coaching.outbox_support import remind, session_between
from tests.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

IN_APP, EMAIL = Reminder.Channel.IN_APP, Reminder.Channel.EMAIL
Status = Reminder.Status


@pytest.fixture
def eager_tasks():
    """Tasks run in this process when enqueued: the send path without a broker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def rep(db):
    return RepFactory(manager=ManagerFactory())


def test_claiming_queues_due_rows_with_a_lease_and_leaves_the_rest(rep, settings):
    now = timezone.now()
    due = remind(rep, due_at=now - dt.timedelta(minutes=1), key="due")
    future = remind(rep, due_at=now + dt.timedelta(hours=1), key="future")
    cancelled = remind(rep, due_at=now - dt.timedelta(hours=1), key="cancelled")
    reminders_cancel(reminders=Reminder.objects.filter(pk__in=[r.pk for r in cancelled]))
    sent = remind(rep, due_at=now - dt.timedelta(hours=2), key="sent")
    Reminder.objects.filter(pk__in=[r.pk for r in sent]).update(status=Status.SENT, sent_at=now)

    claimed = reminders_claim_due(now=now)

    assert sorted(claimed) == sorted(r.pk for r in due)
    lease = now + dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    for reminder in Reminder.objects.filter(pk__in=claimed):
        assert reminder.status == Status.QUEUED
        assert reminder.lease_expires_at == lease
    still_pending = Reminder.objects.filter(pk__in=[r.pk for r in future], status=Status.PENDING)
    assert still_pending.count() == len(future)
    assert reminders_claim_due(now=now) == []


def test_a_row_whose_lease_ran_out_is_claimed_again(rep, settings):
    now = timezone.now()
    [reminder] = remind(rep, due_at=now, channels=(IN_APP,))
    assert reminders_claim_due(now=now) == [reminder.pk]

    lease = dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    assert reminders_claim_due(now=now + lease - dt.timedelta(seconds=1)) == []
    later = now + lease
    assert reminders_claim_due(now=later) == [reminder.pk]
    reminder.refresh_from_db()
    assert reminder.status == Status.QUEUED
    assert reminder.lease_expires_at == later + lease


def test_claims_respect_the_batch_size_and_go_in_due_order(rep):
    now = timezone.now()
    rows = [
        remind(rep, due_at=now - dt.timedelta(minutes=m), key=f"k{m}", channels=(IN_APP,))[0]
        for m in range(5)
    ]
    first = reminders_claim_due(now=now, batch_size=2)
    assert first == [rows[4].pk, rows[3].pk]
    assert len(reminders_claim_due(now=now, batch_size=10)) == 3


def test_the_dispatcher_and_send_task_deliver_each_channel_once_however_often_they_run(
    rep, eager_tasks, django_capture_on_commit_callbacks
):
    session = session_between(
        rep=rep, coach=rep.manager, scheduled_for=timezone.now() + dt.timedelta(days=1)
    )
    in_app, email = remind(rep, session=session)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.dispatch_due_reminders.apply().get() == 2
    # A redelivered message, a duplicate from a re-claim, a second dispatcher: all no-ops.
    for reminder in (in_app, email, in_app, email):
        assert tasks.send_reminder.apply(args=[reminder.pk]).get() == Status.SENT
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.dispatch_due_reminders.apply().get() == 0

    assert Notification.objects.filter(recipient=rep).count() == 1
    assert len(mail.outbox) == 1
    for reminder in (in_app, email):
        reminder.refresh_from_db()
        assert reminder.status == Status.SENT
        assert reminder.sent_at is not None
        assert reminder.attempts == 1
        assert reminder.lease_expires_at is None


def test_the_dispatcher_claims_batch_after_batch_until_nothing_is_due(
    rep, eager_tasks, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(tasks, "DISPATCH_BATCH_SIZE", 2)
    for n in range(5):
        remind(rep, key=f"batch{n}", channels=(IN_APP,), kind=Reminder.Kind.WEEKLY_DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.dispatch_due_reminders.apply().get() == 5
    assert Notification.objects.filter(recipient=rep).count() == 5


def test_the_send_task_is_enqueued_only_after_the_claim_commits(
    rep, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued = []
    monkeypatch.setattr(tasks.send_reminder, "delay", lambda pk: enqueued.append(pk))
    [reminder] = remind(rep, channels=(IN_APP,))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.dispatch_due_reminders()
        assert enqueued == []
    for callback in callbacks:
        callback()
    assert enqueued == [reminder.pk]


def test_a_failing_channel_is_retried_then_marked_failed_with_the_error(
    rep, settings, eager_tasks, monkeypatch
):
    settings.REMINDER_MAX_ATTEMPTS = 3
    calls = []

    def refuse(self, fail_silently=False):
        calls.append(self.to)
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    [reminder] = remind(rep, channels=(EMAIL,), kind=Reminder.Kind.WEEKLY_DIGEST)
    now = timezone.now()
    reminders_claim_due(now=now)

    # One attempt on its own: recorded, still queued, leased against a double send.
    with pytest.raises(ReminderDeliveryFailed):
        reminder_deliver(reminder_id=reminder.pk, now=now)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Status.QUEUED, 1)
    assert reminder.lease_expires_at > now
    assert "mail server went away" in reminder.last_error

    # The task retries with back-off until the attempts run out.
    assert tasks.send_reminder.apply(args=[reminder.pk]).get() == Status.FAILED
    reminder.refresh_from_db()
    assert reminder.status == Status.FAILED
    assert reminder.attempts == 3
    assert reminder.sent_at is None
    assert reminder.lease_expires_at is None
    assert "SMTPServerDisconnected: mail server went away" in reminder.last_error
    assert len(calls) == 3
    # Failed is final: neither the dispatcher nor another send touches it.
    assert reminders_claim_due(now=now + dt.timedelta(days=1)) == []
    assert tasks.send_reminder.apply(args=[reminder.pk]).get() == Status.FAILED
    assert len(calls) == 3


def test_the_send_task_has_bounded_retries_with_back_off():
    task = tasks.send_reminder
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert task.max_retries is not None and task.max_retries <= 10
    assert task.retry_backoff and task.retry_backoff_max <= 5 * 60
    assert ReminderDeliveryFailed in task.autoretry_for


def test_cancelled_reminders_are_never_sent(rep, eager_tasks):
    now = timezone.now()
    before_claim = remind(rep, due_at=now, key="before")
    after_claim = remind(rep, due_at=now, key="after")
    reminders_cancel(reminders=Reminder.objects.filter(pk__in=[r.pk for r in before_claim]))
    claimed = reminders_claim_due(now=now)
    assert sorted(claimed) == sorted(r.pk for r in after_claim)
    # Cancelled between the claim and the send (the session was called off meanwhile).
    reminders_cancel(reminders=Reminder.objects.filter(pk__in=claimed))

    for reminder in before_claim + after_claim:
        assert tasks.send_reminder.apply(args=[reminder.pk]).get() == Status.CANCELLED
    assert not Notification.objects.exists()
    assert mail.outbox == []
    assert not Reminder.objects.filter(status=Status.SENT).exists()


def test_a_reminder_about_a_session_called_off_after_the_claim_is_cancelled_not_sent(rep):
    now = timezone.now()
    session = session_between(rep=rep, coach=rep.manager, scheduled_for=now + dt.timedelta(hours=1))
    [reminder] = remind(
        rep, kind=Reminder.Kind.SESSION_1H, session=session, due_at=now, channels=(IN_APP,)
    )
    assert reminders_claim_due(now=now) == [reminder.pk]
    CoachingSession.objects.filter(pk=session.pk).update(status=CoachingSession.Status.CANCELLED)

    assert reminder_deliver(reminder_id=reminder.pk, now=now) == Status.CANCELLED
    reminder.refresh_from_db()
    assert reminder.status == Status.CANCELLED
    assert "cancelled" in reminder.last_error
    assert not Notification.objects.exists()


def test_a_pending_reminder_that_is_not_due_is_left_for_the_dispatcher(rep):
    now = timezone.now()
    [reminder] = remind(rep, due_at=now + dt.timedelta(hours=1), channels=(IN_APP,))
    assert reminder_deliver(reminder_id=reminder.pk, now=now) == "not_due"
    assert reminder_deliver(reminder_id=987654321, now=now) == "missing"
    reminder.refresh_from_db()
    assert reminder.status == Status.PENDING


def test_an_email_reminder_for_someone_without_an_address_is_cancelled_in_app_still_goes(rep):
    rep.email = ""
    rep.save(update_fields=["email"])
    now = timezone.now()
    in_app, email = remind(rep, kind=Reminder.Kind.WEEKLY_DIGEST, due_at=now)
    reminders_claim_due(now=now)
    assert reminder_deliver(reminder_id=in_app.pk, now=now) == Status.SENT
    assert reminder_deliver(reminder_id=email.pk, now=now) == Status.CANCELLED
    email.refresh_from_db()
    assert "no email address" in email.last_error
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=rep).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_never_claim_the_same_row():
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip(
            f"{connection.vendor} has no SELECT ... FOR UPDATE SKIP LOCKED; it serialises "
            "writers instead, so there is no concurrent claim to test (run on PostgreSQL)."
        )
    rep = RepFactory(manager=ManagerFactory())
    now = timezone.now()
    Reminder.objects.bulk_create(
        Reminder(
            recipient=rep,
            kind=Reminder.Kind.WEEKLY_DIGEST,
            channel=IN_APP,
            due_at=now - dt.timedelta(seconds=n),
            dedupe_key=f"race:{n}",
        )
        for n in range(400)
    )
    start = threading.Barrier(2)
    claimed: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def dispatcher(name: str) -> None:
        mine: list[int] = []
        try:
            start.wait(timeout=10)
            while batch := reminders_claim_due(now=now, batch_size=25):
                mine.extend(batch)
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)
        finally:
            claimed[name] = mine
            connections.close_all()

    threads = [threading.Thread(target=dispatcher, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    a, b = claimed["a"], claimed["b"]
    assert len(set(a)) == len(a) and len(set(b)) == len(b)
    assert not set(a) & set(b)
    assert set(a) | set(b) == set(Reminder.objects.values_list("pk", flat=True))
    assert Reminder.objects.filter(status=Status.QUEUED).count() == 400


def test_beat_runs_the_dispatcher_every_interval_and_the_missed_sweeps(settings):
    schedule = {entry["task"]: entry for entry in celery_app.conf.beat_schedule.values()}
    dispatcher = schedule["coaching.tasks.dispatch_due_reminders"]
    assert dispatcher["schedule"] == settings.REMINDER_DISPATCH_SECONDS
    assert schedule["coaching.tasks.mark_missed_sessions"]["schedule"] == 5 * 60
    assert schedule["coaching.tasks.mark_missed_commitments"]["schedule"] == 60 * 60
    for name in schedule:
        if name.startswith("coaching."):
            assert name in celery_app.tasks


def test_the_missed_session_sweep_task_marks_a_forgotten_session_missed(rep, settings):
    now = timezone.now()
    long_ago = now - dt.timedelta(hours=settings.COACHING_HOLD_GRACE_HOURS + 2)
    session = session_between(rep=rep, coach=rep.manager, scheduled_for=long_ago)
    tasks.mark_missed_sessions.apply().get()
    session.refresh_from_db()
    assert session.status == CoachingSession.Status.MISSED


def test_the_missed_commitment_sweep_task_marks_an_overdue_commitment_missed(rep):
    from coaching.models import Commitment

    commitment = Commitment.objects.create(
        rep=rep, text="Call three prospects", due_date=timezone.localdate() - dt.timedelta(days=2)
    )
    tasks.mark_missed_commitments.apply().get()
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.MISSED
