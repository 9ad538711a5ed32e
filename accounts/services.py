"""People and reporting lines: every write about users goes through here."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from config.errors import DomainError


@transaction.atomic
def user_upsert(
    *,
    username: str,
    role: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    manager: User | None = None,
    timezone: str = "UTC",
) -> User:
    """Create or update a person so that running it twice leaves the same state.

    Raises DomainError when the reporting line is invalid (self-management or a cycle).
    """
    user, _ = User.objects.get_or_create(username=username)
    user.role = role
    user.first_name = first_name
    user.last_name = last_name
    user.email = email
    user.manager = manager
    user.timezone = timezone
    user.is_staff = role == User.Role.ADMIN
    user.is_superuser = role == User.Role.ADMIN
    if not user.has_usable_password() or not user.check_password(password):
        user.set_password(password)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise DomainError("; ".join(exc.messages)) from exc
    user.save()
    return user
