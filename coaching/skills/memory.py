"""Skill memory: an FSRS card per rep and skill, reviewed by quizzes, reinforcements, observations.

The rules (which evidence gives which FSRS rating, why the scheduler has no same-day steps) are
written down in docs/skills.md. Every time here is aware and handed to FSRS in UTC.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from fsrs import Card, Rating, Scheduler

from accounts.models import User
from coaching.changes import team_version_bump
from coaching.models import Observation, Reinforcement, ReinforcementAnswer, SkillMemory
from lms.models import AttemptAnswer, ModuleCompletion, QuizAttempt, Skill

# The 1-5 rubric (coaching.models.RUBRIC_ANCHORS) as FSRS ratings. 2 ("attempts it when
# prompted") is recall with effort, not a lapse; 3 and 4 both recall it unprompted; only a role
# model's 5 earns Easy, which stretches the interval most.
RATING_BY_RUBRIC: dict[int, Rating] = {
    1: Rating.Again,
    2: Rating.Hard,
    3: Rating.Good,
    4: Rating.Good,
    5: Rating.Easy,
}


def rating_for_answers(*, correct: int, total: int) -> Rating:
    """All right → Good; more than half right → Hard; otherwise Again."""
    if total <= 0 or not 0 <= correct <= total:
        raise ValueError(f"Cannot rate {correct} right out of {total}.")
    if correct == total:
        return Rating.Good
    if correct * 2 > total:
        return Rating.Hard
    return Rating.Again


def rating_for_observation(rating: int) -> Rating:
    try:
        return RATING_BY_RUBRIC[rating]
    except KeyError:
        raise ValueError(f"A rubric rating is 1-5, not {rating!r}.") from None


def memory_scheduler() -> Scheduler:
    """FSRS with the target recall as its retention and no minute-scale learning steps.

    A skill is not a flashcard shown again ten minutes later: its evidence arrives days apart,
    so every review goes straight to day-scale intervals. No fuzz, so due dates are repeatable.
    """
    return Scheduler(
        desired_retention=settings.REINFORCEMENT_TARGET_RECALL,
        learning_steps=(),
        relearning_steps=(),
        enable_fuzzing=False,
    )


def _utc(at: dt.datetime) -> dt.datetime:
    if timezone.is_naive(at):
        raise ValueError("Skill memory needs aware datetimes.")
    return at.astimezone(dt.UTC)


def memory_card(memory: SkillMemory) -> Card | None:
    """The FSRS card stored on ``memory``, or None before its first review."""
    if not memory.state:
        return None
    return Card.from_dict(memory.state)


def retention_forecast(*, memory: SkillMemory, at: dt.datetime) -> float:
    """The forecast probability (0-1) that the rep recalls the skill at ``at``; 0 if never reviewed.

    FSRS counts whole days since the last review, so the forecast steps down once a day and
    never rises without a review.
    """
    card = memory_card(memory)
    if card is None:
        return 0.0
    return float(memory_scheduler().get_card_retrievability(card, _utc(at)))


def recall_falls_below(*, card: Card, target: float, scheduler: Scheduler) -> dt.datetime:
    """The first moment the card's forecast recall is below ``target``."""
    assert card.last_review is not None and card.stability is not None  # noqa: S101
    limit = scheduler.maximum_interval
    # FSRS's forgetting curve R(t) = (1 + factor * t / S) ** decay, solved for R(t) = target.
    decay = -scheduler.parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    exact = card.stability / factor * (target ** (1 / decay) - 1)
    days = min(max(math.floor(exact) + 1, 1), limit)

    def recall(days: int) -> float:
        return scheduler.get_card_retrievability(card, card.last_review + dt.timedelta(days=days))

    # Floating point may put the crossing a day either side of the formula's answer.
    while days > 1 and recall(days - 1) < target:
        days -= 1
    while days < limit and recall(days) >= target:
        days += 1
    return card.last_review + dt.timedelta(days=days)


# What a review changes on a memory row.
MEMORY_REVIEW_FIELDS = [
    "state",
    "stability",
    "reviews",
    "last_review_at",
    "next_due_at",
    "updated_at",
]


def _memory_apply(
    *, memory: SkillMemory, skill_id: int, rating: Rating, at: dt.datetime, scheduler: Scheduler
) -> None:
    """Review the card stored on ``memory`` at ``at`` (UTC) and write the result on the row
    (unsaved). Evidence older than the last review counts as of the last review."""
    # The card is the skill: its id needs only be stable, not unique across reps.
    card = memory_card(memory) or Card(card_id=skill_id, due=at)
    if card.last_review is not None and at < card.last_review:
        at = card.last_review
    card, _ = scheduler.review_card(card, Rating(rating), review_datetime=at)
    memory.state = card.to_dict()
    memory.stability = card.stability
    memory.reviews += 1
    memory.last_review_at = card.last_review
    memory.next_due_at = recall_falls_below(
        card=card, target=settings.REINFORCEMENT_TARGET_RECALL, scheduler=scheduler
    )
    memory.updated_at = timezone.now()


@transaction.atomic
def memory_review(*, rep: User, skill: Skill, rating: Rating, at: dt.datetime) -> SkillMemory:
    """Record one piece of evidence about ``rep``'s recall of ``skill`` at ``at``.

    Evidence older than the last review counts as of the last review, so the state only moves
    forward in time. Raises ValueError for a naive ``at``.
    """
    at = _utc(at)
    memory, _ = SkillMemory.objects.get_or_create(rep=rep, skill=skill)
    # Concurrent reviews of one skill apply one after the other, never over each other.
    memory = SkillMemory.objects.select_for_update().get(pk=memory.pk)
    _memory_apply(
        memory=memory, skill_id=skill.pk, rating=rating, at=at, scheduler=memory_scheduler()
    )
    memory.save(update_fields=MEMORY_REVIEW_FIELDS)
    team_version_bump(rep_ids=[rep.pk])
    return memory


@transaction.atomic
def memories_review(*, rep: User, ratings: dict[int, Rating], at: dt.datetime) -> list[SkillMemory]:
    """``memory_review`` of several skills (by id) at one moment: the rows locked in one SELECT
    (the missing ones inserted first, in one INSERT), then one UPDATE each.

    Returns the memories in skill order. Raises ValueError for a naive ``at``.
    """
    if not ratings:
        return []
    at = _utc(at)
    # Locked in skill order, so two reviews of overlapping skills queue rather than deadlock.
    locked = SkillMemory.objects.select_for_update().filter(rep=rep, skill_id__in=ratings)
    memories = {memory.skill_id: memory for memory in locked.order_by("skill_id")}
    if len(memories) < len(ratings):
        SkillMemory.objects.bulk_create(
            [
                SkillMemory(rep=rep, skill_id=skill_id)
                for skill_id in ratings
                if skill_id not in memories
            ],
            ignore_conflicts=True,
        )
        memories = {memory.skill_id: memory for memory in locked.order_by("skill_id")}
    scheduler = memory_scheduler()
    for skill_id, rating in ratings.items():
        _memory_apply(
            memory=memories[skill_id], skill_id=skill_id, rating=rating, at=at, scheduler=scheduler
        )
    reviewed = [memories[skill_id] for skill_id in sorted(ratings)]
    # A row at a time: a quiz asks about one to three skills, and bulk_update's CASE per field
    # costs more to build than the round trips it would save.
    for memory in reviewed:
        memory.save(update_fields=MEMORY_REVIEW_FIELDS)
    team_version_bump(rep_ids=[rep.pk])
    return reviewed


def ratings_by_skill(answers: Iterable[tuple[int, bool]]) -> dict[int, Rating]:
    """``(skill_id, is_correct)`` pairs to one rating per skill."""
    tally: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for skill_id, is_correct in answers:
        tally[skill_id][0] += int(bool(is_correct))
        tally[skill_id][1] += 1
    return {
        skill_id: rating_for_answers(correct=correct, total=total)
        for skill_id, (correct, total) in tally.items()
    }


@transaction.atomic
def memory_from_attempt(*, attempt: QuizAttempt) -> list[SkillMemory]:
    """One review per skill for the answers of a submitted attempt (the one that completed a
    module): every question of the skill right → Good, more than half → Hard, else Again."""
    if attempt.submitted_at is None:
        return []
    answers = AttemptAnswer.objects.filter(attempt=attempt).values_list(
        "question__skill_id", "is_correct"
    )
    return memories_review(
        rep=attempt.user, ratings=ratings_by_skill(answers), at=attempt.submitted_at
    )


def memory_from_observation(*, observation: Observation) -> SkillMemory:
    """A coach's rubric rating as a review of the rep's memory of that skill (RATING_BY_RUBRIC)."""
    return memory_review(
        rep=observation.rep,
        skill=observation.skill,
        rating=rating_for_observation(observation.rating),
        at=observation.observed_at,
    )


@transaction.atomic
def memory_rebuild(*, rep: User) -> list[SkillMemory]:
    """Forget ``rep``'s memory state and replay every piece of evidence in time order.

    The evidence is what feeds memory as it happens: the quiz attempts that completed modules,
    answered reinforcements and observations. For imported history, or after the rules change.
    """
    events: list[tuple[dt.datetime, int, int, Rating]] = []
    attempts = ModuleCompletion.objects.filter(
        user=rep, attempt__submitted_at__isnull=False
    ).values_list("attempt_id", "attempt__submitted_at")
    submitted = dict(attempts)
    by_attempt: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for attempt_id, skill_id, is_correct in AttemptAnswer.objects.filter(
        attempt_id__in=list(submitted)
    ).values_list("attempt_id", "question__skill_id", "is_correct"):
        by_attempt[attempt_id].append((skill_id, is_correct))
    for attempt_id, answers in by_attempt.items():
        for skill_id, rating in ratings_by_skill(answers).items():
            events.append((submitted[attempt_id], 0, skill_id, rating))
    answered = dict(
        Reinforcement.objects.filter(
            rep=rep, status=Reinforcement.Status.ANSWERED, answered_at__isnull=False
        ).values_list("pk", "answered_at")
    )
    by_reinforcement: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for reinforcement_id, skill_id, is_correct in ReinforcementAnswer.objects.filter(
        reinforcement_id__in=list(answered)
    ).values_list("reinforcement_id", "reinforcement__skill_id", "is_correct"):
        by_reinforcement[reinforcement_id].append((skill_id, is_correct))
    for reinforcement_id, answers in by_reinforcement.items():
        for skill_id, rating in ratings_by_skill(answers).items():
            events.append((answered[reinforcement_id], 1, skill_id, rating))
    for observed_at, skill_id, rubric in Observation.objects.filter(rep=rep).values_list(
        "observed_at", "skill_id", "rating"
    ):
        events.append((observed_at, 2, skill_id, rating_for_observation(rubric)))

    SkillMemory.objects.filter(rep=rep).delete()
    team_version_bump(rep_ids=[rep.pk])
    skills = Skill.objects.in_bulk({skill_id for _, _, skill_id, _ in events})
    memories: dict[int, SkillMemory] = {}
    for at, _order, skill_id, rating in sorted(events, key=lambda e: (e[0], e[1], e[2])):
        memories[skill_id] = memory_review(rep=rep, skill=skills[skill_id], rating=rating, at=at)
    return sorted(memories.values(), key=lambda memory: memory.skill_id)
