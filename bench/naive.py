"""The common way to send reminders, for comparison with the outbox: one task per reminder.

Each reminder is published as its own Celery task with ``apply_async`` the moment it is due;
the task loads the row, delivers it through the same channels as the outbox and marks it sent.
No claim, no lease, no row lock: what a first version usually looks like. The worker loads this
module only when the benchmark starts it (``celery worker --include bench.naive``).
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from coaching.models import Reminder
from coaching.reminders import messages as delivery


@shared_task(ignore_result=True)
def deliver_reminder(reminder_id: int) -> str:
    reminder = (
        Reminder.objects.select_related(
            "recipient", "session__rep", "session__coach", "session__module", "commitment__session"
        )
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None or reminder.status != Reminder.Status.PENDING:
        return "skipped"
    now = timezone.now()
    # The same checks and channels as the outbox, so that only the way of sending differs.
    if delivery.reason_not_to_deliver(reminder, now=now):
        reminder.status = Reminder.Status.CANCELLED
    else:
        delivery.deliver(reminder, now=now)
        reminder.status = Reminder.Status.SENT
        reminder.sent_at = now
        reminder.attempts += 1
    reminder.save(update_fields=["status", "sent_at", "attempts"])
    return reminder.status
