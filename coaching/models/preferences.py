"""What each person asked not to receive: per kind of reminder, by email."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EmailOptOut(models.Model):
    """``user`` turned email off for reminders of ``kind``; the in-app notification still comes.

    No row means email is on, so a kind added later reaches everyone until they turn it off.
    ``kind`` is a ``Reminder.Kind`` value, kept without choices so that adding a kind changes no
    table here.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    kind = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="email_opt_out_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"No {self.kind} email for {self.user}"
