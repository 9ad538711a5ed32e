"""Reinforcement: a short quiz on one skill, due when its forecast recall drops below the target.

Rules (docs/skills.md): a skill is due once its memory's ``next_due_at`` has passed, that is when
forecast recall falls below ``REINFORCEMENT_TARGET_RECALL``; a rep gets at most
``REINFORCEMENT_MAX_PER_DAY`` a day (by their own calendar), the weakest skill first; the 1-3
questions come only from the modules that taught the skill, the ones the rep last got wrong first,
then the ones seen longest ago. Answers give feedback at once and review the skill's memory.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import User
from coaching.models import Reinforcement, ReinforcementAnswer, Reminder, SkillMemory
from coaching.reminders.schedule import CHANNELS, reminder_schedule, reminders_cancel
from coaching.skills.memory import memory_review, rating_for_answers, retention_forecast
from config.errors import Conflict, DomainError
from lms.grading import QuestionFeedback, answers_grade, answers_parse, score_percent
from lms.models import AttemptAnswer, Choice, Course, Module, ModuleCompletion, Question, Skill

logger = logging.getLogger(__name__)

MAX_QUESTIONS = 3
# A reinforcement scoring this or less (half right or worse, or rated Again) is a miss.
MISS_SCORE_AT_MOST = 50
_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def missed_reinforcements() -> Q:
    """Reinforcements the rep missed: left to expire, or answered half right or worse."""
    return Q(status=Reinforcement.Status.EXPIRED) | Q(
        status=Reinforcement.Status.ANSWERED, score__lte=MISS_SCORE_AT_MOST
    )


def is_missed(status: str, score: int | None) -> bool:
    """``missed_reinforcements`` for one row's status and score."""
    if status == Reinforcement.Status.EXPIRED:
        return True
    return (
        status == Reinforcement.Status.ANSWERED
        and score is not None
        and score <= MISS_SCORE_AT_MOST
    )


def reinforcement_path(reinforcement: Reinforcement) -> str:
    """The answer page, once the pages exist; empty until then (the reminder still goes out)."""
    try:
        return reverse("coaching:reinforcement", args=[reinforcement.pk])
    except NoReverseMatch:
        return ""


def teaching_modules(*, skill: Skill) -> list[Module]:
    """Published modules tagged with ``skill``: the ones that taught it."""
    return list(
        Module.objects.filter(skills=skill, course__status=Course.Status.PUBLISHED)
        .select_related("course")
        .order_by("course__title", "position")
    )


def latest_completed(*, rep: User, modules: list[Module]) -> Module | None:
    """Of ``modules``, the one ``rep`` completed last, else the first (None for none): the
    module a session on the skill works from."""
    if not modules:
        return None
    latest = (
        ModuleCompletion.objects.filter(user=rep, module__in=modules)
        .order_by("-completed_at")
        .values_list("module_id", flat=True)
        .first()
    )
    return next((module for module in modules if module.pk == latest), modules[0])


def reinforcement_questions_pick(
    *, rep: User, skill: Skill, count: int | None = None
) -> list[Question]:
    """Up to ``count`` (1-3, default REINFORCEMENT_QUESTIONS) questions on ``skill``.

    Only questions tagged with the skill, from modules that taught it: the ones the rep
    completed, or, when they completed none (the skill came up in coaching first), any
    published one. Questions the rep answered wrong last time come first, then those seen
    longest ago (never seen counts as longest), then quiz order.
    """
    count = max(1, min(count or settings.REINFORCEMENT_QUESTIONS, MAX_QUESTIONS))
    modules = [module.pk for module in teaching_modules(skill=skill)]
    completed = set(
        ModuleCompletion.objects.filter(user=rep, module_id__in=modules).values_list(
            "module_id", flat=True
        )
    )
    module_ids = [pk for pk in modules if pk in completed] or modules
    pool = list(
        Question.objects.filter(skill=skill, quiz__module_id__in=module_ids)
        .select_related("quiz__module")
        .order_by("quiz__module__course__title", "quiz__module__position", "position")
    )
    if not pool:
        return []
    ids = {question.pk for question in pool}
    # What the rep last made of each question, and when they last saw it.
    last_seen: dict[int, dt.datetime] = {}
    last_result: dict[int, tuple[dt.datetime, bool]] = {}

    def saw(question_id: int, at: dt.datetime | None, is_correct: bool | None) -> None:
        if at is None:
            return
        if at > last_seen.get(question_id, _NEVER):
            last_seen[question_id] = at
        if is_correct is not None and at >= last_result.get(question_id, (_NEVER, True))[0]:
            last_result[question_id] = (at, is_correct)

    for question_id, is_correct, at in AttemptAnswer.objects.filter(
        attempt__user=rep, question_id__in=ids
    ).values_list("question_id", "is_correct", "attempt__submitted_at"):
        saw(question_id, at, is_correct)
    for question_id, is_correct, at in ReinforcementAnswer.objects.filter(
        reinforcement__rep=rep, question_id__in=ids
    ).values_list("question_id", "is_correct", "reinforcement__answered_at"):
        saw(question_id, at, is_correct)
    # Shown but never answered (it expired) still counts as seen.
    for question_ids, at in Reinforcement.objects.filter(rep=rep, skill=skill).values_list(
        "question_ids", "due_at"
    ):
        for question_id in question_ids:
            if question_id in ids:
                saw(question_id, at, None)

    order = {question.pk: index for index, question in enumerate(pool)}

    def priority(question: Question) -> tuple[bool, dt.datetime, int]:
        missed = last_result.get(question.pk, (_NEVER, True))[1] is False
        return (not missed, last_seen.get(question.pk, _NEVER), order[question.pk])

    return sorted(pool, key=priority)[:count]


def _delivery_time(rep: User, now: dt.datetime) -> dt.datetime:
    """Now, or the start of the rep's next working day when it is night where they are."""
    local = now.astimezone(rep.tzinfo)
    start, end = settings.COACHING_WORKDAY_START_HOUR, settings.COACHING_WORKDAY_END_HOUR
    if start <= local.hour < end:
        return now
    day = local.date() if local.hour < start else local.date() + dt.timedelta(days=1)
    wall = dt.datetime.combine(day, dt.time(hour=start), tzinfo=rep.tzinfo)
    return wall.astimezone(dt.UTC)


def _reminder_keys(reinforcement: Reinforcement) -> list[str]:
    return [f"reinforcement:{reinforcement.pk}:{reinforcement.rep_id}:{c}" for c in CHANNELS]


def _reinforcement_create(
    *, rep: User, skill: Skill, questions: list[Question], due_at: dt.datetime
) -> Reinforcement | None:
    try:
        with transaction.atomic():
            reinforcement = Reinforcement.objects.create(
                rep=rep,
                skill=skill,
                question_ids=[question.pk for question in questions],
                due_at=due_at,
                expires_at=due_at + dt.timedelta(hours=settings.REINFORCEMENT_EXPIRE_HOURS),
            )
    except IntegrityError:
        # Another run opened one for this skill first; one pending per skill is the rule.
        return None
    count = len(questions)
    payload: dict[str, Any] = {
        "reinforcement": reinforcement.pk,
        "skill": skill.pk,
        "title": f"Two-minute refresher: {skill.name}",
        "body": (
            f"{count} question{'s' if count != 1 else ''} on {skill.name} to keep it "
            "fresh. You see the answers and why straight away."
        ),
    }
    path = reinforcement_path(reinforcement)
    if path:
        payload["url"] = path
    reminder_schedule(
        recipient=rep,
        kind=Reminder.Kind.REINFORCEMENT_DUE,
        due_at=due_at,
        key=f"reinforcement:{reinforcement.pk}",
        payload=payload,
    )
    return reinforcement


@transaction.atomic
def reinforcements_due(*, now: dt.datetime | None = None) -> list[Reinforcement]:
    """Open a reinforcement for each skill whose forecast recall has fallen below the target.

    Per rep: the weakest skills first, none for a skill that already has one pending, and at
    most REINFORCEMENT_MAX_PER_DAY falling on one day of the rep's calendar. Each gets its
    reminder through the outbox, due now or at the start of the rep's working day. Running it
    again at once opens nothing more.
    """
    now = now or timezone.now()
    target = settings.REINFORCEMENT_TARGET_RECALL
    memories = list(
        SkillMemory.objects.filter(next_due_at__lte=now, rep__is_active=True).select_related(
            "rep", "skill"
        )
    )
    if not memories:
        return []
    rep_ids = {memory.rep_id for memory in memories}
    pending = set(
        Reinforcement.objects.filter(
            rep_id__in=rep_ids, status=Reinforcement.Status.PENDING
        ).values_list("rep_id", "skill_id")
    )
    recent: dict[int, list[dt.datetime]] = defaultdict(list)
    for rep_id, due_at in Reinforcement.objects.filter(
        rep_id__in=rep_ids, due_at__gte=now - dt.timedelta(days=2)
    ).values_list("rep_id", "due_at"):
        recent[rep_id].append(due_at)

    by_rep: dict[int, list[tuple[float, SkillMemory]]] = defaultdict(list)
    for memory in memories:
        recall = retention_forecast(memory=memory, at=now)
        if recall < target and (memory.rep_id, memory.skill_id) not in pending:
            by_rep[memory.rep_id].append((recall, memory))

    created = []
    for candidates in by_rep.values():
        candidates.sort(key=lambda item: (item[0], item[1].skill_id))
        rep = candidates[0][1].rep
        due_at = _delivery_time(rep, now)
        day = due_at.astimezone(rep.tzinfo).date()
        used = sum(1 for at in recent[rep.pk] if at.astimezone(rep.tzinfo).date() == day)
        room = settings.REINFORCEMENT_MAX_PER_DAY - used
        for _recall, memory in candidates:
            if room <= 0:
                break
            questions = reinforcement_questions_pick(rep=rep, skill=memory.skill)
            if not questions:
                continue
            reinforcement = _reinforcement_create(
                rep=rep, skill=memory.skill, questions=questions, due_at=due_at
            )
            if reinforcement is not None:
                created.append(reinforcement)
                room -= 1
    return created


@transaction.atomic
def reinforcement_send_now(
    *, rep: User, skill: Skill, now: dt.datetime | None = None
) -> Reinforcement:
    """Open a reinforcement on ``skill`` for ``rep`` now, by a manager's choice (the coaching
    budget's alternative to a session): the same questions and reminder as when it falls due,
    sent now or at the start of the rep's working day. A manager's choice is not held to
    REINFORCEMENT_MAX_PER_DAY. One already open on the skill serves. DomainError when the
    skill has no questions to draw from."""
    now = now or timezone.now()
    pending = Reinforcement.objects.filter(
        rep=rep, skill=skill, status=Reinforcement.Status.PENDING, expires_at__gt=now
    ).first()
    if pending is not None:
        return pending
    questions = reinforcement_questions_pick(rep=rep, skill=skill)
    if not questions:
        raise DomainError(f"{skill.name} has no quiz questions to send as refreshers yet.")
    reinforcement = _reinforcement_create(
        rep=rep, skill=skill, questions=questions, due_at=_delivery_time(rep, now)
    )
    if reinforcement is None:
        raise Conflict(f"A refresher on {skill.name} is still open for {rep}; try again shortly.")
    return reinforcement


@dataclass
class ReinforcementFeedback:
    reinforcement: Reinforcement
    score: int
    correct: int
    total: int
    rating: str  # the FSRS rating it gave the skill: Again, Hard or Good
    items: list[QuestionFeedback] = field(default_factory=list)
    retention: float = 0.0  # forecast recall right after answering
    next_due_at: dt.datetime | None = None


@transaction.atomic
def reinforcement_answer(
    *,
    rep: User,
    reinforcement: Reinforcement,
    answers: Iterable[dict],
    now: dt.datetime | None = None,
) -> ReinforcementFeedback:
    """Grade a reinforcement once and review the skill's memory with the result.

    ``answers`` is ``[{"question": id, "choices": [id, ...]}, ...]``; an unanswered question
    is wrong, and a question counts only when exactly its correct choices are picked. The
    feedback names the right choices with each explanation. Raises DomainError when it is not
    the rep's, has expired, or an answer names a question or choice outside it, and Conflict
    when it was answered already.
    """
    now = now or timezone.now()
    reinforcement = (
        Reinforcement.objects.select_for_update().select_related("skill").get(pk=reinforcement.pk)
    )
    if reinforcement.rep_id != rep.pk:
        raise DomainError("This reinforcement belongs to someone else.")
    if reinforcement.status == Reinforcement.Status.ANSWERED:
        raise Conflict("This reinforcement has already been answered.")
    if reinforcement.status == Reinforcement.Status.EXPIRED or reinforcement.expires_at <= now:
        raise DomainError("This reinforcement has expired; a fresh one comes when it is due.")
    questions = Question.objects.in_bulk(reinforcement.question_ids)
    question_ids = [pk for pk in reinforcement.question_ids if pk in questions]
    if not question_ids:
        raise DomainError("This reinforcement's questions no longer exist.")
    allowed: dict[int, list[int]] = defaultdict(list)
    correct_ids: dict[int, list[int]] = defaultdict(list)
    for question_id, choice_id, is_correct in Choice.objects.filter(
        question_id__in=question_ids
    ).values_list("question_id", "pk", "is_correct"):
        allowed[question_id].append(choice_id)
        if is_correct:
            correct_ids[question_id].append(choice_id)
    selected = answers_parse(
        allowed={pk: allowed[pk] for pk in question_ids},
        answers=answers,
        part_of="reinforcement",
    )
    graded = answers_grade(question_ids=question_ids, selected=selected, correct=correct_ids)
    ReinforcementAnswer.objects.bulk_create(
        [
            ReinforcementAnswer(
                reinforcement=reinforcement,
                question_id=answer.question_id,
                choice_ids=answer.chosen_ids,
                is_correct=answer.is_correct,
            )
            for answer in graded
        ]
    )
    items = [QuestionFeedback.of(questions[answer.question_id], answer) for answer in graded]
    correct = sum(item.is_correct for item in items)
    total = len(items)
    reinforcement.score = score_percent(right=correct, total=total)
    reinforcement.status = Reinforcement.Status.ANSWERED
    reinforcement.answered_at = now
    reinforcement.save(update_fields=["score", "status", "answered_at"])
    reminders_cancel(
        reminders=Reminder.objects.filter(dedupe_key__in=_reminder_keys(reinforcement))
    )

    rating = rating_for_answers(correct=correct, total=total)
    memory = memory_review(rep=rep, skill=reinforcement.skill, rating=rating, at=now)
    return ReinforcementFeedback(
        reinforcement=reinforcement,
        score=reinforcement.score,
        correct=correct,
        total=total,
        rating=rating.name,
        items=items,
        retention=retention_forecast(memory=memory, at=now),
        next_due_at=memory.next_due_at,
    )


@transaction.atomic
def reinforcements_expire(*, now: dt.datetime | None = None) -> int:
    """Close pending reinforcements whose time ran out; their unsent reminders are cancelled.

    An expired reinforcement is a miss (see ``missed_reinforcements``); the skill stays due, so
    a fresh one opens on a later day.
    """
    now = now or timezone.now()
    expiring = list(
        Reinforcement.objects.select_for_update().filter(
            status=Reinforcement.Status.PENDING, expires_at__lte=now
        )
    )
    if not expiring:
        return 0
    Reinforcement.objects.filter(pk__in=[r.pk for r in expiring]).update(
        status=Reinforcement.Status.EXPIRED
    )
    keys = [key for reinforcement in expiring for key in _reminder_keys(reinforcement)]
    reminders_cancel(reminders=Reminder.objects.filter(dedupe_key__in=keys))
    return len(expiring)
