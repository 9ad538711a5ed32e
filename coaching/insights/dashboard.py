"""The team dashboard (DESIGN §8): the heat map of skills, where coaching time pays most, and
the team's KPIs, overdue follow-ups, decay risk and retention, put together for one team.

Whose team is shown is decided in one place, ``dashboard_owner_for``: a manager sees their
direct reports, an admin any manager's team (or everyone), a rep nothing (404). Every read
here costs a fixed number of queries however many reps and skills there are, and the whole
is cached per team as data (``coaching.insights.cache``); the page renders it per request.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sized
from dataclasses import dataclass, field

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from accounts.models import User
from accounts.permissions import is_admin
from accounts.selectors import team_of
from coaching.insights.cache import team_cached
from coaching.insights.kpis import (
    CoachingKpis,
    DecayRisk,
    FollowUps,
    coaching_kpis,
    team_decay_risks,
    team_follow_ups,
)
from coaching.insights.matrix import (
    RecommendedAction,
    SkillRow,
    team_skill_matrix,
    team_skill_matrix_cached,
)
from coaching.insights.retention import RetentionSeries, team_retention_series
from coaching.models import SkillMemory
from coaching.sessions.deferred import BudgetOverview, budget_overview
from coaching.sessions.pairing import (
    ActivePairing,
    Proposal,
    mentor_choices,
    mentoring_overview,
)
from coaching.skills.rules import Diagnosis, Stage
from lms.models import Skill

STAGE_ORDER = [Stage.INTRODUCED, Stage.LEARNED, Stage.APPLIED, Stage.MASTERED]
DIAGNOSIS_ORDER = {
    Diagnosis.TRAINING_GAP: 0,
    Diagnosis.COACHING_GAP: 1,
    Diagnosis.PRACTICE_GAP: 2,
    Diagnosis.NONE: 3,
}


# --- scope ------------------------------------------------------------------------------------


def dashboard_owner_for(*, user: User, manager_id: str | int | None = None) -> User:
    """Whose team a dashboard shows.

    A manager: their own (``manager_id`` may only name themselves). An admin: the active
    manager named by ``manager_id``, or without one the admin, whose team is everyone. Http404
    for a rep, for another manager's id, and for an id that is not an active manager.
    """
    if not user.is_authenticated or not (is_admin(user) or user.is_manager):
        raise Http404("No such dashboard.")
    if manager_id is None or manager_id == "":
        return user
    try:
        pk = int(manager_id)
    except (TypeError, ValueError):
        raise Http404("No such manager.") from None
    if not is_admin(user):
        if pk == user.pk:
            return user
        raise Http404("No such manager.")
    owner = User.objects.filter(pk=pk, is_active=True, role=User.Role.MANAGER).first()
    if owner is None:
        raise Http404("No such manager.")
    return owner


# --- the heat map and where coaching pays most --------------------------------------------------


def _number(value: float | None) -> str:
    return "—" if value is None else f"{round(value)}"


@dataclass(frozen=True)
class HeatCell:
    """A heat-map cell as plain values, every text it shows worked out once when the cached
    dashboard is built: the page renders flat values, and the cached entry holds no model
    instances or enums per cell, which would cost their unpickling on every request."""

    rep_name: str
    skill_name: str
    stage: str
    stage_label: str
    diagnosis: str
    diagnosis_label: str
    flagged: bool  # a gap to act on
    summary: str  # one line for a tooltip: the diagnosis and the numbers behind it
    data_cell: str  # "username:skill-slug", for finding the cell
    action: RecommendedAction | None
    act_url: str  # where its action posts; "" without one
    url: str  # the rep's page, at this skill: where its details and action are

    @classmethod
    def of(cls, row: SkillRow) -> HeatCell:
        retention = "—" if row.retention is None else f"{round(row.retention * 100)} %"
        return cls(
            rep_name=str(row.rep),
            skill_name=row.skill.name,
            stage=str(row.stage),
            stage_label=capfirst(str(row.stage)),
            diagnosis=str(row.diagnosis),
            diagnosis_label=row.diagnosis_label,
            flagged=row.diagnosis != Diagnosis.NONE,
            summary=(
                f"{row.rep} · {row.skill.name}: {row.diagnosis_label} · "
                f"{row.stage.value} · knowledge {_number(row.knowledge)} · "
                f"application {_number(row.application)} · retention {retention}"
            ),
            data_cell=f"{row.rep.username}:{row.skill.slug}",
            action=row.action,
            act_url=(
                reverse("coaching:dashboard_act", args=[row.rep.pk, row.skill.pk])
                if row.action is not None
                else ""
            ),
            url=f"{reverse('coaching:rep', args=[row.rep.pk])}#skill-{row.skill.slug}",
        )


@dataclass
class Standing:
    """A rep's place in the team by mean knowledge and application (0-100)."""

    rep: User
    score: float
    middle: bool = False  # neither top nor bottom quartile: coaching time returns most
    reason: str = ""


@dataclass
class HeatRow:
    rep: User
    cells: list[HeatCell | None]  # one per skill column; None: no evidence
    standing: Standing | None
    url: str = ""  # the rep's page


@dataclass
class HeatMap:
    skills: list[Skill]
    rows: list[HeatRow]
    stages: list[Stage] = field(default_factory=lambda: list(STAGE_ORDER))


def _row_score(row: SkillRow) -> float | None:
    numbers = [n for n in (row.knowledge, row.application) if n is not None]
    return sum(numbers) / len(numbers) if numbers else None


def _middle_reason(rows: list[SkillRow]) -> str:
    """Why coaching this rep pays: their most coachable skill, in one line."""

    def first(diagnosis: Diagnosis) -> SkillRow | None:
        found = [row for row in rows if row.diagnosis == diagnosis]
        return min(found, key=lambda r: (r.application or 0, r.skill.name)) if found else None

    coaching = first(Diagnosis.COACHING_GAP)
    if coaching is not None:
        return (
            f"Knows {coaching.skill.name} (knowledge {_number(coaching.knowledge)}) but applies "
            f"it at {_number(coaching.application)}: coaching turns it into results."
        )
    practice = first(Diagnosis.PRACTICE_GAP)
    if practice is not None:
        return f"{practice.skill.name} is uneven: practice with feedback steadies it."
    below = [row for row in rows if row.stage != Stage.MASTERED]
    if below:
        nearest = max(below, key=lambda r: (_row_score(r) or 0, r.skill.name))
        following = STAGE_ORDER[STAGE_ORDER.index(nearest.stage) + 1]
        return f"Closest to {following.value} on {nearest.skill.name}: a session could tip it."
    return "Solid across the board: coaching keeps it that way."


def team_standings(*, rows: list[SkillRow]) -> dict[int, Standing]:
    """Each rep's standing; the middle of the team (not the top or bottom quartile, with at
    least three reps scored) is flagged as the best return on coaching time: the strongest
    need it least, the weakest need training first."""
    by_rep: dict[int, list[SkillRow]] = defaultdict(list)
    for row in rows:
        by_rep[row.rep.pk].append(row)
    standings = {}
    for rep_id, rep_rows in by_rep.items():
        scores = [s for s in (_row_score(row) for row in rep_rows) if s is not None]
        if scores:
            standings[rep_id] = Standing(rep=rep_rows[0].rep, score=sum(scores) / len(scores))
    ranked = sorted(standings.values(), key=lambda s: (s.score, s.rep.username))
    if len(ranked) >= 3:
        cut = max(1, len(ranked) // 4)
        for standing in ranked[cut : len(ranked) - cut]:
            standing.middle = True
            standing.reason = _middle_reason(by_rep[standing.rep.pk])
    return standings


def team_heat_map(*, team: list[User], rows: list[SkillRow]) -> HeatMap:
    skills = sorted({row.skill for row in rows}, key=lambda s: (s.name, s.pk))
    column = {skill.pk: index for index, skill in enumerate(skills)}
    cells: dict[int, list[HeatCell | None]] = {rep.pk: [None] * len(skills) for rep in team}
    for row in rows:
        if row.rep.pk in cells:
            cells[row.rep.pk][column[row.skill.pk]] = HeatCell.of(row)
    standings = team_standings(rows=rows)
    return HeatMap(
        skills=skills,
        rows=[
            HeatRow(
                rep=rep,
                cells=cells[rep.pk],
                standing=standings.get(rep.pk),
                url=reverse("coaching:rep", args=[rep.pk]),
            )
            for rep in team
        ],
    )


# --- peer mentoring's proposals -------------------------------------------------------------------


@dataclass(frozen=True)
class ProposalRow:
    """A proposed pair as the dashboard lists it, as plain values worked out once when the
    cached dashboard is built (like ``HeatCell``): its words, links and element names."""

    key: str  # "<mentee id>-<skill id>": names the row and the element its decision replaces
    mentor_name: str
    mentor_username: str
    mentee_name: str
    mentee_username: str
    skill_name: str
    skill_slug: str
    reason_mentor: str  # how the reason names the mentor: their first name, or username
    reason_mentee: str
    mentor_stage: str  # "Applied"
    mentee_diagnosis: str  # "coaching gap"
    mentee_url: str
    approve_url: str
    decline_url: str

    @classmethod
    def of(cls, proposal: Proposal) -> ProposalRow:
        mentor, mentee, skill = proposal.mentor, proposal.mentee, proposal.skill
        ids = [mentee.pk, skill.pk, mentor.pk]
        return cls(
            key=f"{mentee.pk}-{skill.pk}",
            mentor_name=str(mentor),
            mentor_username=mentor.username,
            mentee_name=str(mentee),
            mentee_username=mentee.username,
            skill_name=skill.name,
            skill_slug=skill.slug,
            reason_mentor=mentor.first_name or mentor.username,
            reason_mentee=mentee.first_name or mentee.username,
            mentor_stage=capfirst(str(proposal.mentor_stage)),
            mentee_diagnosis=proposal.mentee_diagnosis_label,
            mentee_url=reverse("coaching:rep", args=[mentee.pk]),
            approve_url=reverse("coaching:pairing_approve", args=ids),
            decline_url=reverse("coaching:pairing_decline", args=ids),
        )


# --- the dashboard ------------------------------------------------------------------------------


# The dashboard lists the most urgent actions only: a manager acts on a handful at a time, and
# each rep's page lists all of theirs. So with decay risk: the weakest skills, and the team page
# lists every rep's.
RECOMMENDATIONS_SHOWN = 10
DECAY_SHOWN = 10


def left_out(items: Sized, *, shown: int) -> int:
    """How many of ``items`` a list showing the first ``shown`` of them leaves out."""
    return max(0, len(items) - shown)


@dataclass
class TeamDashboard:
    owner: User  # whose team: a manager, or an admin for everyone
    team: list[User]
    heat_map: HeatMap
    recommendations: list[HeatCell]  # the cells with an action, training gaps first
    kpis: CoachingKpis
    follow_ups: FollowUps
    decay: list[DecayRisk]
    retention: RetentionSeries
    # The manager's weeks against their coaching budget and what did not fit (None for an
    # admin's everyone), and peer mentoring's proposed pairs and pairings at work: the deferred
    # items and the pairing decisions bump the team's versions like any other evidence.
    budget: BudgetOverview | None
    proposals: list[ProposalRow]
    pairings: list[ActivePairing]

    @property
    def recommendations_shown(self) -> list[HeatCell]:
        return self.recommendations[:RECOMMENDATIONS_SHOWN]

    @property
    def recommendations_hidden(self) -> int:
        return left_out(self.recommendations, shown=RECOMMENDATIONS_SHOWN)

    @property
    def decay_shown(self) -> list[DecayRisk]:
        return self.decay[:DECAY_SHOWN]

    @property
    def decay_hidden(self) -> int:
        return left_out(self.decay, shown=DECAY_SHOWN)

    @property
    def best_return(self) -> list[HeatRow]:
        """The rows of the reps in the middle of the team, with their standing's reason."""
        return [row for row in self.heat_map.rows if row.standing and row.standing.middle]


def team_dashboard(
    *, owner: User, now: dt.datetime | None = None, rows: list[SkillRow] | None = None
) -> TeamDashboard:
    """Everything on the team dashboard of ``owner`` (from ``dashboard_owner_for``); ``rows``
    is the team's skill matrix when the caller has it already."""
    now = now or timezone.now()
    team = list(team_of(manager=owner).order_by("username"))
    rep_ids = [rep.pk for rep in team]
    if rows is None:
        rows = team_skill_matrix(manager=owner, now=now)
    memories = list(SkillMemory.objects.filter(rep_id__in=rep_ids).select_related("skill"))
    # One instance per person and skill across the dashboard: the cached entry pickles each once.
    matrix_reps = {row.rep.pk: row.rep for row in rows}
    team = [matrix_reps.get(rep.pk, rep) for rep in team]
    by_pk = {rep.pk: rep for rep in team}
    skills = {row.skill.pk: row.skill for row in rows}
    for memory in memories:
        memory.rep = by_pk[memory.rep_id]
        memory.skill = skills.setdefault(memory.skill_id, memory.skill)
    heat_map = team_heat_map(team=team, rows=rows)
    cells = {cell.data_cell: cell for heat_row in heat_map.rows for cell in heat_row.cells if cell}
    acted_on = sorted(
        (row for row in rows if row.action is not None and row.rep.pk in by_pk),
        key=lambda row: (DIAGNOSIS_ORDER[row.diagnosis], row.rep.username, row.skill.name),
    )
    recommendations = [cells[f"{row.rep.username}:{row.skill.slug}"] for row in acted_on]
    _, kpis = coaching_kpis(groups=dict.fromkeys(rep_ids, owner.pk), now=now)
    # Who could mentor whom, read once for both the budget's alternatives and the proposals.
    mentors = mentor_choices(
        mentees=[rep for rep in team if rep.role == User.Role.REP], now=now, with_skills=True
    )
    mentoring = mentoring_overview(manager=owner, now=now, choices=mentors)
    return TeamDashboard(
        owner=owner,
        team=team,
        heat_map=heat_map,
        recommendations=recommendations,
        kpis=kpis,
        follow_ups=team_follow_ups(rep_ids=rep_ids, now=now),
        decay=team_decay_risks(memories=memories, now=now),
        retention=team_retention_series(rep_ids=rep_ids, memories=memories, now=now),
        budget=budget_overview(manager=owner, now=now, choices=mentors)
        if owner.is_manager
        else None,
        proposals=[ProposalRow.of(proposal) for proposal in mentoring.proposals],
        pairings=mentoring.active,
    )


def team_dashboard_cached(*, owner: User) -> TeamDashboard:
    """``team_dashboard`` as of now, from the team cache while nothing it reads changed
    (``coaching.insights.cache``). The matrix, the heat map and the replay of review history
    behind the retention series are computed once per entry; what differs between viewers
    (their notifications, the CSRF token, the time zone dates render in) is never in it."""
    return team_cached(
        owner=owner,
        kind="dashboard",
        build=lambda: team_dashboard(owner=owner, rows=team_skill_matrix_cached(manager=owner)),
    )
