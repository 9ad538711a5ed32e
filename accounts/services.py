"""People and reporting lines: every write about users goes through here."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.audit import Action, audit_record
from accounts.invitations import invitation_send
from accounts.models import User
from accounts.permissions import is_admin
from accounts.signals import manager_changed
from config.errors import DomainError


def _validated(user: User) -> None:
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise DomainError("; ".join(exc.messages)) from exc


@transaction.atomic
def user_set_manager(*, user: User, manager: User | None, actor: User | None = None) -> User:
    """Move ``user`` to ``manager`` (None: to nobody): the one way a reporting line changes.

    Saves the line and sends ``accounts.signals.manager_changed`` in the same transaction, so
    whatever follows the line (coaching moves the rep's plan, sessions and reminders to the new
    coach) happens with it or not at all. Setting the manager a person already has does nothing.
    Raises DomainError when the line is invalid: the person themselves, a cycle, or a manager
    who is a rep.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    previous = user.manager
    if user.manager_id == (manager.pk if manager else None):
        return user
    user.manager = manager
    _validated(user)
    user.save(update_fields=["manager"])
    audit_record(
        action=Action.MANAGER_CHANGED,
        actor=actor,
        subject=user,
        detail=f"{previous.username if previous else 'nobody'} → "
        f"{manager.username if manager else 'nobody'}",
    )
    manager_changed.send(sender=User, user=user, previous=previous, manager=manager, actor=actor)
    return user


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

    A person who exists already and reports to someone else now moves through
    ``user_set_manager``, with everything that follows the line. Raises DomainError when the
    reporting line is invalid (self-management, a cycle, a rep as manager) or a manager with
    reports would become a rep.
    """
    user, created = User.objects.get_or_create(username=username)
    previous_id = user.manager_id
    moves = not created and previous_id != (manager.pk if manager else None)
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
    _validated(user)  # the person as they will be, the new line included
    if moves:
        user.manager_id = previous_id  # saved below by the service that moves the line
    user.save()
    if moves:
        user = user_set_manager(user=user, manager=manager)
    return user


@transaction.atomic
def user_profile_update(
    *, user: User, first_name: str, last_name: str, email: str, timezone: str
) -> User:
    """A person's own details, from their profile page.

    Checks only what it writes (the reporting line and role are not theirs to change here).
    Raises DomainError for an address that is not one or a time zone that is not known.
    """
    user.first_name = first_name
    user.last_name = last_name
    user.email = email
    user.timezone = timezone
    fields = ["first_name", "last_name", "email", "timezone"]
    try:
        user.clean_fields(exclude=[f.name for f in User._meta.fields if f.name not in fields])
    except ValidationError as exc:
        raise DomainError("; ".join(exc.messages)) from exc
    user.save(update_fields=fields)
    return user


def _ensure_admin(actor: User) -> None:
    if not is_admin(actor):
        raise DomainError("Only an admin can add or change people.")


@transaction.atomic
def user_invite(
    *,
    actor: User | None,
    username: str,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    manager: User | None = None,
    timezone: str = "UTC",
) -> User:
    """Add a person who sets their own password: they get an invitation by email once the
    transaction commits (``accounts.invitations``); until they use it they cannot sign in.

    ``actor`` None is a command or an import run outside a request. Raises DomainError when
    the actor is not an admin, the username is taken, or a detail is invalid (an address that
    is not one, an unknown time zone or role, a rep as manager).
    """
    if actor is not None:
        _ensure_admin(actor)
    if User.objects.filter(username=username).exists():
        raise DomainError(f"The username {username} is taken; choose another.")
    user = User(
        username=username,
        email=email,
        role=role,
        first_name=first_name,
        last_name=last_name,
        manager=manager,
        timezone=timezone,
    )
    user.set_unusable_password()
    _validated(user)
    user.save()
    audit_record(
        action=Action.PERSON_ADDED, actor=actor, subject=user, detail=user.get_role_display()
    )
    if manager is not None:
        audit_record(
            action=Action.MANAGER_CHANGED,
            actor=actor,
            subject=user,
            detail=f"nobody → {manager.username} (new person)",
        )

    def invite() -> None:
        invitation_send(user=user, actor=actor)

    # Robust: a mail server that refuses is logged; the person stays, to be invited again.
    transaction.on_commit(invite, robust=True)
    return user


@transaction.atomic
def user_update(
    *,
    actor: User | None,
    user: User,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    timezone: str,
    manager: User | None,
) -> User:
    """An admin changes a person's details, role and reporting line.

    The line moves through ``user_set_manager`` (with everything that follows it); the role is
    checked and saved after it: a manager cannot become a rep while anyone still reports to
    them (``User.clean`` says so clearly). Raises DomainError for that, for an admin taking
    away their own admin role, and for any invalid detail; nothing is saved then.
    """
    if actor is not None:
        _ensure_admin(actor)
        if actor.pk == user.pk and user.role == User.Role.ADMIN and role != User.Role.ADMIN:
            raise DomainError("You cannot take away your own admin role; ask another admin.")
    user = User.objects.select_for_update().get(pk=user.pk)
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.timezone = timezone
    user_set_manager(user=user, manager=manager, actor=actor)
    user.refresh_from_db(fields=["manager"])
    user.role = role
    _validated(user)
    user.save(update_fields=["first_name", "last_name", "email", "timezone", "role"])
    return user
