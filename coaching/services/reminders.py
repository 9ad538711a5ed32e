"""Writing reminder rows: the outbox's input. Delivery lives in ``coaching.services.outbox``.

Every reminder is a row first, keyed by a unique ``dedupe_key`` so that writing the same
reminder twice keeps one row. Callers run inside their own transaction; a reminder that is
already due wakes the dispatcher once that transaction commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from coaching.models import CoachingSession, Commitment, Reminder

CHANNELS = (Reminder.Channel.IN_APP, Reminder.Channel.EMAIL)


def _kick_dispatcher() -> None:
    from coaching.tasks import dispatch_due_reminders

    dispatch_due_reminders.delay()


def reminder_schedule(
    *,
    recipient: User,
    kind: str,
    due_at: dt.datetime,
    key: str,
    channels: tuple[str, ...] = CHANNELS,
    session: CoachingSession | None = None,
    commitment: Commitment | None = None,
    payload: dict[str, Any] | None = None,
) -> list[Reminder]:
    """Write one pending reminder per channel, idempotently.

    ``key`` names the occasion (``session:12:24h``); the dedupe key adds recipient and channel.
    A row that exists already is left as it is (sent stays sent); a pending one takes the new
    due time.
    """
    reminders = []
    for channel in channels:
        dedupe_key = f"{key}:{recipient.pk}:{channel}"
        reminder, created = Reminder.objects.get_or_create(
            dedupe_key=dedupe_key,
            defaults={
                "recipient": recipient,
                "kind": kind,
                "channel": channel,
                "due_at": due_at,
                "session": session,
                "commitment": commitment,
                "payload": payload or {},
            },
        )
        if not created and reminder.status == Reminder.Status.PENDING and reminder.due_at != due_at:
            reminder.due_at = due_at
            reminder.save(update_fields=["due_at"])
        reminders.append(reminder)
    if any(r.status == Reminder.Status.PENDING and r.due_at <= timezone.now() for r in reminders):
        transaction.on_commit(_kick_dispatcher)
    return reminders


def reminders_cancel(*, reminders) -> int:
    """Cancel what has not gone out yet; sent reminders stay sent."""
    return reminders.filter(status__in=[Reminder.Status.PENDING, Reminder.Status.QUEUED]).update(
        status=Reminder.Status.CANCELLED, lease_expires_at=None
    )
