"""When a rep's skill first reached "applied": the stage rules replayed over the evidence as it
stood at each moment (docs/outcomes.md).

The skill matrix says where a skill stands now; nothing stores when its stage changed. The
moment is therefore derived, by the same rules (``rules.stage_for``) from the same evidence
the matrix reads: after each piece of evidence, in time order, knowledge is the share right of
each quiz's latest submitted attempt so far plus the refresher answers so far, application the
recency-weighted observations so far as of that moment (``rules.application_summary``; a
peer's rating at ``PEER_OBSERVATION_WEIGHT``, as ``standing.py`` weighs it for the matrix). The
first moment knowledge is at least ``KNOWLEDGE_LEARNED`` and application at least
``APPLICATION_APPLIED`` is when the skill reached applied. A later fall does not undo it: the
report asks what happened after a rep first showed the skill in the field.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from coaching.models import Observation, ReinforcementAnswer
from coaching.skills.rules import PEER_OBSERVATION_WEIGHT, Stage, application_summary, stage_for
from lms.models import AttemptAnswer

# The kinds of evidence, in the order they are applied when two share a moment.
QUIZ, REFRESHER, OBSERVATION = 0, 1, 2


@dataclass(frozen=True)
class Evidence:
    at: dt.datetime
    kind: int  # QUIZ, REFRESHER or OBSERVATION
    correct: int = 0  # answers right (a quiz attempt or a refresher answer)
    total: int = 0  # answers given
    rating: int = 0  # an observation's rubric rating, 1-5
    quiz_id: int = 0  # a quiz attempt's quiz: a later attempt replaces the earlier one
    weight: float = 1.0  # an observation's weight: a peer's counts less than a coach's


def first_applied_at(evidence: Sequence[Evidence]) -> dt.datetime | None:
    """The first moment the evidence so far puts the skill at applied or beyond (pure)."""
    attempts: dict[int, tuple[int, int]] = {}  # quiz → (right, answered) of its latest attempt
    refreshed = [0, 0]
    observed: list[tuple[dt.datetime, int, float]] = []
    for item in sorted(evidence, key=lambda item: (item.at, item.kind)):
        if item.kind == QUIZ:
            attempts[item.quiz_id] = (item.correct, item.total)
        elif item.kind == REFRESHER:
            refreshed[0] += item.correct
            refreshed[1] += item.total
        else:
            observed.append((item.at, item.rating, item.weight))
        right = sum(r for r, _ in attempts.values()) + refreshed[0]
        total = sum(t for _, t in attempts.values()) + refreshed[1]
        knowledge = round(100 * right / total) if total else None
        summary = application_summary(observed, now=item.at)
        application = round(summary.score) if summary.score is not None else None
        stage = stage_for(knowledge=knowledge, application=application, retention=None)
        if stage in (Stage.APPLIED, Stage.MASTERED):
            return item.at
    return None


def applied_since(*, rep_ids: Iterable[int]) -> dict[tuple[int, int], dt.datetime]:
    """(rep id, skill id) → when that skill first reached applied, for the reps given; skills
    that never did are absent. Three queries, whatever the number of reps."""
    rep_ids = list(rep_ids)
    if not rep_ids:
        return {}
    evidence: dict[tuple[int, int], list[Evidence]] = defaultdict(list)
    # Each submitted attempt's answers on each skill: (right, answered), when and of which quiz.
    attempts: dict[tuple[int, int, int], tuple[dt.datetime, int, list[int]]] = {}
    for (
        user_id,
        attempt_id,
        quiz_id,
        submitted_at,
        skill_id,
        is_correct,
    ) in AttemptAnswer.objects.filter(
        attempt__user_id__in=rep_ids,
        attempt__submitted_at__isnull=False,
        question__skill_id__isnull=False,
    ).values_list(
        "attempt__user_id",
        "attempt_id",
        "attempt__quiz_id",
        "attempt__submitted_at",
        "question__skill_id",
        "is_correct",
    ):
        if submitted_at is None or skill_id is None:
            continue  # filtered out above; the types do not know it
        tally = attempts.setdefault(
            (user_id, skill_id, attempt_id), (submitted_at, quiz_id, [0, 0])
        )
        tally[2][0] += int(is_correct)
        tally[2][1] += 1
    for (user_id, skill_id, _attempt), (submitted_at, quiz_id, (right, total)) in attempts.items():
        evidence[(user_id, skill_id)].append(
            Evidence(at=submitted_at, kind=QUIZ, correct=right, total=total, quiz_id=quiz_id)
        )
    for rep_id, skill_id, answered_at, is_correct in ReinforcementAnswer.objects.filter(
        reinforcement__rep_id__in=rep_ids, reinforcement__answered_at__isnull=False
    ).values_list(
        "reinforcement__rep_id",
        "reinforcement__skill_id",
        "reinforcement__answered_at",
        "is_correct",
    ):
        if answered_at is not None:
            evidence[(rep_id, skill_id)].append(
                Evidence(at=answered_at, kind=REFRESHER, correct=int(is_correct), total=1)
            )
    for rep_id, skill_id, observed_at, rating, source in Observation.objects.filter(
        rep_id__in=rep_ids
    ).values_list("rep_id", "skill_id", "observed_at", "rating", "source"):
        weight = PEER_OBSERVATION_WEIGHT if source == Observation.Source.PEER else 1.0
        evidence[(rep_id, skill_id)].append(
            Evidence(at=observed_at, kind=OBSERVATION, rating=rating, weight=weight)
        )
    found = {}
    for key, items in evidence.items():
        when = first_applied_at(items)
        if when is not None:
            found[key] = when
    return found
