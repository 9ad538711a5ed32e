"""Where each rep stands on each skill: knowledge, application, retention, stage and diagnosis
from the evidence (docs/skills.md), by the rules of ``coaching.skills.rules``.

The one place the evidence becomes numbers: the skill matrix (``coaching.insights.matrix``) and
peer mentoring's pairing (``coaching.sessions.pairing``) both read it. A fixed handful of
queries however many reps and skills.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from coaching.models import Observation, ReinforcementAnswer, SkillMemory
from coaching.skills.memory import retention_forecast
from coaching.skills.rules import (
    PEER_OBSERVATION_WEIGHT,
    Application,
    Diagnosis,
    Stage,
    application_summary,
    diagnosis_for,
    stage_for,
)
from lms.models import AttemptAnswer


@dataclass(frozen=True)
class Standing:
    rep_id: int
    skill_id: int
    knowledge: int | None  # 0-100: share of quiz and reinforcement answers right
    answers: int  # how many answers knowledge rests on
    summary: Application  # application score, spread, trend, observations
    memory: SkillMemory | None
    retention: float | None  # 0-1: FSRS forecast recall now; None before any review
    stage: Stage
    diagnosis: Diagnosis
    # Per module, [right, asked] in the latest attempt of its quiz: the weakest module to retake.
    module_scores: dict[int, list[int]] = field(default_factory=dict)

    @property
    def application(self) -> int | None:
        score = self.summary.score
        return round(score) if score is not None else None


def skill_standings(
    *,
    rep_ids: Iterable[int],
    skill_ids: Iterable[int] | None = None,
    now: dt.datetime | None = None,
) -> dict[tuple[int, int], Standing]:
    """``(rep_id, skill_id)`` to the rep's standing, for every pair with any evidence.

    ``skill_ids`` narrows the skills (None: all). Four queries whatever the numbers.
    """
    now = now or timezone.now()
    rep_ids = list(rep_ids)
    if not rep_ids:
        return {}
    skills = None if skill_ids is None else list(skill_ids)

    def narrowed(queryset, path: str):
        return queryset if skills is None else queryset.filter(**{f"{path}__in": skills})

    # Knowledge: each quiz's latest submitted attempt, plus every reinforcement answer.
    attempt_rows = list(
        narrowed(
            AttemptAnswer.objects.filter(
                attempt__user_id__in=rep_ids, attempt__submitted_at__isnull=False
            ),
            "question__skill_id",
        ).values_list(
            "attempt__user_id",
            "attempt__quiz_id",
            "attempt_id",
            "attempt__submitted_at",
            "attempt__quiz__module_id",
            "question__skill_id",
            "is_correct",
        )
    )
    latest_attempt: dict[tuple[int, int], tuple[dt.datetime | None, int]] = {}
    for user_id, quiz_id, attempt_id, submitted_at, *_ in attempt_rows:
        key = (user_id, quiz_id)
        if key not in latest_attempt or (submitted_at, attempt_id) > latest_attempt[key]:
            latest_attempt[key] = (submitted_at, attempt_id)
    tally: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    module_tally: dict[tuple[int, int], dict[int, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    for user_id, quiz_id, attempt_id, _at, module_id, skill_id, is_correct in attempt_rows:
        if latest_attempt[(user_id, quiz_id)][1] != attempt_id:
            continue
        tally[(user_id, skill_id)][0] += int(is_correct)
        tally[(user_id, skill_id)][1] += 1
        module_tally[(user_id, skill_id)][module_id][0] += int(is_correct)
        module_tally[(user_id, skill_id)][module_id][1] += 1
    for rep_id, skill_id, is_correct in narrowed(
        ReinforcementAnswer.objects.filter(reinforcement__rep_id__in=rep_ids),
        "reinforcement__skill_id",
    ).values_list("reinforcement__rep_id", "reinforcement__skill_id", "is_correct"):
        tally[(rep_id, skill_id)][0] += int(is_correct)
        tally[(rep_id, skill_id)][1] += 1

    # Application: every rating, a peer's at its lesser weight.
    observed: dict[tuple[int, int], list[tuple[dt.datetime, int, float]]] = defaultdict(list)
    for rep_id, skill_id, observed_at, rating, source in narrowed(
        Observation.objects.filter(rep_id__in=rep_ids), "skill_id"
    ).values_list("rep_id", "skill_id", "observed_at", "rating", "source"):
        weight = PEER_OBSERVATION_WEIGHT if source == Observation.Source.PEER else 1.0
        observed[(rep_id, skill_id)].append((observed_at, rating, weight))

    memories = {
        (memory.rep_id, memory.skill_id): memory
        for memory in narrowed(SkillMemory.objects.filter(rep_id__in=rep_ids), "skill_id")
    }

    standings = {}
    for rep_id, skill_id in set(tally) | set(observed) | set(memories):
        correct, total = tally.get((rep_id, skill_id), (0, 0))
        knowledge = round(100 * correct / total) if total else None
        summary = application_summary(observed.get((rep_id, skill_id), []), now=now)
        application = round(summary.score) if summary.score is not None else None
        memory = memories.get((rep_id, skill_id))
        retention = retention_forecast(memory=memory, at=now) if memory and memory.state else None
        standings[(rep_id, skill_id)] = Standing(
            rep_id=rep_id,
            skill_id=skill_id,
            knowledge=knowledge,
            answers=total,
            summary=summary,
            memory=memory,
            retention=retention,
            stage=stage_for(knowledge=knowledge, application=application, retention=retention),
            diagnosis=diagnosis_for(
                knowledge=knowledge,
                application=application,
                spread=summary.spread,
                trend=summary.trend,
            ),
            module_scores=dict(module_tally.get((rep_id, skill_id), {})),
        )
    return standings
