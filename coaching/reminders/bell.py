"""The notification bell: reads and writes of a person's own in-app notifications.

Nobody sees or marks anyone else's notifications, admins included: they are personal mail.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils import timezone

from accounts.models import User
from coaching.models import Notification

LIST_LIMIT = 50


def notification_unread_count(*, user: User) -> int:
    """One COUNT over the partial index of unread notifications."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_list_for(*, user: User, limit: int = LIST_LIMIT) -> list[Notification]:
    """The newest notifications of ``user``, unread and read alike."""
    return list(Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")[:limit])


def notification_for(*, user: User, notification_id: int) -> Notification:
    """Fetch one of ``user``'s own notifications; anyone else's is a 404."""
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification


def notification_mark_read(
    *, user: User, notification_id: int, now: dt.datetime | None = None
) -> Notification:
    """Mark one of ``user``'s notifications read (idempotent). Raises Http404 for others'."""
    notification = notification_for(user=user, notification_id=notification_id)
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User, now: dt.datetime | None = None) -> int:
    """Mark every unread notification of ``user`` read; returns how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
