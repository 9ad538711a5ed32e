"""A sketch of the batched outbox that docs/performance.md proposes, measured beside the real one.

Not the application's code: it shows what one task per batch of ids, with bulk writes, buys
on the same machine, so the proposal comes with a number. It reuses the application's
claim (``reminders_claim_due``), checks (``delivery.reason_not_to_deliver``) and message
building (``delivery.reminder_message``, ``delivery.reminder_email``); what changes is the
shape: per batch, one transaction that locks the rows, one bulk insert of notifications, one
email connection for the batch's messages, and one UPDATE per outcome.

What the real version must add: an email that fails should fail only its own reminder (send
each message in its own try and record the failures), not roll back the batch.
"""

from __future__ import annotations

from celery import shared_task
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from coaching import delivery
from coaching.models import Notification, Reminder
from coaching.services.outbox import reminders_claim_due

SEND_BATCH = 100
CLAIM_BATCH = 1000
CLAIMS_PER_RUN = 10


@shared_task(ignore_result=True)
def dispatch_due_reminders_batched() -> int:
    claimed = 0
    for _ in range(CLAIMS_PER_RUN):
        ids = reminders_claim_due(now=timezone.now(), batch_size=CLAIM_BATCH)
        for start in range(0, len(ids), SEND_BATCH):
            send_reminders.delay(ids[start : start + SEND_BATCH])
        claimed += len(ids)
        if len(ids) < CLAIM_BATCH:
            break
    return claimed


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_reminders(reminder_ids: list[int]) -> int:
    now = timezone.now()
    with transaction.atomic():
        reminders = list(
            Reminder.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related(
                "recipient",
                "session__rep",
                "session__coach",
                "session__module",
                "commitment__session",
            )
            .filter(pk__in=reminder_ids, status=Reminder.Status.QUEUED)
            .order_by()
        )
        sent, cancelled, notifications, emails = [], [], [], []
        for reminder in reminders:
            if delivery.reason_not_to_deliver(reminder, now=now):
                cancelled.append(reminder.pk)
                continue
            if reminder.channel == Reminder.Channel.IN_APP:
                message = delivery.reminder_message(reminder)
                notifications.append(
                    Notification(
                        recipient_id=reminder.recipient_id,
                        reminder=reminder,
                        title=message.title,
                        body=message.body,
                        url=message.url,
                    )
                )
            else:
                emails.append(delivery.reminder_email(reminder, now=now))
            sent.append(reminder.pk)
        Notification.objects.bulk_create(notifications, ignore_conflicts=True)
        if emails:
            get_connection(fail_silently=False).send_messages(emails)
        Reminder.objects.filter(pk__in=sent).update(
            status=Reminder.Status.SENT,
            sent_at=now,
            attempts=F("attempts") + 1,
            lease_expires_at=None,
            last_error="",
        )
        Reminder.objects.filter(pk__in=cancelled).update(
            status=Reminder.Status.CANCELLED, lease_expires_at=None
        )
    return len(sent)
