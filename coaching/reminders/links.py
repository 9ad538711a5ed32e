"""The addresses reminders give out: links back into the product, and the host in their ids."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from coaching.models import CoachingSession, Commitment


def site_url(path: str = "") -> str:
    """``path`` on the product's public address (``SITE_URL``), for email and calendars."""
    return settings.SITE_URL.rstrip("/") + path


def site_host() -> str:
    """The product's host name, the right-hand side of the ids it gives out (UID, Message-ID)."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def session_path(session: CoachingSession) -> str:
    return reverse("coaching:session", args=[session.pk])


def commitment_path(commitment: Commitment) -> str:
    if commitment.session_id and commitment.session is not None:
        return session_path(commitment.session)
    return reverse("coaching:my_coaching")
