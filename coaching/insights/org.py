"""The organisation at a glance, for admins: coaching KPIs per team and in total, who has
nobody coaching them, and every rep's skill rows with their managers (DESIGN §8).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404

from accounts.models import User
from accounts.permissions import is_admin
from accounts.selectors import team_of
from coaching.insights.kpis import CoachingKpis, coaching_kpis
from coaching.insights.matrix import SkillRow, team_skill_matrix


@dataclass
class TeamKpis:
    manager: User
    kpis: CoachingKpis

    @property
    def has_dashboard(self) -> bool:
        return self.manager.is_active and self.manager.role == User.Role.MANAGER


@dataclass
class OrgOverview:
    teams: list[TeamKpis]  # one per manager, managers with nobody reporting included
    total: CoachingKpis
    without_manager: list[User]  # nobody coaches them: no manager, or theirs has left


def _ensure_admin(user: User) -> None:
    if not is_admin(user):
        raise Http404("No such page.")


def org_overview(*, user: User, now: dt.datetime | None = None) -> OrgOverview:
    """The organisation's KPIs, per team and in total; admins only (Http404 otherwise)."""
    _ensure_admin(user)
    # Everyone who is coached: reps, and anyone else who reports to someone (a team lead).
    people = [
        person
        for person in team_of(manager=user).select_related("manager").order_by("username")
        if person.is_rep or person.manager_id is not None
    ]
    groups = {
        person.pk: person.manager_id if person.manager and person.manager.is_active else None
        for person in people
    }
    per_team, total = coaching_kpis(groups=groups, now=now)
    managers = {
        manager.pk: manager
        for manager in User.objects.filter(
            Q(role=User.Role.MANAGER, is_active=True) | Q(pk__in=[k for k in per_team if k])
        )
    }
    teams = [
        TeamKpis(manager=manager, kpis=per_team.get(manager.pk, CoachingKpis()))
        for manager in sorted(managers.values(), key=lambda m: (str(m).lower(), m.pk))
    ]
    return OrgOverview(
        teams=teams,
        total=total,
        without_manager=[person for person in people if groups[person.pk] is None],
    )


@dataclass
class OrgMatrix:
    rows: list[SkillRow]
    managers: dict[int, User]  # by id, for the rows' reps' managers


def org_skill_matrix(*, user: User, now: dt.datetime | None = None) -> OrgMatrix:
    """Every rep × skill row of the organisation, with their managers; admins only."""
    _ensure_admin(user)
    rows = team_skill_matrix(manager=user, now=now)
    managers = User.objects.in_bulk({row.rep.manager_id for row in rows} - {None})
    return OrgMatrix(rows=rows, managers=managers)
