"""Who may see and do what about whom (DESIGN §6): the one place for these rules.

Pages, the API and the selectors all ask these predicates; nothing re-derives them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import BasePermission

if TYPE_CHECKING:
    from accounts.models import User


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_org_admin)


def manages(user: User, person: User) -> bool:
    """True when ``person`` is one of ``user``'s direct reports."""
    return bool(
        user.is_authenticated
        and user.is_manager
        and person.manager_id is not None
        and person.manager_id == user.pk
    )


def can_view_person(user: User, person: User) -> bool:
    """Progress, plan, sessions, observations and commitments of ``person``."""
    if not user.is_authenticated:
        return False
    return user.pk == person.pk or is_admin(user) or manages(user, person)


def can_coach(user: User, rep: User) -> bool:
    """Hold sessions, rate and record commitments for ``rep``."""
    return is_admin(user) or manages(user, rep)


def can_assign_courses(user: User, person: User) -> bool:
    return is_admin(user) or manages(user, person)


def can_author_content(user: User) -> bool:
    return is_admin(user)


def can_manage_users(user: User) -> bool:
    return is_admin(user)


class IsOrgAdmin(BasePermission):
    message = "Only an admin may do this."

    def has_permission(self, request, view) -> bool:
        return is_admin(request.user)


class IsManagerOrAdmin(BasePermission):
    message = "Only a manager or an admin may do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user.is_authenticated and (user.is_manager or user.is_org_admin))
