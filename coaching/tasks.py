"""Thin Celery tasks for coaching: the reminder dispatcher, the send task, periodic sweeps."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError, transaction
from django.utils import timezone

from coaching.reminders.outbox import reminders_claim_due, reminders_deliver

logger = logging.getLogger(__name__)

DISPATCH_BATCH_SIZE = 1000
# A bound on one run, so a flood of due reminders cannot keep one dispatcher busy forever;
# whatever is left is claimed by the next beat a few seconds later.
DISPATCH_MAX_BATCHES = 20
# Ids per send task: large enough that the per-task costs (the message, the transaction, the
# mail connection) are shared (100 per task delivered 25 % fewer a second than 500 in the
# benchmark), small enough that a batch finishes well within the lease.
SEND_BATCH_SIZE = 500


def _enqueue_sends(ids: list[int]) -> None:
    # One broker connection from the pool for the whole claim, not one per message.
    with send_reminders.app.producer_or_acquire() as producer:
        for start in range(0, len(ids), SEND_BATCH_SIZE):
            send_reminders.apply_async((ids[start : start + SEND_BATCH_SIZE],), producer=producer)


@shared_task(ignore_result=True)
def dispatch_due_reminders() -> int:
    """Claim due reminders in batches and hand them to ``send_reminders``, with no ETA.

    The ids are enqueued only once their claim has committed, so a send task never finds its
    rows unclaimed. If enqueueing fails (broker down), the claimed rows keep their lease and are
    claimed again when it runs out: delayed, not lost.
    """
    claimed = 0
    for _ in range(DISPATCH_MAX_BATCHES):
        ids = reminders_claim_due(now=timezone.now(), batch_size=DISPATCH_BATCH_SIZE)
        if ids:
            transaction.on_commit(lambda ids=ids: _enqueue_sends(ids))
        claimed += len(ids)
        if len(ids) < DISPATCH_BATCH_SIZE:
            break
    return claimed


def wake_dispatcher() -> bool:
    """Run the dispatcher now rather than at its next beat; False when the broker is down.

    Called after a commit that wrote a reminder due at once, so it must never raise into the
    caller nor keep them waiting: one connection attempt with no retries, and on failure a
    warning. The reminder is a row already; the next beat claims it. The connection comes from
    the app's pool and stays open for the next wake: opening one per wake cost a broker
    handshake on every booking request.
    """
    app = dispatch_due_reminders.app
    try:
        with app.connection_or_acquire() as conn:
            # A pooled connection left on its own would retry for the whole connect timeout.
            conn.ensure_connection(max_retries=0, timeout=2)
            dispatch_due_reminders.apply_async(retry=False, connection=conn)
    except Exception:
        logger.warning("Could not wake the reminder dispatcher; beat will run it.", exc_info=True)
        return False
    return True


# A channel that fails is retried by the outbox itself (the row waits, queued, for its
# back-off); the task only retries what rolled the whole batch back, such as a lost database.
_SEND_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "autoretry_for": (DatabaseError,),
    "max_retries": 3,
    "retry_backoff": 5,
    "retry_backoff_max": 60,
    "retry_jitter": True,
}


@shared_task(**_SEND_OPTIONS)
def send_reminders(reminder_ids: list[int]) -> dict[int, str]:
    """Deliver a batch of claimed reminders; idempotent, so a redelivered message changes
    nothing."""
    return reminders_deliver(reminder_ids=reminder_ids)


@shared_task(**_SEND_OPTIONS)
def send_reminder(reminder_id: int) -> str:
    """One reminder: kept so that messages enqueued before batches existed still deliver."""
    return reminders_deliver(reminder_ids=[reminder_id])[reminder_id]


@shared_task(ignore_result=True)
def mark_missed_sessions() -> object:
    """Sessions long past their time and never marked held become missed."""
    from coaching.sessions.services import sessions_mark_missed

    return sessions_mark_missed(now=timezone.now())


@shared_task(ignore_result=True)
def mark_missed_commitments() -> object:
    """Open commitments past their due date become missed."""
    from coaching.sessions.commitments import commitments_mark_missed

    return commitments_mark_missed(today=timezone.localdate())


@shared_task(ignore_result=True)
def skill_upkeep() -> object:
    """Expire, open and escalate reinforcements; propose coaching for fading skills."""
    from coaching.sessions.decay import skill_upkeep_run

    return skill_upkeep_run()


@shared_task(ignore_result=True)
def weekly_digests() -> object:
    """Write this week's digest reminder for every manager; the outbox delivers them."""
    from coaching.insights.digest import digests_schedule

    return digests_schedule(now=timezone.now())
