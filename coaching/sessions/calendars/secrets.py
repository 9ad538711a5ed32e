"""CalDAV passwords at rest: Fernet (AES with an HMAC) under ``CALENDAR_SECRET_KEY``.

Outside production a key is derived from ``SECRET_KEY`` when none is set, so `make run` works
with nothing configured; production without the key refuses to store a password at all.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from config.errors import DomainError


class SecretUnavailable(DomainError):
    """No key to encrypt with, or a stored secret the key cannot read (the key changed)."""


def _fernet() -> Fernet:
    key = settings.CALENDAR_SECRET_KEY
    if not key:
        if settings.PRODUCTION:
            raise SecretUnavailable(
                "CalDAV calendars need CALENDAR_SECRET_KEY on this server; "
                "use an iCalendar subscription URL instead, or ask your administrator."
            )
        digest = hashlib.sha256(f"calendar-secret:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    try:
        return Fernet(key)
    except ValueError as error:
        raise SecretUnavailable(
            "CALENDAR_SECRET_KEY is not a Fernet key (32 url-safe base64-encoded bytes)."
        ) from error


def secret_encrypt(plain: str) -> str:
    """The text kept in the database for ``plain``; "" stays ""."""
    if not plain:
        return ""
    return _fernet().encrypt(plain.encode()).decode()


def secret_decrypt(stored: str) -> str:
    """The password back; raises SecretUnavailable when the key cannot read it."""
    if not stored:
        return ""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken as error:
        raise SecretUnavailable(
            "The saved password cannot be read with this server's key; enter it again."
        ) from error
