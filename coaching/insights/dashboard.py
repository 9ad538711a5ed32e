"""Dashboard reads (DESIGN §8): a team's coaching KPIs, overdue follow-ups and commitments,
decay risk, retention per skill over time, the heat map and where coaching time pays most;
and the organisation's view of every team.

Whose team is shown is decided in one place, ``dashboard_owner_for``: a manager sees their
direct reports, an admin any manager's team (or everyone), a rep nothing (404). Every read
here costs a fixed number of queries however many reps and skills there are.
"""

from __future__ import annotations

import datetime as dt
import statistics
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from fsrs import Card

from accounts.models import User
from accounts.permissions import can_coach, is_admin
from accounts.selectors import team_of
from coaching.insights.cache import team_cached
from coaching.insights.matrix import SkillRow, team_skill_matrix, team_skill_matrix_cached
from coaching.models import (
    CoachingSession,
    Commitment,
    Observation,
    Reinforcement,
    ReinforcementAnswer,
    SkillMemory,
)
from coaching.skills.memory import (
    memory_card,
    memory_scheduler,
    rating_for_observation,
    ratings_by_skill,
    retention_forecast,
)
from coaching.skills.rules import Diagnosis, Stage
from coaching.web.charts import retention_chart_svg
from lms.models import AttemptAnswer, ModuleCompletion, Skill

# Completions, and commitments resolved, this far back count towards the KPIs.
KPI_WINDOW = dt.timedelta(days=90)
# Sessions per rep are counted over the last month.
SESSIONS_WINDOW = dt.timedelta(days=30)
# A missed commitment stays on the overdue list this long after it was marked missed.
MISSED_COMMITMENT_WINDOW = dt.timedelta(days=14)
DECAY_HORIZON = dt.timedelta(days=7)
CHART_WEEKS_BACK = 8
CHART_WEEKS_AHEAD = 4
# Lists on a page show at most this many rows; the count says how many there are.
LIST_LIMIT = 50

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


def recommendation_for(*, user: User, rep_id: int, skill_id: int) -> SkillRow:
    """The matrix row of one rep and skill, for acting on its recommendation.

    Only the rep's coach (their manager) or an admin: Http404 for anyone else, for a rep who
    left, and for a skill the rep has no evidence on.
    """
    rep = User.objects.select_related("manager").filter(pk=rep_id, is_active=True).first()
    if rep is None or not can_coach(user, rep):
        raise Http404("No such rep.")
    # The rep's manager's team holds the rep; a rep without one is in an admin's (everyone).
    owner = rep.manager if rep.manager_id else user
    for row in team_skill_matrix(manager=owner):
        if row.rep.pk == rep.pk and row.skill.pk == skill_id:
            return row
    raise Http404("No such skill for this rep.")


# --- KPIs -------------------------------------------------------------------------------------


def _hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


@dataclass
class CoachingKpis:
    """How quickly and how well training turns into coaching, for a group of reps.

    - hours to coaching: from a module completion to the start of the first session held
      with the rep after it (any session: a follow-up, one booked by hand, a decay session);
    - booking lead: from the completion to the time its follow-up was booked for;
    - coached on time: completions coached within ``COACHING_FOLLOW_UP_HOURS``, out of those
      whose verdict is in (coached, or not coached and older than that);
    - commitments kept: kept out of kept and missed, resolved in the window;
    - sessions per rep per month: sessions held in the last 30 days, per rep.
    """

    reps: int = 0
    completions: int = 0
    hours_to_coaching: list[float] = field(default_factory=list)
    booking_leads: list[float] = field(default_factory=list)
    decided: int = 0
    on_time: int = 0
    commitments_kept: int = 0
    commitments_resolved: int = 0
    sessions_held: int = 0

    @property
    def coached(self) -> int:
        return len(self.hours_to_coaching)

    @property
    def median_hours_to_coaching(self) -> float | None:
        return _median(self.hours_to_coaching)

    @property
    def median_booking_lead_hours(self) -> float | None:
        return _median(self.booking_leads)

    @property
    def coached_on_time_percent(self) -> int | None:
        return _percent(self.on_time, self.decided)

    @property
    def commitments_kept_percent(self) -> int | None:
        return _percent(self.commitments_kept, self.commitments_resolved)

    @property
    def sessions_per_rep_month(self) -> float | None:
        return round(self.sessions_held / self.reps, 1) if self.reps else None

    @property
    def target_hours(self) -> int:
        return settings.COACHING_FOLLOW_UP_HOURS


def coaching_kpis(
    *, groups: Mapping[int, Hashable], now: dt.datetime | None = None
) -> tuple[dict[Hashable, CoachingKpis], CoachingKpis]:
    """KPIs per group and for all of them together; ``groups`` maps rep id → group key.

    Three queries, however many reps and groups.
    """
    now = now or timezone.now()
    since = now - KPI_WINDOW
    rep_ids = list(groups)
    per_group: dict[Hashable, CoachingKpis] = defaultdict(CoachingKpis)
    total = CoachingKpis()

    def targets(rep_id: int) -> tuple[CoachingKpis, CoachingKpis]:
        return per_group[groups[rep_id]], total

    for rep_id in rep_ids:
        for kpis in targets(rep_id):
            kpis.reps += 1

    held: dict[int, list[dt.datetime]] = defaultdict(list)
    for rep_id, start in CoachingSession.objects.filter(
        rep_id__in=rep_ids,
        status=CoachingSession.Status.HELD,
        scheduled_for__gte=since,
        scheduled_for__lte=now,
    ).values_list("rep_id", "scheduled_for"):
        held[rep_id].append(start)
        if start >= now - SESSIONS_WINDOW:
            for kpis in targets(rep_id):
                kpis.sessions_held += 1
    for starts in held.values():
        starts.sort()

    target = dt.timedelta(hours=settings.COACHING_FOLLOW_UP_HOURS)
    for rep_id, completed_at, booked_for in ModuleCompletion.objects.filter(
        user_id__in=rep_ids, completed_at__gte=since, completed_at__lte=now
    ).values_list("user_id", "completed_at", "follow_up_session__scheduled_for"):
        starts = held.get(rep_id, [])
        index = bisect_left(starts, completed_at)
        first_held = starts[index] if index < len(starts) else None
        for kpis in targets(rep_id):
            kpis.completions += 1
            if booked_for is not None:
                kpis.booking_leads.append(_hours(booked_for - completed_at))
            if first_held is not None:
                waited = first_held - completed_at
                kpis.hours_to_coaching.append(_hours(waited))
                kpis.decided += 1
                kpis.on_time += int(waited <= target)
            elif now - completed_at > target:
                kpis.decided += 1

    for rep_id, status in Commitment.objects.filter(
        rep_id__in=rep_ids,
        status__in=[Commitment.Status.KEPT, Commitment.Status.MISSED],
        resolved_at__gte=since,
        resolved_at__lte=now,
    ).values_list("rep_id", "status"):
        for kpis in targets(rep_id):
            kpis.commitments_resolved += 1
            kpis.commitments_kept += int(status == Commitment.Status.KEPT)
    return dict(per_group), total


# --- overdue follow-ups and commitments ---------------------------------------------------------


@dataclass
class FollowUps:
    # Scheduled sessions that have ended but are not recorded as held.
    not_recorded: list[CoachingSession]
    # Missed sessions with nothing booked or held after them.
    not_rebooked: list[CoachingSession]
    # Sessions still ahead that were booked after the follow-up window.
    late: list[CoachingSession]
    # Open commitments past their due date, and ones marked missed lately.
    commitments: list[Commitment]

    @property
    def count(self) -> int:
        return (
            len(self.not_recorded) + len(self.not_rebooked) + len(self.late) + len(self.commitments)
        )


def _sessions_of(rep_ids: list[int]):
    return CoachingSession.objects.filter(rep_id__in=rep_ids).select_related(
        "rep", "coach", "module", "focus_skill"
    )


def team_follow_ups(*, rep_ids: list[int], now: dt.datetime | None = None) -> FollowUps:
    """What the team's coaching is behind on. Four queries."""
    now = now or timezone.now()
    scheduled = CoachingSession.Status.SCHEDULED
    ended = [
        session
        for session in _sessions_of(rep_ids)
        .filter(status=scheduled, scheduled_for__lt=now)
        .order_by("scheduled_for")[:LIST_LIMIT]
        if session.scheduled_for + dt.timedelta(minutes=session.duration_minutes) <= now
    ]
    booked_after = CoachingSession.objects.filter(
        rep_id=OuterRef("rep_id"),
        scheduled_for__gt=OuterRef("scheduled_for"),
        status__in=[scheduled, CoachingSession.Status.HELD],
    )
    not_rebooked = list(
        _sessions_of(rep_ids)
        .filter(status=CoachingSession.Status.MISSED)
        .filter(~Exists(booked_after))
        .order_by("-scheduled_for")[:LIST_LIMIT]
    )
    late = list(
        _sessions_of(rep_ids)
        .filter(status=scheduled, late=True, scheduled_for__gte=now)
        .order_by("scheduled_for")[:LIST_LIMIT]
    )
    today = timezone.localdate(now)
    commitments = list(
        Commitment.objects.filter(rep_id__in=rep_ids)
        .filter(
            Q(status=Commitment.Status.OPEN, due_date__lt=today)
            | Q(status=Commitment.Status.MISSED, resolved_at__gte=now - MISSED_COMMITMENT_WINDOW)
        )
        .select_related("rep", "skill")
        .order_by("due_date", "pk")[:LIST_LIMIT]
    )
    return FollowUps(
        not_recorded=ended, not_rebooked=not_rebooked, late=late, commitments=commitments
    )


# --- decay risk ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecayRisk:
    rep: User
    skill: Skill
    retention_now: float  # 0-1
    retention_next_week: float  # 0-1, forecast DECAY_HORIZON ahead
    next_due_at: dt.datetime | None

    @property
    def level(self) -> str:
        """high: coaching steps in by then; medium: a reinforcement is due by then."""
        return "high" if self.retention_next_week < settings.DECAY_COACHING_RECALL else "medium"


def team_decay_risks(
    *, memories: Iterable[SkillMemory], now: dt.datetime | None = None
) -> list[DecayRisk]:
    """Skills whose forecast recall falls below the reinforcement target within a week,
    weakest next week first."""
    now = now or timezone.now()
    target = settings.REINFORCEMENT_TARGET_RECALL
    risks = []
    for memory in memories:
        if not memory.state:
            continue
        later = retention_forecast(memory=memory, at=now + DECAY_HORIZON)
        if later >= target:
            continue
        risks.append(
            DecayRisk(
                rep=memory.rep,
                skill=memory.skill,
                retention_now=retention_forecast(memory=memory, at=now),
                retention_next_week=later,
                next_due_at=memory.next_due_at,
            )
        )
    risks.sort(key=lambda r: (r.retention_next_week, r.retention_now, r.rep.username, r.skill.name))
    return risks


# --- retention over time ------------------------------------------------------------------------


@dataclass
class RetentionLine:
    skill: Skill
    values: list[float | None]  # mean forecast recall (0-1) at each point; None: no data


@dataclass
class RetentionSeries:
    points: list[dt.datetime]  # weekly, oldest first
    now_index: int  # points after this one are forecasts
    lines: list[RetentionLine]

    @property
    def week_offsets(self) -> list[int]:
        return [index - self.now_index for index in range(len(self.points))]


def _card_history(
    rep_ids: list[int],
) -> dict[tuple[int, int], tuple[list[dt.datetime], list[Card]]]:
    """Each (rep, skill)'s FSRS card after each piece of evidence, replayed in time order by
    the rules that feed skill memory (docs/skills.md §1). Three queries.

    The stored state is only the latest card; the chart's past needs the cards before it.
    """
    events: dict[int, list[tuple[dt.datetime, int, int, object]]] = defaultdict(list)
    completing = ModuleCompletion.objects.filter(user_id__in=rep_ids).values("attempt_id")
    by_attempt: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    attempt_info: dict[int, tuple[int, dt.datetime]] = {}
    for rep_id, attempt_id, submitted_at, skill_id, is_correct in AttemptAnswer.objects.filter(
        attempt__user_id__in=rep_ids,
        attempt__submitted_at__isnull=False,
        attempt_id__in=completing,
    ).values_list(
        "attempt__user_id",
        "attempt_id",
        "attempt__submitted_at",
        "question__skill_id",
        "is_correct",
    ):
        by_attempt[attempt_id].append((skill_id, is_correct))
        attempt_info[attempt_id] = (rep_id, submitted_at)
    for attempt_id, answers in by_attempt.items():
        rep_id, at = attempt_info[attempt_id]
        for skill_id, rating in ratings_by_skill(answers).items():
            events[rep_id].append((at, 0, skill_id, rating))

    by_reinforcement: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    reinforcement_info: dict[int, tuple[int, dt.datetime]] = {}
    for rep_id, reinforcement_id, at, skill_id, is_correct in ReinforcementAnswer.objects.filter(
        reinforcement__rep_id__in=rep_ids,
        reinforcement__status=Reinforcement.Status.ANSWERED,
        reinforcement__answered_at__isnull=False,
    ).values_list(
        "reinforcement__rep_id",
        "reinforcement_id",
        "reinforcement__answered_at",
        "reinforcement__skill_id",
        "is_correct",
    ):
        by_reinforcement[reinforcement_id].append((skill_id, is_correct))
        reinforcement_info[reinforcement_id] = (rep_id, at)
    for reinforcement_id, answers in by_reinforcement.items():
        rep_id, at = reinforcement_info[reinforcement_id]
        for skill_id, rating in ratings_by_skill(answers).items():
            events[rep_id].append((at, 1, skill_id, rating))

    for rep_id, observed_at, skill_id, rubric in Observation.objects.filter(
        rep_id__in=rep_ids
    ).values_list("rep_id", "observed_at", "skill_id", "rating"):
        events[rep_id].append((observed_at, 2, skill_id, rating_for_observation(rubric)))

    scheduler = memory_scheduler()
    history: dict[tuple[int, int], tuple[list[dt.datetime], list[Card]]] = {}
    for rep_id, rep_events in events.items():
        for at, _order, skill_id, rating in sorted(rep_events, key=lambda e: e[:3]):
            at = at.astimezone(dt.UTC)
            times, cards = history.setdefault((rep_id, skill_id), ([], []))
            card = cards[-1] if cards else Card(card_id=skill_id, due=at)
            if card.last_review is not None and at < card.last_review:
                at = card.last_review
            card, _ = scheduler.review_card(card, rating, review_datetime=at)
            times.append(at)
            cards.append(card)
    return history


def team_retention_series(
    *, rep_ids: list[int], memories: Iterable[SkillMemory], now: dt.datetime | None = None
) -> RetentionSeries:
    """Mean forecast recall across the team, per skill, weekly: the last ``CHART_WEEKS_BACK``
    weeks and ``CHART_WEEKS_AHEAD`` ahead. From each skill's latest review on, the stored
    state's forecast (as ``retention_forecast`` gives it); before it, the card as it stood
    then. A rep counts towards a week once they have any evidence on the skill. Three queries.
    """
    now = now or timezone.now()
    points = [
        now + dt.timedelta(weeks=offset)
        for offset in range(-CHART_WEEKS_BACK, CHART_WEEKS_AHEAD + 1)
    ]
    memories = [memory for memory in memories if memory.state]
    if not memories:
        return RetentionSeries(points=points, now_index=CHART_WEEKS_BACK, lines=[])
    history = _card_history(rep_ids)
    scheduler = memory_scheduler()
    # Per memory, the cards in force from each moment: replayed ones before the latest review,
    # then the stored card, whose recall is what ``retention_forecast`` gives.
    timelines: dict[int, list[tuple[list[dt.datetime], list[Card]]]] = defaultdict(list)
    skills: dict[int, Skill] = {}
    for memory in memories:
        stored = memory_card(memory)
        if stored is None or stored.last_review is None:
            continue
        times, cards = history.get((memory.rep_id, memory.skill_id), ([], []))
        keep = bisect_left(times, stored.last_review)
        timelines[memory.skill_id].append(
            ([*times[:keep], stored.last_review], [*cards[:keep], stored])
        )
        skills[memory.skill_id] = memory.skill
    lines = []
    for skill_id, skill_timelines in timelines.items():
        values: list[float | None] = []
        for at in points:
            at_utc = at.astimezone(dt.UTC)
            recalls = []
            for times, cards in skill_timelines:
                index = bisect_right(times, at_utc) - 1
                if index >= 0:
                    recalls.append(float(scheduler.get_card_retrievability(cards[index], at_utc)))
            values.append(sum(recalls) / len(recalls) if recalls else None)
        lines.append(RetentionLine(skill=skills[skill_id], values=values))
    lines.sort(key=lambda line: (line.skill.name, line.skill.pk))
    return RetentionSeries(points=points, now_index=CHART_WEEKS_BACK, lines=lines)


# --- the heat map and where coaching pays most --------------------------------------------------


def _number(value: float | None) -> str:
    return "—" if value is None else f"{round(value)}"


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}" if count else ""


@dataclass(frozen=True)
class HeatCell:
    """A heat-map cell with every text it shows prepared once, when the cached dashboard is
    built, so the page renders flat values instead of working them out cell by cell."""

    row: SkillRow
    stage: str
    stage_label: str
    diagnosis: str
    flagged: bool  # a gap to act on
    summary: str  # one line for a tooltip: the diagnosis and the numbers behind it
    data_cell: str  # "username:skill-slug", for finding the cell
    knowledge: str
    answers: str  # "3 answers", or "" without any
    application: str
    observations: str
    retention: str
    act_url: str  # where its action posts; "" without one

    @classmethod
    def of(cls, row: SkillRow) -> HeatCell:
        retention = "—" if row.retention is None else f"{round(row.retention * 100)} %"
        return cls(
            row=row,
            stage=str(row.stage),
            stage_label=capfirst(str(row.stage)),
            diagnosis=str(row.diagnosis),
            flagged=row.diagnosis != Diagnosis.NONE,
            summary=(
                f"{row.rep} · {row.skill.name}: {row.diagnosis_label} · "
                f"{row.stage.value} · knowledge {_number(row.knowledge)} · "
                f"application {_number(row.application)} · retention {retention}"
            ),
            data_cell=f"{row.rep.username}:{row.skill.slug}",
            knowledge="—" if row.knowledge is None else str(row.knowledge),
            answers=_counted(row.answers, "answer"),
            application="—" if row.application is None else str(row.application),
            observations=_counted(row.observations, "observation"),
            retention=retention,
            act_url=(
                reverse("coaching:dashboard_act", args=[row.rep.pk, row.skill.pk])
                if row.action is not None
                else ""
            ),
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
            HeatRow(rep=rep, cells=cells[rep.pk], standing=standings.get(rep.pk)) for rep in team
        ],
    )


# --- the dashboard ------------------------------------------------------------------------------


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
    chart: SafeString = field(default_factory=SafeString)  # the retention chart, drawn
    # Parts of the page rendered once per cached entry, by the page that asked for them.
    fragments: dict[str, str] = field(default_factory=dict)

    @property
    def best_return(self) -> list[Standing]:
        return [row.standing for row in self.heat_map.rows if row.standing and row.standing.middle]


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
    recommendations = sorted(
        (cell for heat_row in heat_map.rows for cell in heat_row.cells if cell and cell.act_url),
        key=lambda cell: (
            DIAGNOSIS_ORDER[cell.row.diagnosis],
            cell.row.rep.username,
            cell.row.skill.name,
        ),
    )
    _, kpis = coaching_kpis(groups=dict.fromkeys(rep_ids, owner.pk), now=now)
    retention = team_retention_series(rep_ids=rep_ids, memories=memories, now=now)
    return TeamDashboard(
        owner=owner,
        team=team,
        heat_map=heat_map,
        recommendations=recommendations,
        kpis=kpis,
        follow_ups=team_follow_ups(rep_ids=rep_ids, now=now),
        decay=team_decay_risks(memories=memories, now=now),
        retention=retention,
        chart=retention_chart_svg(retention),
    )


def team_dashboard_cached(
    *, owner: User, prerender: Callable[[TeamDashboard], dict[str, str]] | None = None
) -> TeamDashboard:
    """``team_dashboard`` as of now, from the team cache while nothing it reads changed
    (``coaching.insights.cache``). The retention chart's replay of review history, the matrix and
    the heat map are computed once per entry; the viewer's own things (their notifications,
    the CSRF token, the time zone dates render in) stay out of it.

    ``prerender`` renders the parts of the page that show the heat map's cells and the
    recommendations, once per entry, into ``fragments``; the cells themselves are then left
    out of the entry, which every request reads.
    """

    def build() -> TeamDashboard:
        data = team_dashboard(owner=owner, rows=team_skill_matrix_cached(manager=owner))
        if prerender is not None:
            data.fragments = prerender(data)
            data.heat_map = replace(
                data.heat_map, rows=[replace(row, cells=[]) for row in data.heat_map.rows]
            )
            data.recommendations = []
        return data

    return team_cached(owner=owner, kind="dashboard", build=build)


# --- the organisation ---------------------------------------------------------------------------


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
