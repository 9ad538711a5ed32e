"""The reminder outbox: claiming with leases, idempotent sends, bounded retries, concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from coaching import tasks
from coaching.models import CoachingSession, Notification, Reminder
from coaching.reminders.outbox import (
    BUSY,
    RETRYING,
    reminder_deliver,
    reminders_claim_due,
    reminders_deliver,
)
from coaching.reminders.schedule import reminders_cancel
from coaching.reminders.wake import dispatcher_wake
from config.celery_app import app as celery_app
from tests.coaching.outbox_support import RefusingEmailBackend, remind, session_between
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


def test_an_email_being_sent_is_left_to_its_sender_until_its_short_lease_runs_out(rep, settings):
    settings.REMINDER_SENDING_LEASE_SECONDS = 60
    now = timezone.now()
    [email] = remind(rep, due_at=now, channels=(EMAIL,))
    assert reminders_claim_due(now=now) == [email.pk]
    # As a worker leaves it when it dies with the email in hand.
    Reminder.objects.filter(pk=email.pk).update(
        status=Status.SENDING, lease_expires_at=now + dt.timedelta(seconds=60)
    )

    assert reminders_deliver(reminder_ids=[email.pk], now=now) == {email.pk: BUSY}
    assert reminders_claim_due(now=now + dt.timedelta(seconds=59)) == []
    assert mail.outbox == []
    # Long before the claim's own lease (REMINDER_LEASE_SECONDS) would have run out.
    assert reminders_claim_due(now=now + dt.timedelta(seconds=60)) == [email.pk]
    assert reminders_deliver(reminder_ids=[email.pk], now=now) == {email.pk: Status.SENT}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"].startswith("<reminder.")


@pytest.mark.django_db(transaction=True)
def test_each_email_is_recorded_sent_before_the_next_one_goes():
    """Committed one by one, each visible to any other connection at once: what a crash
    between two sends would find."""
    rep = RepFactory(manager=ManagerFactory())
    reminders = [
        remind(rep, key=f"each{n}", channels=(EMAIL,), kind=Reminder.Kind.WEEKLY_DIGEST)[0]
        for n in range(3)
    ]
    ids = reminders_claim_due()
    seen: list[list[str]] = []

    class Watching(mail.backends.locmem.EmailBackend):
        def send_messages(self, messages):
            other = connections.create_connection("default")
            try:
                with other.cursor() as cursor:
                    cursor.execute("SELECT id, status FROM coaching_reminder ORDER BY id")
                    seen.append([status for pk, status in cursor.fetchall() if pk in ids])
            finally:
                other.close()
            return super().send_messages(messages)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.core.mail.get_connection", lambda **kw: Watching(**kw))
        patch.setattr("coaching.reminders.outbox.get_connection", lambda **kw: Watching(**kw))
        assert set(reminders_deliver(reminder_ids=ids).values()) == {Status.SENT}

    assert seen == [
        ["sending", "sending", "sending"],
        ["sent", "sending", "sending"],
        ["sent", "sent", "sending"],
    ]
    assert set(ids) == {r.pk for r in reminders}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"  # the send's setting does not outlive it


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
        assert tasks.send_reminders.apply(args=[[reminder.pk]]).get() == {reminder.pk: Status.SENT}
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


def test_the_send_tasks_are_enqueued_only_after_the_claim_commits_a_batch_each(
    rep, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(tasks, "SEND_BATCH_SIZE", 2)
    enqueued = []
    monkeypatch.setattr(
        tasks.send_reminders, "apply_async", lambda args, **options: enqueued.append(args[0])
    )
    reminders = []
    for n in range(5):
        reminders += remind(rep, key=f"b{n}", channels=(IN_APP,), kind=Reminder.Kind.WEEKLY_DIGEST)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.dispatch_due_reminders()
        assert enqueued == []
    for callback in callbacks:
        callback()
    assert [len(batch) for batch in enqueued] == [2, 2, 1]
    assert sorted(pk for batch in enqueued for pk in batch) == sorted(r.pk for r in reminders)


@pytest.fixture
def refusing_mail(settings):
    settings.EMAIL_BACKEND = "tests.coaching.outbox_support.RefusingEmailBackend"
    RefusingEmailBackend.reset()
    return RefusingEmailBackend


def test_a_failing_channel_is_retried_after_a_growing_back_off_then_marked_failed(
    rep, settings, refusing_mail, caplog
):
    settings.REMINDER_MAX_ATTEMPTS = 3
    [reminder] = remind(rep, channels=(EMAIL,), kind=Reminder.Kind.WEEKLY_DIGEST)
    now = timezone.now()
    reminders_claim_due(now=now)

    # An attempt fails: counted, still queued, leased for a back-off against a double send.
    assert reminder_deliver(reminder_id=reminder.pk, now=now) == RETRYING
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Status.QUEUED, 1)
    assert reminder.lease_expires_at == now + dt.timedelta(seconds=5)
    assert "SMTPServerDisconnected: mail server went away" in reminder.last_error

    # The dispatcher leaves it alone until the back-off is over, then claims it again;
    # each back-off is twice the last.
    assert reminders_claim_due(now=now + dt.timedelta(seconds=4)) == []
    later = now + dt.timedelta(seconds=5)
    assert reminders_claim_due(now=later) == [reminder.pk]
    assert reminder_deliver(reminder_id=reminder.pk, now=later) == RETRYING
    reminder.refresh_from_db()
    assert reminder.attempts == 2
    assert reminder.lease_expires_at == later + dt.timedelta(seconds=10)

    last = later + dt.timedelta(seconds=10)
    assert reminders_claim_due(now=last) == [reminder.pk]
    with caplog.at_level("ERROR"):
        assert reminder_deliver(reminder_id=reminder.pk, now=last) == Status.FAILED
    assert f"Reminder {reminder.pk} failed after 3 attempts" in caplog.text
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Status.FAILED, 3)
    assert reminder.sent_at is None
    assert reminder.lease_expires_at is None
    assert len(refusing_mail.attempts) == 3
    # Failed is final: neither the dispatcher nor another send touches it.
    assert reminders_claim_due(now=last + dt.timedelta(days=1)) == []
    assert tasks.send_reminders.apply(args=[[reminder.pk]]).get() == {reminder.pk: Status.FAILED}
    assert len(refusing_mail.attempts) == 3


def test_an_email_the_server_refuses_fails_only_its_own_reminder(refusing_mail):
    manager = ManagerFactory()
    reps = [RepFactory(manager=manager) for _ in range(3)]
    refusing_mail.reset(refused={reps[1].email})
    now = timezone.now()
    rows = {
        rep.pk: remind(rep, kind=Reminder.Kind.WEEKLY_DIGEST, due_at=now, key="refused")
        for rep in reps
    }

    outcomes = reminders_deliver(reminder_ids=reminders_claim_due(now=now), now=now)

    refused_in_app, refused_email = rows[reps[1].pk]
    assert outcomes[refused_email.pk] == RETRYING
    assert [o for pk, o in outcomes.items() if pk != refused_email.pk] == [Status.SENT] * 5
    assert sorted(m.to[0] for m in refusing_mail.accepted) == sorted([reps[0].email, reps[2].email])
    assert Notification.objects.count() == 3  # every in-app twin, the refused one's too
    assert Reminder.objects.get(pk=refused_in_app.pk).status == Status.SENT
    assert Reminder.objects.get(pk=refused_email.pk).status == Status.QUEUED


def test_a_batch_costs_the_same_queries_however_many_reminders_it_carries_plus_one_per_email(
    django_assert_max_num_queries,
):
    manager = ManagerFactory()

    def batch(size: int) -> list[int]:
        now = timezone.now()
        for n in range(size):
            rep = RepFactory(manager=manager)
            session = session_between(
                rep=rep, coach=manager, scheduled_for=now + dt.timedelta(days=2)
            )
            remind(rep, session=session, due_at=now, key=f"size{size}:{n}")
        return reminders_claim_due(now=now, batch_size=1000)

    # Lock and load, the opt-outs, the notifications, one UPDATE for the in-app sent, one
    # marking the emails sending, and the transaction; then each email's own UPDATE once the
    # server accepts it, so that a crash cannot send the emails before it again.
    small = batch(2)
    with django_assert_max_num_queries(7 + 2):
        assert set(reminders_deliver(reminder_ids=small).values()) == {Status.SENT}
    large = batch(40)
    with django_assert_max_num_queries(7 + 40):
        assert set(reminders_deliver(reminder_ids=large).values()) == {Status.SENT}
    assert Notification.objects.count() == 42
    assert len(mail.outbox) == 42


def test_the_send_tasks_retry_only_what_rolls_a_whole_batch_back():
    task = tasks.send_reminders
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert task.max_retries is not None and task.max_retries <= 10
    assert task.retry_backoff and task.retry_backoff_max <= 5 * 60
    assert DatabaseError in task.autoretry_for


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
        outcome = tasks.send_reminders.apply(args=[[reminder.pk]]).get()
        assert outcome == {reminder.pk: Status.CANCELLED}
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


@pytest.mark.django_db(transaction=True)
def test_a_reminder_another_delivery_holds_is_left_to_it_and_the_rest_go_out():
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip(f"{connection.vendor} serialises writers; no row is held by another (PG).")
    rep = RepFactory(manager=ManagerFactory())
    now = timezone.now()
    held, free = (
        remind(rep, kind=Reminder.Kind.WEEKLY_DIGEST, due_at=now, key=key, channels=(IN_APP,))[0]
        for key in ("held", "free")
    )
    reminders_claim_due(now=now)
    locked, release = threading.Event(), threading.Event()

    def other_delivery() -> None:
        try:
            with transaction.atomic():
                Reminder.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_delivery)
    thread.start()
    try:
        assert locked.wait(timeout=30)
        outcomes = reminders_deliver(reminder_ids=[held.pk, free.pk], now=now)
    finally:
        release.set()
        thread.join(timeout=30)
    assert outcomes == {held.pk: BUSY, free.pk: Status.SENT}
    held.refresh_from_db()
    assert held.status == Status.QUEUED  # still claimed: its holder (or the lease) finishes it


def test_a_mail_server_that_is_gone_fails_the_rest_of_the_batch_without_trying_each(
    refusing_mail,
):
    manager = ManagerFactory()
    reps = [RepFactory(manager=manager) for _ in range(4)]
    now = timezone.now()
    emails = [
        remind(rep, kind=Reminder.Kind.WEEKLY_DIGEST, due_at=now, key="gone", channels=(EMAIL,))[0]
        for rep in reps
    ]

    outcomes = reminders_deliver(reminder_ids=reminders_claim_due(now=now), now=now)

    assert outcomes == {email.pk: RETRYING for email in emails}
    assert len(refusing_mail.attempts) == 1  # one try, not one timeout per message
    for email in Reminder.objects.filter(pk__in=[e.pk for e in emails]):
        assert (email.status, email.attempts) == (Status.QUEUED, 1)
        assert "SMTPServerDisconnected: mail server went away" in email.last_error


def test_the_wake_sends_the_dispatcher_by_the_name_the_task_is_registered_under(monkeypatch):
    sent: list[str] = []
    monkeypatch.setattr(celery_app, "send_task", lambda name, **options: sent.append(name))
    assert dispatcher_wake() is True
    assert sent == [tasks.dispatch_due_reminders.name]
    assert sent[0] in celery_app.tasks
