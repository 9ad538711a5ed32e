"""Reads about people, scoped to whoever asks."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import AuditEvent, User
from accounts.permissions import can_view_person, is_admin


def people_visible_to(*, user: User) -> QuerySet[User]:
    """The people whose progress and coaching ``user`` may see: self, team, or everyone."""
    people = User.objects.active()
    if is_admin(user):
        return people
    if user.is_manager:
        return people.filter(Q(pk=user.pk) | Q(manager=user))
    return people.filter(pk=user.pk)


def team_of(*, manager: User) -> QuerySet[User]:
    """A manager's direct reports (everyone but admins, for an admin)."""
    if is_admin(manager):
        return User.objects.active().exclude(role=User.Role.ADMIN)
    return User.objects.active().filter(manager=manager)


def person_for(*, user: User, person_id: int) -> User:
    """Fetch a person and check ``user`` may see them; 404 otherwise so ids leak nothing."""
    person = User.objects.active().filter(pk=person_id).first()
    if person is None or not can_view_person(user, person):
        raise Http404("No such person.")
    return person


def report_for(*, user: User, person_id: int) -> User:
    """One of ``user``'s people as their manager sees them: a current direct report (for an
    admin, anyone but admins). Http404 for everyone else, a former report included."""
    person = None
    if user.is_authenticated and (is_admin(user) or user.is_manager):
        person = team_of(manager=user).select_related("manager").filter(pk=person_id).first()
    if person is None:
        raise Http404("No such person in your team.")
    return person


def audit_events_for(
    *,
    user: User,
    actor: str = "",
    action: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """The audit trail, newest first, filtered; the days are whole days in ``user``'s time zone,
    both included. Admins only: Http404 for anyone else, so the page's existence leaks nothing."""
    if not (user.is_authenticated and is_admin(user)):
        raise Http404("No such page.")
    events = AuditEvent.objects.all()
    if actor:
        events = events.filter(actor_name__iexact=actor.strip())
    if action:
        events = events.filter(action=action)
    if since:
        events = events.filter(at__gte=_start_of(since, user))
    if until:
        events = events.filter(at__lt=_start_of(until + dt.timedelta(days=1), user))
    return events


def _start_of(day: dt.date, user: User) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=user.tzinfo)


def reps_without_manager() -> QuerySet[User]:
    """Active reps nobody coaches: their manager left, or they were never given one."""
    return User.objects.active_reps().filter(manager__isnull=True).order_by("last_name", "pk")
