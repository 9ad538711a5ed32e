"""The numbers training is for, against the skills (DESIGN §13; rules in docs/outcomes.md).

Per skill and metric, two comparisons, each figure with the reps and periods behind it:

- **By stage.** Each rep's figure is the mean of their periods that ended in the last
  ``RECENT_DAYS``; reps are grouped by the skill's stage now (the skill matrix's rule; a rep
  with no evidence on the skill is at "introduced"), and each group's figure is the mean of its
  reps' figures, every rep counting once.
- **Before and after applied.** For reps whose skill reached applied
  (``coaching.skills.milestones``), the mean of their periods that ended before that day
  against the mean of those that began on it or after; a period spanning the day is left out,
  and only reps with periods on both sides count. Beside them, the reps who had not reached it,
  their periods split the same way at the middle (median) day the others reached it, so both
  groups span the same months and what changed for everyone shows on both sides.

A figure resting on fewer than ``settings.OUTCOMES_MIN_REPS`` reps is not stated: the page
says "too few reps to say". This is correlation in a small sample, never proof that coaching
moved a number.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.permissions import is_admin
from accounts.selectors import team_of
from coaching.insights.matrix import skill_matrix_of
from coaching.models import SalesOutcome
from coaching.outcomes.selectors import metric_label
from coaching.skills.milestones import applied_since
from coaching.skills.rules import Stage
from lms.models import Skill

RECENT_DAYS = 90  # the by-stage figures read the periods that ended this recently
STAGES = (Stage.INTRODUCED, Stage.LEARNED, Stage.APPLIED, Stage.MASTERED)
TOO_FEW = "too few reps to say"


@dataclass(frozen=True)
class Figure:
    """A mean over reps (each rep's own mean first), with how many reps and periods."""

    mean: float | None  # None: no rep at all
    reps: int
    periods: int

    @property
    def enough(self) -> bool:
        return self.mean is not None and self.reps >= settings.OUTCOMES_MIN_REPS

    @property
    def stated(self) -> float | None:
        """The mean when there are enough reps behind it; None otherwise."""
        return self.mean if self.enough else None

    @property
    def behind(self) -> str:
        """ "4 reps, 11 periods" in words."""
        return (
            f"{self.reps} rep{'s' if self.reps != 1 else ''}, "
            f"{self.periods} period{'s' if self.periods != 1 else ''}"
        )


def figure_of(per_rep: dict[int, list[Decimal]]) -> Figure:
    """The mean of each rep's mean, from each rep's values (reps with none left out)."""
    means = [float(sum(values)) / len(values) for values in per_rep.values() if values]
    return Figure(
        mean=statistics.fmean(means) if means else None,
        reps=len(means),
        periods=sum(len(values) for values in per_rep.values()),
    )


@dataclass(frozen=True)
class BeforeAfter:
    before: Figure
    after: Figure

    @property
    def change(self) -> float | None:
        """After less before, stated only when both sides rest on enough reps."""
        before, after = self.before.stated, self.after.stated
        return None if before is None or after is None else after - before


@dataclass(frozen=True)
class SkillOutcome:
    skill: Skill
    metric: str
    by_stage: dict[Stage, Figure]
    reached: BeforeAfter  # reps whose skill reached applied: before against after that day
    not_yet: BeforeAfter | None  # reps who had not, split at ``split_on``; None: nobody reached
    split_on: dt.date | None  # the median day the others reached applied
    reached_reps: int  # reps in scope whose skill reached applied, with or without periods

    @property
    def stage_figures(self) -> list[tuple[Stage, Figure]]:
        return [(stage, self.by_stage[stage]) for stage in STAGES]


@dataclass
class OutcomesReport:
    metrics: list[str]  # every metric imported for the reps in scope, by name
    metric: str  # the one shown
    skills: list[SkillOutcome] = field(default_factory=list)  # of ``metric``, by skill name
    reps: int = 0  # reps in scope with any figure for ``metric``
    min_reps: int = 0
    recent_days: int = RECENT_DAYS

    @property
    def metric_label(self) -> str:
        return metric_label(self.metric) if self.metric else ""


def _reps_in_scope(user: User) -> dict[int, User]:
    """An admin's whole organisation, a manager's own direct reports; 404 for anyone else."""
    if not user.is_authenticated or not (is_admin(user) or user.is_manager):
        raise Http404("No such page.")
    return {rep.pk: rep for rep in team_of(manager=user).filter(role=User.Role.REP)}


def _split(
    values: list[tuple[dt.date, dt.date, Decimal]], day: dt.date
) -> tuple[list[Decimal], list[Decimal]]:
    """Periods that ended before ``day``, and those that began on it or after."""
    before = [value for _start, end, value in values if end < day]
    after = [value for start, _end, value in values if start >= day]
    return before, after


def _paired(per_rep: dict[int, tuple[list[Decimal], list[Decimal]]]) -> BeforeAfter:
    both = {rep: sides for rep, sides in per_rep.items() if sides[0] and sides[1]}
    return BeforeAfter(
        before=figure_of({rep: sides[0] for rep, sides in both.items()}),
        after=figure_of({rep: sides[1] for rep, sides in both.items()}),
    )


def outcomes_report(
    *, user: User, metric: str = "", now: dt.datetime | None = None
) -> OutcomesReport:
    """The report for ``user``'s reps (an admin's organisation, a manager's team), for
    ``metric`` (the first by name when empty or unknown); Http404 for a rep."""
    now = now or timezone.now()
    reps = _reps_in_scope(user)
    rows = list(
        SalesOutcome.objects.filter(rep_id__in=list(reps)).values_list(
            "rep_id", "metric", "period_start", "period_end", "value"
        )
    )
    metrics = sorted({row[1] for row in rows})
    report = OutcomesReport(
        metrics=metrics,
        metric=metric if metric in metrics else (metrics[0] if metrics else ""),
        min_reps=settings.OUTCOMES_MIN_REPS,
    )
    if not report.metric:
        return report
    values: dict[int, list[tuple[dt.date, dt.date, Decimal]]] = defaultdict(list)
    for rep_id, name, start, end, value in rows:
        if name == report.metric:
            values[rep_id].append((start, end, value))
    report.reps = len(values)
    with_figures = {rep_id: reps[rep_id] for rep_id in values}
    matrix = skill_matrix_of(reps=with_figures, now=now)
    stage_of = {(row.rep.pk, row.skill.pk): row.stage for row in matrix}
    skills = {row.skill.pk: row.skill for row in matrix}
    reached_on = {
        key: timezone.localdate(when)
        for key, when in applied_since(rep_ids=list(with_figures)).items()
    }
    recent_from = timezone.localdate(now) - dt.timedelta(days=RECENT_DAYS)
    recent = {
        rep_id: [value for _start, end, value in periods if end >= recent_from]
        for rep_id, periods in values.items()
    }
    for skill in sorted(skills.values(), key=lambda skill: (skill.name.lower(), skill.pk)):
        by_stage: dict[Stage, dict[int, list[Decimal]]] = {stage: {} for stage in STAGES}
        for rep_id in values:
            stage = stage_of.get((rep_id, skill.pk), Stage.INTRODUCED)
            by_stage[stage][rep_id] = recent[rep_id]
        reached = {
            rep_id: reached_on[(rep_id, skill.pk)]
            for rep_id in values
            if (rep_id, skill.pk) in reached_on
        }
        split_on = statistics.median_low(sorted(reached.values())) if reached else None
        report.skills.append(
            SkillOutcome(
                skill=skill,
                metric=report.metric,
                by_stage={stage: figure_of(group) for stage, group in by_stage.items()},
                reached=_paired(
                    {rep_id: _split(values[rep_id], day) for rep_id, day in reached.items()}
                ),
                not_yet=(
                    _paired(
                        {
                            rep_id: _split(periods, split_on)
                            for rep_id, periods in values.items()
                            if rep_id not in reached
                        }
                    )
                    if split_on
                    else None
                ),
                split_on=split_on,
                reached_reps=len(reached),
            )
        )
    return report
