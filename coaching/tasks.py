"""Thin Celery tasks for coaching: the reminder dispatcher, the send task, periodic sweeps.

A commit that writes a reminder due at once wakes the dispatcher through
``coaching.reminders.wake``.
"""

from __future__ import annotations

from functools import partial

from celery import shared_task
from django.db import DatabaseError, transaction
from django.utils import timezone

from coaching.insights.digest import digests_schedule
from coaching.reminders.outbox import (
    DISPATCH_BATCH_SIZE,
    SEND_BATCH_SIZE,
    reminders_claim_due,
    reminders_deliver,
)
from coaching.reminders.wake import DISPATCHER_TASK
from coaching.sessions.calendars.services import REFRESH_TASK, calendar_refresh, calendars_due
from coaching.sessions.commitments import commitments_mark_missed
from coaching.sessions.decay import skill_upkeep_run
from coaching.sessions.services import sessions_mark_missed

# A bound on one run, so a flood of due reminders cannot keep one dispatcher busy forever;
# whatever is left is claimed by the next beat a few seconds later.
DISPATCH_MAX_BATCHES = 20


def _enqueue_sends(ids: list[int]) -> None:
    # One broker connection from the pool for the whole claim, not one per message.
    with send_reminders.app.producer_or_acquire() as producer:
        for start in range(0, len(ids), SEND_BATCH_SIZE):
            send_reminders.apply_async((ids[start : start + SEND_BATCH_SIZE],), producer=producer)


# Named as the wake (``coaching.reminders.wake``) sends it, by name, from below the tasks.
@shared_task(name=DISPATCHER_TASK, ignore_result=True)
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
            transaction.on_commit(partial(_enqueue_sends, ids))
        claimed += len(ids)
        if len(ids) < DISPATCH_BATCH_SIZE:
            break
    return claimed


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


@shared_task(ignore_result=True)
def mark_missed_sessions() -> int:
    """Sessions long past their time and never marked held become missed."""
    return sessions_mark_missed(now=timezone.now())


@shared_task(ignore_result=True)
def mark_missed_commitments() -> int:
    """Open commitments past their due date become missed."""
    return commitments_mark_missed(today=timezone.localdate())


@shared_task(ignore_result=True)
def skill_upkeep() -> dict[str, int]:
    """Expire, open and escalate reinforcements; propose coaching for fading skills."""
    return skill_upkeep_run()


@shared_task(ignore_result=True)
def weekly_digests() -> int:
    """Write this week's digest reminder for every manager; the outbox delivers them."""
    return digests_schedule(now=timezone.now())


# --- calendars read for busy times (docs/calendars.md) ---------------------------------------


@shared_task(name=REFRESH_TASK, ignore_result=True)
def refresh_calendar(user_id: int) -> str:
    """Read one person's calendar into their stored busy intervals (sent after a save)."""
    return calendar_refresh(user_id=user_id)


@shared_task(ignore_result=True)
def refresh_due_calendars() -> int:
    """Hand every calendar due a read to its own task, so one slow server delays only itself."""
    user_ids = calendars_due(now=timezone.now())
    with refresh_calendar.app.producer_or_acquire() as producer:
        for user_id in user_ids:
            refresh_calendar.apply_async((user_id,), producer=producer)
    return len(user_ids)
