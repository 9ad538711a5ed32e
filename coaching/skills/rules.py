"""The skill matrix's rules, as pure functions of plain numbers (docs/skills.md).

Scales: knowledge and application are 0-100 (application maps the 1-5 rubric so that 1 → 0,
3 → 50, 5 → 100), retention is FSRS's forecast recall, 0-1. ``None`` means no evidence yet.
Nothing here touches the database, so every rule is a row in a table-driven test.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# Knowledge, 0-100.
KNOWLEDGE_LEARNED = 80  # the default quiz pass mark: at or above it, the skill is learned
KNOWLEDGE_GAP = 70  # below it, the rep needs the training again
KNOWLEDGE_MASTERED = 90
# Application, 0-100.
APPLICATION_APPLIED = 75  # a 4 on the rubric, "proficient"
APPLICATION_MASTERED = 85
APPLICATION_GAP = 50  # below a 3, "developing"
APPLICATION_SPREAD_HIGH = 25  # a standard deviation of one rubric point
APPLICATION_FALLING = -25  # the newer half of observations a rubric point below the older half
# Retention, 0-1.
RETENTION_MASTERED = 0.8
# Observations.
APPLICATION_HALF_LIFE_DAYS = 30  # an observation counts half as much after a month
PATTERN_WINDOW = 6  # spread and trend look at the latest observations only
PATTERN_MINIMUM = 3  # fewer than this is not a pattern
# A peer's rating (a mentor's, in peer practice) counts at this share of a coach's: in the
# application score here, and in skill memory (coaching.skills.memory.peer_rubric).
PEER_OBSERVATION_WEIGHT = 0.5


class Stage(StrEnum):
    INTRODUCED = "introduced"
    LEARNED = "learned"
    APPLIED = "applied"
    MASTERED = "mastered"


class Diagnosis(StrEnum):
    TRAINING_GAP = "training_gap"
    COACHING_GAP = "coaching_gap"
    PRACTICE_GAP = "practice_gap"
    NONE = "none"


DIAGNOSIS_LABELS = {
    Diagnosis.TRAINING_GAP: "Training gap",
    Diagnosis.COACHING_GAP: "Coaching gap",
    Diagnosis.PRACTICE_GAP: "Practice gap",
    Diagnosis.NONE: "On track",
}


def rubric_to_score(rating: int) -> float:
    """A 1-5 rubric rating on the 0-100 application scale."""
    if not 1 <= rating <= 5:
        raise ValueError(f"A rubric rating is 1-5, not {rating!r}.")
    return (rating - 1) * 25.0


def rubric_from_score(score: float) -> float:
    """A 0-100 application score back on the 1-5 rubric (``rubric_to_score`` reversed)."""
    return score / 25.0 + 1


@dataclass(frozen=True)
class Application:
    score: float | None  # recency-weighted mean, 0-100
    spread: float | None  # standard deviation of the latest observations, 0-100 scale
    trend: float | None  # mean of the newer half minus mean of the older half, 0-100 scale
    observations: int


def application_summary(
    observations: Sequence[tuple[dt.datetime, int] | tuple[dt.datetime, int, float]],
    *,
    now: dt.datetime,
) -> Application:
    """``(observed_at, rating)`` pairs (or ``(observed_at, rating, weight)``: a peer's rating
    carries PEER_OBSERVATION_WEIGHT, a coach's 1) to the application score and its pattern.

    The score weights each observation by ``0.5 ** (age / APPLICATION_HALF_LIFE_DAYS)``, so a
    month-old rating counts half as much as today's, times its own weight. Spread and trend look
    at the latest ``PATTERN_WINDOW`` observations and need at least ``PATTERN_MINIMUM`` of them.
    """
    if not observations:
        return Application(score=None, spread=None, trend=None, observations=0)
    ordered = sorted(observations, key=lambda item: item[0])
    total = weights = 0.0
    for observed_at, rating, *own in ordered:
        age_days = max((now - observed_at).total_seconds(), 0) / 86400
        weight = 0.5 ** (age_days / APPLICATION_HALF_LIFE_DAYS) * (own[0] if own else 1.0)
        total += weight * rubric_to_score(rating)
        weights += weight
    score = total / weights
    latest = [rubric_to_score(item[1]) for item in ordered[-PATTERN_WINDOW:]]
    spread = trend = None
    if len(latest) >= PATTERN_MINIMUM:
        mean = sum(latest) / len(latest)
        spread = math.sqrt(sum((value - mean) ** 2 for value in latest) / len(latest))
        half = len(latest) // 2
        older, newer = latest[:half], latest[-half:]
        trend = sum(newer) / half - sum(older) / half
    return Application(score=score, spread=spread, trend=trend, observations=len(ordered))


def stage_for(
    *, knowledge: float | None, application: float | None, retention: float | None
) -> Stage:
    """introduced → learned → applied → mastered; each stage needs the one before it.

    - learned: knowledge at least KNOWLEDGE_LEARNED;
    - applied: learned, and application at least APPLICATION_APPLIED;
    - mastered: knowledge at least KNOWLEDGE_MASTERED, application at least
      APPLICATION_MASTERED, and retention still at least RETENTION_MASTERED;
    - introduced: anything less, including no quiz evidence at all.
    """
    if knowledge is None or knowledge < KNOWLEDGE_LEARNED:
        return Stage.INTRODUCED
    if application is None or application < APPLICATION_APPLIED:
        return Stage.LEARNED
    if (
        knowledge >= KNOWLEDGE_MASTERED
        and application >= APPLICATION_MASTERED
        and retention is not None
        and retention >= RETENTION_MASTERED
    ):
        return Stage.MASTERED
    return Stage.APPLIED


def diagnosis_for(
    *,
    knowledge: float | None,
    application: float | None,
    spread: float | None = None,
    trend: float | None = None,
) -> Diagnosis:
    """The first rule that holds, in this order:

    1. training gap: knowledge below KNOWLEDGE_GAP, or never tested and applied below
       APPLICATION_GAP (nothing to coach on yet);
    2. coaching gap: knowledge at least KNOWLEDGE_GAP but application below APPLICATION_GAP;
    3. practice gap: application uneven (spread at least APPLICATION_SPREAD_HIGH) or falling
       (trend at most APPLICATION_FALLING);
    4. none.
    """
    if knowledge is not None and knowledge < KNOWLEDGE_GAP:
        return Diagnosis.TRAINING_GAP
    if application is not None and application < APPLICATION_GAP:
        return Diagnosis.TRAINING_GAP if knowledge is None else Diagnosis.COACHING_GAP
    if (spread is not None and spread >= APPLICATION_SPREAD_HIGH) or (
        trend is not None and trend <= APPLICATION_FALLING
    ):
        return Diagnosis.PRACTICE_GAP
    return Diagnosis.NONE


@dataclass(frozen=True)
class Shortfall:
    """One measure below what the next stage needs (``current`` None: no evidence yet)."""

    measure: str  # "knowledge", "application" or "retention"
    current: float | None
    needed: float


def next_stage_for(
    *, knowledge: float | None, application: float | None, retention: float | None
) -> tuple[Stage | None, list[Shortfall]]:
    """The stage after the one ``stage_for`` gives, and what stands between: the thresholds of
    ``stage_for`` read the other way round. Mastered has no next stage, only retention to keep.
    """
    stage = stage_for(knowledge=knowledge, application=application, retention=retention)
    wanted: list[tuple[str, float | None, float]]
    if stage == Stage.INTRODUCED:
        following, wanted = Stage.LEARNED, [("knowledge", knowledge, KNOWLEDGE_LEARNED)]
    elif stage == Stage.LEARNED:
        following, wanted = Stage.APPLIED, [("application", application, APPLICATION_APPLIED)]
    elif stage == Stage.APPLIED:
        following = Stage.MASTERED
        wanted = [
            ("knowledge", knowledge, KNOWLEDGE_MASTERED),
            ("application", application, APPLICATION_MASTERED),
            ("retention", retention, RETENTION_MASTERED),
        ]
    else:
        return None, []
    return following, [
        Shortfall(measure=measure, current=current, needed=needed)
        for measure, current, needed in wanted
        if current is None or current < needed
    ]
