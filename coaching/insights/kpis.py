"""Team KPIs: how quickly and how well training turns into coaching, what the team's coaching
is behind on, and which skills fade within the week (DESIGN §8).

Reads only, each in a fixed number of queries however many reps there are. The dashboard shows
them for one team, the organisation view per team and in total.
"""

from __future__ import annotations

import datetime as dt
import statistics
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from coaching.models import CoachingSession, Commitment, SkillMemory
from coaching.models.querysets import CoachingSessionQuerySet
from coaching.skills.memory import retention_forecast
from lms.models import ModuleCompletion, Skill

# Completions, and commitments resolved, this far back count towards the KPIs.
KPI_WINDOW = dt.timedelta(days=90)
# Sessions per rep are counted over the last month.
SESSIONS_WINDOW = dt.timedelta(days=30)
# A missed commitment stays on the overdue list this long after it was marked missed.
MISSED_COMMITMENT_WINDOW = dt.timedelta(days=14)
DECAY_HORIZON = dt.timedelta(days=7)
# Lists on a page show at most this many rows; the count says how many there are.
LIST_LIMIT = 50


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
    - sessions per rep per month: sessions recorded as held in the last 30 days, per rep.
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
    month_ago = now - SESSIONS_WINDOW
    for rep_id, start, held_at in (
        CoachingSession.objects.held()
        .filter(rep_id__in=rep_ids)
        # Coaching is a coach's: peer practice (DESIGN §13) is neither counted nor a follow-up.
        .exclude(source=CoachingSession.Source.PEER)
        .filter(
            Q(scheduled_for__gte=since, scheduled_for__lte=now)
            | Q(held_at__gte=month_ago, held_at__lte=now)
        )
        .values_list("rep_id", "scheduled_for", "held_at")
    ):
        if since <= start <= now:
            held[rep_id].append(start)
        # Counted by when it was recorded: a session recorded as it starts counts at once.
        if held_at is not None and month_ago <= held_at <= now:
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


def _sessions_of(rep_ids: list[int]) -> CoachingSessionQuerySet:
    """The team's coaching sessions; peer practice is its mentor's to record, not the coach's."""
    return (
        CoachingSession.objects.filter(rep_id__in=rep_ids)
        .exclude(source=CoachingSession.Source.PEER)
        .select_related("rep", "coach", "module", "focus_skill")
    )


def team_follow_ups(*, rep_ids: list[int], now: dt.datetime | None = None) -> FollowUps:
    """What the team's coaching is behind on. Four queries."""
    now = now or timezone.now()
    ended = list(
        _sessions_of(rep_ids).ended_unrecorded(now=now).order_by("scheduled_for")[:LIST_LIMIT]
    )
    booked_after = CoachingSession.objects.filter(
        rep_id=OuterRef("rep_id"),
        scheduled_for__gt=OuterRef("scheduled_for"),
        status__in=[CoachingSession.Status.SCHEDULED, CoachingSession.Status.HELD],
    )
    not_rebooked = list(
        _sessions_of(rep_ids)
        .filter(status=CoachingSession.Status.MISSED)
        .filter(~Exists(booked_after))
        .order_by("-scheduled_for")[:LIST_LIMIT]
    )
    late = list(
        _sessions_of(rep_ids)
        .scheduled()
        .filter(late=True, scheduled_for__gte=now)
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
    url: str = ""  # the rep's page at this skill, worked out once with the cached entry

    @property
    def level(self) -> str:
        """high: coaching steps in by then; medium: a reinforcement is due by then."""
        return "high" if self.retention_next_week < settings.DECAY_COACHING_RECALL else "medium"

    @property
    def retention_now_percent(self) -> str:
        return percent(self.retention_now)

    @property
    def retention_next_week_percent(self) -> str:
        return percent(self.retention_next_week)


def percent(value: float) -> str:
    """A recall forecast (0-1) as people read it: "65 %"."""
    return f"{round(value * 100)} %"


def _rep_url(rep_id: int, known: dict[int, str]) -> str:
    if rep_id not in known:
        known[rep_id] = reverse("coaching:rep", args=[rep_id])
    return known[rep_id]


def team_decay_risks(
    *, memories: Iterable[SkillMemory], now: dt.datetime | None = None
) -> list[DecayRisk]:
    """Skills whose forecast recall falls below the reinforcement target within a week,
    weakest next week first."""
    now = now or timezone.now()
    target = settings.REINFORCEMENT_TARGET_RECALL
    risks = []
    rep_urls: dict[int, str] = {}
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
                url=f"{_rep_url(memory.rep_id, rep_urls)}#skill-{memory.skill.slug}",
            )
        )
    risks.sort(key=lambda r: (r.retention_next_week, r.retention_now, r.rep.username, r.skill.name))
    return risks
