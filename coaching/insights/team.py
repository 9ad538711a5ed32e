"""A manager's people at a glance (the team page): each rep's skills by stage, gaps, decay risk,
next session and open commitments, searchable and filtered by risk and stage.

Skills and risk come from the cached team dashboard (``team_dashboard_cached``), so the team
page and the dashboard always agree and cost the same; sessions and commitments are read fresh
for the reps shown, in two queries however many there are. Whose team it is comes from
``dashboard_owner_for``: the caller's current direct reports, or for an admin everyone's.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from accounts.availability import Away, time_off_current
from accounts.models import User
from coaching.insights.dashboard import STAGE_ORDER, HeatRow, team_dashboard_cached
from coaching.insights.kpis import DecayRisk
from coaching.models import CoachingSession, Commitment
from coaching.skills.rules import Stage

RISKS = ("high", "medium", "none")
# Time off starting within this many days shows on the roster ("Away 24-28 Dec").
AWAY_SHOWN_DAYS = 30


@dataclass
class RosterRow:
    rep: User
    url: str
    stages: list[tuple[Stage, int]]  # how many skills at each stage, in stage order
    gaps: list[str]  # "Closing: coaching gap", for each skill with a gap to act on
    risk: str  # high, medium or none: the worst decay risk among the rep's skills
    fading: list[DecayRisk]  # the skills behind that risk, weakest first
    manager: User | None = None
    next_session: CoachingSession | None = None
    open_commitments: int = 0
    overdue_commitments: int = 0
    away: Away | None = None  # time off now or within AWAY_SHOWN_DAYS

    @property
    def skill_count(self) -> int:
        return sum(count for _, count in self.stages)


@dataclass
class Roster:
    owner: User
    rows: list[RosterRow]  # everyone in the team who matches the filters, by name
    team_size: int
    risk_counts: dict[str, int] = field(default_factory=dict)


def _risk_of(fading: list[DecayRisk]) -> str:
    if any(risk.level == "high" for risk in fading):
        return "high"
    return "medium" if fading else "none"


def _matches(rep: User, words: list[str]) -> bool:
    haystack = " ".join(
        (rep.username, rep.first_name, rep.last_name, rep.get_full_name(), rep.email)
    ).casefold()
    return all(word in haystack for word in words)


def _row(heat_row: HeatRow, fading: list[DecayRisk]) -> RosterRow:
    cells = [cell for cell in heat_row.cells if cell is not None]
    stages = Counter(cell.stage for cell in cells)
    return RosterRow(
        rep=heat_row.rep,
        url=heat_row.url,
        stages=[(stage, stages[stage]) for stage in STAGE_ORDER],
        gaps=[
            f"{cell.skill_name}: {cell.diagnosis_label.lower()}" for cell in cells if cell.flagged
        ],
        risk=_risk_of(fading),
        fading=fading,
    )


def team_roster(*, owner: User, search: str = "", risk: str = "", stage: str = "") -> Roster:
    """``owner``'s team as roster rows, filtered: ``search`` matches every word against name,
    username and email; ``risk`` is one of ``RISKS``; ``stage`` keeps reps with at least one
    skill at that stage. An admin's own view (everyone) lists reps only."""
    data = team_dashboard_cached(owner=owner)
    fading: dict[int, list[DecayRisk]] = {}
    for decay in data.decay:
        fading.setdefault(decay.rep.pk, []).append(decay)
    heat_rows = data.heat_map.rows
    if owner.is_org_admin:
        heat_rows = [heat_row for heat_row in heat_rows if heat_row.rep.is_rep]
    rows = [_row(heat_row, fading.get(heat_row.rep.pk, [])) for heat_row in heat_rows]
    risk_counts = Counter(row.risk for row in rows)
    words = search.casefold().split()
    if words:
        rows = [row for row in rows if _matches(row.rep, words)]
    if risk:
        rows = [row for row in rows if row.risk == risk]
    if stage:
        rows = [row for row in rows if dict(row.stages).get(Stage(stage))]
    return Roster(
        owner=owner,
        rows=rows,
        team_size=len(heat_rows),
        risk_counts={name: risk_counts.get(name, 0) for name in RISKS},
    )


def roster_add_coaching(rows: Sequence[RosterRow], *, now: dt.datetime | None = None) -> None:
    """Fill in each row's manager, next session, open commitments and time off now or coming
    soon: four queries for all the rows."""
    now = now or timezone.now()
    by_rep = {row.rep.pk: row for row in rows}
    if not by_rep:
        return
    managers = User.objects.in_bulk({row.rep.manager_id for row in rows if row.rep.manager_id})
    for row in rows:
        row.manager = managers.get(row.rep.manager_id)
    for session in (
        CoachingSession.objects.upcoming(now=now)
        .filter(rep_id__in=by_rep)
        .select_related("coach")
        .order_by("rep_id", "scheduled_for")
    ):
        row = by_rep[session.rep_id]
        if row.next_session is None:
            row.next_session = session
    today = timezone.localdate(now)
    for rep_id, open_count, overdue in (
        Commitment.objects.open()
        .filter(rep_id__in=by_rep)
        .order_by()
        .values("rep_id")
        .annotate(open_count=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
        .values_list("rep_id", "open_count", "overdue")
    ):
        by_rep[rep_id].open_commitments = open_count
        by_rep[rep_id].overdue_commitments = overdue
    soon = today + dt.timedelta(days=AWAY_SHOWN_DAYS)
    for rep_id, periods in time_off_current(user_ids=by_rep, today=today).items():
        by_rep[rep_id].away = next((away for away in periods if away.start <= soon), None)
