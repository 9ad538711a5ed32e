"""Who sees whom on the people pages: admins everyone, a manager their own reports (read
only), a rep nobody (404, so the pages' existence leaks nothing)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.permissions import is_admin

NO_MANAGER = "none"  # the roster's team filter: reps who report to nobody (no coach)


def people_roster_for(
    *, user: User, q: str = "", role: str = "", team: str = "", active: str = ""
) -> QuerySet[User]:
    """The roster ``user`` may read, filtered, with each person's manager joined.

    ``team`` is a manager's id or ``NO_MANAGER``; ``active`` is "" (active people),
    "inactive" or "all". A manager gets their current reports whatever the filters say of
    teams. Raises Http404 for a rep.
    """
    if not user.is_authenticated or not (is_admin(user) or user.is_manager):
        raise Http404("No such page.")
    people = User.objects.select_related("manager").order_by("first_name", "last_name", "username")
    if is_admin(user):
        if team == NO_MANAGER:
            people = people.filter(manager__isnull=True, role=User.Role.REP)
        elif team:
            people = people.filter(manager_id=team)
        if active == "inactive":
            people = people.filter(is_active=False)
        elif active != "all":
            people = people.filter(is_active=True)
    else:
        people = people.filter(manager=user, is_active=True)
    if role:
        people = people.filter(role=role)
    if q := q.strip():
        people = people.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
        )
    return people


def person_for_people(*, user: User, person_id: int) -> User:
    """One person as the people pages show them: anyone for an admin (deactivated too), a
    current report for their manager. Http404 for everyone else."""
    person = User.objects.select_related("manager").filter(pk=person_id).first()
    if person is None or not user.is_authenticated:
        raise Http404("No such person.")
    if is_admin(user):
        return person
    if user.is_manager and person.manager_id == user.pk and person.is_active:
        return person
    raise Http404("No such person.")


def reports_of(*, person: User) -> QuerySet[User]:
    """The people who report to ``person`` now."""
    return User.objects.filter(manager=person, is_active=True).order_by(
        "first_name", "last_name", "username"
    )
