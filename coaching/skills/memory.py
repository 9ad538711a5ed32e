"""Skill memory: an FSRS card per rep and skill, reviewed by quizzes, reinforcements, observations.

The rules (which evidence gives which FSRS rating, why the scheduler has no same-day steps) are
written down in docs/skills.md. Every time here is aware and handed to FSRS in UTC.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from fsrs import Card, Rating, Scheduler

from accounts.models import User
from coaching.changes import team_version_bump
from coaching.models import Observation, Reinforcement, ReinforcementAnswer, SkillMemory
from coaching.skills.rules import PEER_OBSERVATION_WEIGHT
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


def rating_for_observation(rating: int, *, source: str = "") -> Rating:
    """A rubric rating as an FSRS rating; a peer's (``Observation.Source.PEER``) through
    ``peer_rubric`` first, so it moves memory less than a coach's."""
    if source == Observation.Source.PEER:
        rating = peer_rubric(rating)
    try:
        return RATING_BY_RUBRIC[rating]
    except KeyError:
        raise ValueError(f"A rubric rating is 1-5, not {rating!r}.") from None


def peer_rubric(rating: int) -> int:
    """A peer's rubric rating at PEER_OBSERVATION_WEIGHT of a coach's: pulled that share of the
    way towards 3 ("developing"), rounded away from 3. At a half, a peer's 5 reviews as a 4 (Good,
    not Easy) and a peer's 1 as a 2 (Hard, not Again); 2, 3 and 4 review as a coach's do."""
    if not 1 <= rating <= 5:
        raise ValueError(f"A rubric rating is 1-5, not {rating!r}.")
    pulled = 3 + (rating - 3) * PEER_OBSERVATION_WEIGHT
    return 3 + int(math.copysign(math.ceil(abs(pulled - 3)), pulled - 3))


# Teaching a skill in peer practice is a review of the mentor's own memory of it: one Good per
# rating the mentor gives (docs/skills.md, "Peer mentoring").
TEACHING_RATING = Rating.Good


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
    last_review = card.last_review
    limit = scheduler.maximum_interval
    # FSRS's forgetting curve R(t) = (1 + factor * t / S) ** decay, solved for R(t) = target.
    decay = -scheduler.parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    exact = card.stability / factor * (target ** (1 / decay) - 1)
    days = min(max(math.floor(exact) + 1, 1), limit)

    def recall(days: int) -> float:
        return scheduler.get_card_retrievability(card, last_review + dt.timedelta(days=days))

    # Floating point may put the crossing a day either side of the formula's answer.
    while days > 1 and recall(days - 1) < target:
        days -= 1
    while days < limit and recall(days) >= target:
        days += 1
    return last_review + dt.timedelta(days=days)


# What a review changes on a memory row.
MEMORY_REVIEW_FIELDS = [
    "state",
    "stability",
    "reviews",
    "last_review_at",
    "next_due_at",
    "updated_at",
]


def _card_review(
    card: Card | None, *, skill_id: int, rating: Rating, at: dt.datetime, scheduler: Scheduler
) -> Card:
    """``card`` (None before the first review) reviewed with ``rating`` at ``at`` (UTC).
    Evidence older than the last review counts as of the last review."""
    # The card is the skill: its id needs only be stable, not unique across reps.
    card = card or Card(card_id=skill_id, due=at)
    if card.last_review is not None and at < card.last_review:
        at = card.last_review
    reviewed, _ = scheduler.review_card(card, Rating(rating), review_datetime=at)
    return reviewed


def _memory_write(*, memory: SkillMemory, card: Card, reviews: int, scheduler: Scheduler) -> None:
    """Put ``card`` on ``memory`` (unsaved), with the columns copied from it."""
    memory.state = card.to_dict()
    memory.stability = card.stability
    memory.reviews = reviews
    memory.last_review_at = card.last_review
    memory.next_due_at = recall_falls_below(
        card=card, target=settings.REINFORCEMENT_TARGET_RECALL, scheduler=scheduler
    )
    memory.updated_at = timezone.now()


def _memory_apply(
    *, memory: SkillMemory, skill_id: int, rating: Rating, at: dt.datetime, scheduler: Scheduler
) -> None:
    """Review the card stored on ``memory`` at ``at`` (UTC) and write the result on the row
    (unsaved)."""
    card = _card_review(
        memory_card(memory), skill_id=skill_id, rating=rating, at=at, scheduler=scheduler
    )
    _memory_write(memory=memory, card=card, reviews=memory.reviews + 1, scheduler=scheduler)


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


# No savepoint of its own (nor in memory_from_attempt): what they raise ends the caller's
# transaction, and they run in every completing submit.
@transaction.atomic(savepoint=False)
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


@transaction.atomic(savepoint=False)
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
    """A coach's rubric rating as a review of the rep's memory of that skill (RATING_BY_RUBRIC);
    a peer's at its lesser weight, and then a review of the mentor's own memory too
    (TEACHING_RATING): teaching it is practice."""
    memory = memory_review(
        rep=observation.rep,
        skill=observation.skill,
        rating=rating_for_observation(observation.rating, source=observation.source),
        at=observation.observed_at,
    )
    mentor = observation.observer if observation.source == Observation.Source.PEER else None
    if mentor is not None:
        memory_review(
            rep=mentor,
            skill=observation.skill,
            rating=TEACHING_RATING,
            at=observation.observed_at,
        )
    return memory


# --- the evidence, replayed ------------------------------------------------------------------


class EvidenceSource(IntEnum):
    """What a review came from; evidence of one moment applies in this order."""

    QUIZ = 0
    REINFORCEMENT = 1
    OBSERVATION = 2
    TEACHING = 3  # the mentor's side of a peer rating


@dataclass(frozen=True)
class Evidence:
    at: dt.datetime
    source: EvidenceSource
    skill_id: int
    rating: Rating


def memory_evidence(*, rep_ids: Iterable[int]) -> dict[int, list[Evidence]]:
    """Per rep, every piece of evidence that feeds skill memory as it happens (docs/skills.md
    §1), in the order it applies: the quiz attempts that completed modules, answered
    reinforcements, observations (a peer's at its lesser weight) and, for a mentor, the peer
    ratings they gave (teaching). Three queries, however many reps."""
    rep_ids = list(rep_ids)
    evidence: dict[int, list[Evidence]] = defaultdict(list)

    def rated(
        rows: Iterable[tuple[int, int, dt.datetime | None, int, bool]], source: EvidenceSource
    ) -> None:
        # Rows of (rep, attempt or reinforcement, when, skill, right): one rating per skill
        # for each attempt or reinforcement, from all its answers on that skill.
        answers: dict[int, list[tuple[int, bool]]] = defaultdict(list)
        when: dict[int, tuple[int, dt.datetime]] = {}
        for rep_id, group_id, at, skill_id, is_correct in rows:
            assert at is not None  # noqa: S101 - the queries below keep only dated ones
            answers[group_id].append((skill_id, is_correct))
            when[group_id] = (rep_id, at)
        for group_id, group_answers in answers.items():
            rep_id, at = when[group_id]
            for skill_id, rating in ratings_by_skill(group_answers).items():
                evidence[rep_id].append(Evidence(at, source, skill_id, rating))

    completing = ModuleCompletion.objects.filter(user_id__in=rep_ids).values("attempt_id")
    rated(
        AttemptAnswer.objects.filter(
            attempt__user_id__in=rep_ids,
            attempt__submitted_at__isnull=False,
            attempt_id__in=completing,
        ).values_list(
            "attempt__user_id",
            "attempt_id",
            "attempt__submitted_at",
            "question__skill_id",
            "is_correct",
        ),
        EvidenceSource.QUIZ,
    )
    rated(
        ReinforcementAnswer.objects.filter(
            reinforcement__rep_id__in=rep_ids,
            reinforcement__status=Reinforcement.Status.ANSWERED,
            reinforcement__answered_at__isnull=False,
        ).values_list(
            "reinforcement__rep_id",
            "reinforcement_id",
            "reinforcement__answered_at",
            "reinforcement__skill_id",
            "is_correct",
        ),
        EvidenceSource.REINFORCEMENT,
    )
    wanted = set(rep_ids)
    for rep_id, observer_id, observed_at, skill_id, rubric, source in Observation.objects.filter(
        Q(rep_id__in=rep_ids) | Q(observer_id__in=rep_ids, source=Observation.Source.PEER)
    ).values_list("rep_id", "observer_id", "observed_at", "skill_id", "rating", "source"):
        if rep_id in wanted:
            rating = rating_for_observation(rubric, source=source)
            evidence[rep_id].append(
                Evidence(observed_at, EvidenceSource.OBSERVATION, skill_id, rating)
            )
        if source == Observation.Source.PEER and observer_id in wanted:
            evidence[observer_id].append(
                Evidence(observed_at, EvidenceSource.TEACHING, skill_id, TEACHING_RATING)
            )
    for rep_evidence in evidence.values():
        rep_evidence.sort(key=lambda e: (e.at, e.source, e.skill_id))
    return dict(evidence)


@dataclass
class MemoryHistory:
    """One rep's FSRS card on one skill after each review, oldest first."""

    times: list[dt.datetime] = field(default_factory=list)  # when each took effect, UTC
    cards: list[Card] = field(default_factory=list)


def memory_replay(
    evidence: Iterable[Evidence], *, scheduler: Scheduler | None = None
) -> dict[int, MemoryHistory]:
    """Per skill, the card after each piece of ``evidence`` (in the order given), reviewed as
    ``memory_review`` reviews it as it happens. The one replay behind ``memory_rebuild`` and
    the history the dashboard's retention chart draws."""
    scheduler = scheduler or memory_scheduler()
    history: dict[int, MemoryHistory] = {}
    for item in evidence:
        skill = history.setdefault(item.skill_id, MemoryHistory())
        card = _card_review(
            skill.cards[-1] if skill.cards else None,
            skill_id=item.skill_id,
            rating=item.rating,
            at=_utc(item.at),
            scheduler=scheduler,
        )
        assert card.last_review is not None  # noqa: S101 - a reviewed card has one
        skill.times.append(card.last_review)
        skill.cards.append(card)
    return history


def memory_history(*, rep_ids: Iterable[int]) -> dict[tuple[int, int], MemoryHistory]:
    """Each (rep, skill)'s cards after each piece of its evidence. Three queries.

    The stored state is only the latest card; a history of recall needs the cards before it.
    """
    scheduler = memory_scheduler()
    return {
        (rep_id, skill_id): history
        for rep_id, evidence in memory_evidence(rep_ids=rep_ids).items()
        for skill_id, history in memory_replay(evidence, scheduler=scheduler).items()
    }


@transaction.atomic
def memory_rebuild(*, rep: User) -> list[SkillMemory]:
    """Forget ``rep``'s memory state and replay every piece of evidence in time order.

    For imported history, or after the rules change. Returns the memories in skill order.
    """
    histories = memory_replay(memory_evidence(rep_ids=[rep.pk]).get(rep.pk, []))
    SkillMemory.objects.filter(rep=rep).delete()
    skills = Skill.objects.in_bulk(list(histories))
    scheduler = memory_scheduler()
    memories = []
    for skill_id in sorted(histories):
        cards = histories[skill_id].cards
        memory = SkillMemory(rep=rep, skill=skills[skill_id])
        _memory_write(memory=memory, card=cards[-1], reviews=len(cards), scheduler=scheduler)
        memories.append(memory)
    SkillMemory.objects.bulk_create(memories)
    team_version_bump(rep_ids=[rep.pk])
    return memories
