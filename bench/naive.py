"""The common way to send reminders, for comparison with the outbox: one task per reminder.

Each reminder is published as its own Celery task with ``apply_async`` the moment it is due;
the task hands its one id to the outbox's delivery service, so the channels, the checks and the
recording are the outbox's and only the way of sending differs: no dispatcher, no claim, no
lease, no batch. The worker loads this module only when the benchmark starts it
(``celery worker --include bench.naive``).
"""

from __future__ import annotations

from celery import shared_task

from coaching.reminders.outbox import reminders_deliver


@shared_task(ignore_result=True)
def deliver_reminder(reminder_id: int) -> str:
    return reminders_deliver(reminder_ids=[reminder_id])[reminder_id]
