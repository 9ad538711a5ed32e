"""The reminder outbox's rows, the in-app notifications it delivers, calendar feeds (DESIGN §5)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from coaching.models.sessions import CoachingSession, Commitment


class Reminder(models.Model):
    """One message to one person on one channel: a row first, delivered by the outbox."""

    class Kind(models.TextChoices):
        SESSION_BOOKED = "session_booked", "Session booked"
        SESSION_24H = "session_24h", "Session tomorrow"
        SESSION_1H = "session_1h", "Session in an hour"
        SESSION_HOLD_OVERDUE = "session_hold_overdue", "Session not yet marked held"
        SESSION_RESCHEDULED = "session_rescheduled", "Session moved"
        SESSION_CANCELLED = "session_cancelled", "Session cancelled"
        SESSION_MISSED = "session_missed", "Session missed"
        SESSION_CONFLICT = "session_conflict", "Calendar clash with a session"
        RESCHEDULE_REQUESTED = "reschedule_requested", "Asked to reschedule"
        RESCHEDULE_KEPT = "reschedule_kept", "Reschedule request: time kept"
        COMMITMENT_DUE = "commitment_due", "Commitment due soon"
        COMMITMENT_MISSED = "commitment_missed", "Commitment missed"
        REINFORCEMENT_DUE = "reinforcement_due", "Reinforcement due"
        WEEKLY_DIGEST = "weekly_digest", "Weekly digest"
        COACH_CHANGED = "coach_changed", "Coach changed"
        QUIZ_ATTEMPTS_USED_UP = "quiz_attempts_used_up", "Quiz attempts used up"
        EXTRA_ATTEMPTS_ASKED = "extra_attempts_asked", "More quiz attempts asked for"
        EXTRA_ATTEMPTS_GRANTED = "extra_attempts_granted", "More quiz attempts granted"

    class Channel(models.TextChoices):
        IN_APP = "in_app", "In-app"
        EMAIL = "email", "Email"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        QUEUED = "queued", "Queued"
        # An email a delivery has taken and is sending; its lease says until when it is theirs.
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    dedupe_key = models.CharField(max_length=200, unique=True)
    attempts = models.PositiveIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    session = models.ForeignKey(
        CoachingSession, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    commitment = models.ForeignKey(
        Commitment, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(status="pending"), name="reminder_pending_due"
            ),
            models.Index(
                fields=["lease_expires_at"],
                condition=Q(status__in=["queued", "sending"]),
                name="reminder_leased",
            ),
            models.Index(fields=["recipient", "due_at"], name="reminder_recipient_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.channel}, {self.status})"


class Notification(models.Model):
    """What the in-app channel delivers: an item under the bell."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # One notification per in-app reminder: a second delivery of the same reminder adds nothing.
    reminder = models.OneToOneField(
        Reminder, null=True, blank=True, on_delete=models.SET_NULL, related_name="notification"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self) -> str:
        return self.title


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A private, revocable address that lists a person's sessions as iCalendar."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed for {self.user}"
