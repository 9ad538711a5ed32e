"""A person leaves and, perhaps, comes back: deactivation ends their access and hands their open
work on; reactivation gives back sign-in alone."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from accounts.permissions import is_admin
from accounts.services import user_set_manager
from accounts.signals import user_deactivated
from config.errors import Conflict, DomainError


def _ensure_may(actor: User, person: User) -> None:
    if not is_admin(actor):
        raise DomainError("Only an admin can deactivate or reactivate people.")
    if actor.pk == person.pk:
        raise DomainError("You cannot deactivate or reactivate yourself; ask another admin.")


@transaction.atomic
def user_deactivate(*, user: User, actor: User) -> User:
    """Deactivate ``user`` in one transaction: they cannot sign in any more (``is_active``
    off; ``accounts.receivers`` revokes their API tokens and records it in the audit trail on
    that save), ``user_deactivated`` lets coaching end their open work (sessions cancelled
    with a word to the other person, plan archived, their pending reminders cancelled), and
    then each of their reports is moved to nobody through ``user_set_manager``, so the reports
    show on the "No coach" page. Their history stays.

    Raises DomainError when ``actor`` is not an admin or is ``user``, Conflict when ``user`` is
    deactivated already.
    """
    _ensure_may(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise Conflict(f"{user} is deactivated already.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_deactivated.send(sender=User, user=user, actor=actor)
    for report in User.objects.filter(manager=user).order_by("pk"):
        user_set_manager(user=report, manager=None, actor=actor)
    return user


@transaction.atomic
def user_reactivate(*, user: User, actor: User) -> User:
    """Let ``user`` sign in again, and nothing more: their former reports, plan and sessions
    stay where deactivation left them, and they sign in with their old password (or a new
    invitation). The audit trail records it (``accounts.receivers``).

    Raises DomainError when ``actor`` is not an admin or is ``user``, Conflict when ``user`` is
    active.
    """
    _ensure_may(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise Conflict(f"{user} is active already.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user
