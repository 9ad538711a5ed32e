"""Reminder delivery: the outbox that turns due reminder rows into notifications and email.

A row moves ``pending`` → ``queued`` (claimed, with a lease) → ``sent``; or ``failed`` after
``REMINDER_MAX_ATTEMPTS``; or ``cancelled``. The database is the source of truth: the broker only
carries ids, so a lost message, a killed worker or a broker outage delays a reminder until its
lease runs out and the dispatcher claims it again, but never loses it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from coaching import delivery
from coaching.models import Reminder

logger = logging.getLogger(__name__)

FINAL_STATUSES = frozenset(
    {Reminder.Status.SENT, Reminder.Status.CANCELLED, Reminder.Status.FAILED}
)


class ReminderDeliveryFailed(Exception):
    """A channel failed; the attempt is recorded and the reminder waits, queued, for a retry."""


def _lease_until(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)


def reminders_claim_due(*, now: dt.datetime | None = None, batch_size: int = 500) -> list[int]:
    """Claim up to ``batch_size`` reminders that are due, and return their ids.

    Due means ``pending`` with ``due_at`` reached, or ``queued`` with a lease that ran out (its
    send task was lost). Claimed rows become ``queued`` with a fresh lease, in one transaction, so
    that concurrent dispatchers never hand out the same row twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = Reminder.objects.filter(
            Q(status=Reminder.Status.PENDING, due_at__lte=now)
            | Q(status=Reminder.Status.QUEUED, lease_expires_at__lte=now)
        ).order_by("due_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            # Rows another dispatcher (or a send in progress) holds are theirs: skip, don't wait.
            due = due.select_for_update(skip_locked=True)
        # Without SKIP LOCKED (SQLite) writers are serialised by the database's own write lock
        # (transactions begin IMMEDIATE), so a plain read-then-update cannot interleave.
        ids = list(due.values_list("pk", flat=True)[:batch_size])
        if ids:
            Reminder.objects.filter(pk__in=ids).update(
                status=Reminder.Status.QUEUED, lease_expires_at=_lease_until(now)
            )
    return ids


def reminder_deliver(*, reminder_id: int, now: dt.datetime | None = None) -> str:
    """Deliver one reminder through its channel and mark it sent; return its resulting status.

    Safe to call any number of times for the same id: a reminder already sent, cancelled or
    failed is left alone, and the row lock makes concurrent calls take turns. A pending reminder
    that is not due yet is left for the dispatcher ("not_due").

    Raises ``ReminderDeliveryFailed`` when the channel failed and attempts remain (the reminder
    stays queued); after ``REMINDER_MAX_ATTEMPTS`` it is marked failed and "failed" is returned.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            reminder = (
                Reminder.objects.select_for_update(of=("self",))
                .select_related(
                    "recipient",
                    "session__rep",
                    "session__coach",
                    "session__module",
                    "commitment__session",
                )
                .filter(pk=reminder_id)
                .first()
            )
            if reminder is None:
                return "missing"
            if reminder.status in FINAL_STATUSES:
                return reminder.status
            if reminder.status == Reminder.Status.PENDING and reminder.due_at > now:
                return "not_due"

            reason = delivery.reason_not_to_deliver(reminder, now=now)
            if reason:
                _finish(reminder, status=Reminder.Status.CANCELLED, now=now, note=reason)
                return reminder.status

            _finish(reminder, status=Reminder.Status.SENT, now=now)
            # The channel runs last, inside the transaction that marks the row sent:
            # - in-app writes its Notification in this same transaction (and the one-to-one on
            #   the reminder refuses a second), so it is delivered exactly once;
            # - email leaves the process when the SMTP server accepts it. If it raises, the
            #   transaction rolls back and the row stays queued. The one window left is a crash
            #   (or a failed COMMIT) after the server accepted the message and before the commit:
            #   the lease then runs out and the email is sent again. That is at-least-once, and
            #   the window is the length of one COMMIT. The price is holding the row lock for
            #   one SMTP exchange, which is also what makes a duplicate send task wait and then
            #   find the row sent, instead of sending alongside.
            delivery.deliver(reminder, now=now)
    except Exception as exc:
        return _record_failure(reminder_id=reminder_id, error=exc, now=now)
    return Reminder.Status.SENT


def _finish(reminder: Reminder, *, status: str, now: dt.datetime, note: str = "") -> None:
    sent = status == Reminder.Status.SENT
    reminder.status = status
    if sent:
        reminder.attempts += 1
    reminder.sent_at = now if sent else None
    reminder.lease_expires_at = None
    reminder.last_error = note
    reminder.save(update_fields=["status", "attempts", "sent_at", "lease_expires_at", "last_error"])


def _record_failure(*, reminder_id: int, error: Exception, now: dt.datetime) -> str:
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().filter(pk=reminder_id).first()
        if reminder is None or reminder.status in FINAL_STATUSES:
            return reminder.status if reminder else "missing"
        reminder.attempts += 1
        reminder.last_error = f"{error.__class__.__name__}: {error}"[:2000]
        if reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
            reminder.status = Reminder.Status.FAILED
            reminder.lease_expires_at = None
        else:
            # A fresh lease keeps the dispatcher off it while the task's own retry is pending;
            # if that retry is lost too, the lease runs out and the dispatcher takes over.
            reminder.status = Reminder.Status.QUEUED
            reminder.lease_expires_at = _lease_until(now)
        reminder.save(update_fields=["attempts", "last_error", "status", "lease_expires_at"])
    if reminder.status == Reminder.Status.FAILED:
        logger.error(
            "Reminder %s failed after %s attempts: %s",
            reminder_id,
            reminder.attempts,
            reminder.last_error,
        )
        return reminder.status
    logger.warning(
        "Reminder %s attempt %s failed: %s", reminder_id, reminder.attempts, reminder.last_error
    )
    raise ReminderDeliveryFailed(reminder.last_error) from error
