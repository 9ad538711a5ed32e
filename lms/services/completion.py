"""Exactly-once module completion and its announcement."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from accounts.models import User
from lms.models import Lesson, LessonProgress, Module, ModuleCompletion, Quiz, QuizAttempt
from lms.signals import module_completed

logger = logging.getLogger(__name__)


@dataclass
class CompletionOutcome:
    completion: ModuleCompletion | None
    created: bool
    # What receivers of module_completed created in answer, merged ({"follow_up_session": id}).
    follow_up: dict[str, Any] = field(default_factory=dict)


def _module_state(
    *, user: User, module: Module, attempt: QuizAttempt | None
) -> tuple[bool, bool, QuizAttempt | None]:
    """Whether ``user`` completed ``module`` already, whether its requirements are met, and the
    attempt that passed its quiz (the best one), in one query.

    Every lesson must be read and the quiz, if there is one, passed. ``attempt`` is one the
    caller holds already; when it is the best passing one, it is the one returned.
    """
    passing = (
        QuizAttempt.objects.passed()
        .filter(user=user, quiz__module=OuterRef("pk"))
        .order_by("-score", "submitted_at")
    )
    unread = Lesson.objects.filter(module=OuterRef("pk")).exclude(
        Exists(LessonProgress.objects.filter(user=user, lesson=OuterRef("pk")))
    )
    completed, lessons_left, has_quiz, best_id = (
        Module.objects.filter(pk=module.pk)
        .order_by()
        .values_list(
            Exists(ModuleCompletion.objects.filter(user=user, module=OuterRef("pk"))),
            Exists(unread),
            Exists(Quiz.objects.filter(module=OuterRef("pk"))),
            Subquery(passing.values("pk")[:1]),
        )
        .get()
    )
    if completed or lessons_left:
        return completed, False, None
    if not has_quiz:
        return False, True, None
    if best_id is None:
        return False, False, None
    if attempt is None or attempt.pk != best_id:
        attempt = QuizAttempt.objects.get(pk=best_id)
    # Receivers read the attempt's person: spare them fetching the row this caller holds.
    attempt.user = user
    return False, True, attempt


def module_completion_check(
    *, user: User, module: Module, attempt: QuizAttempt | None = None
) -> CompletionOutcome:
    """Record the completion when every lesson is done and the quiz (if any) is passed.

    Runs inside the caller's transaction and sends ``module_completed`` in it, so a rollback
    undoes the completion and whatever the receivers wrote. Safe to call any number of times,
    concurrently too: the unique constraint lets exactly one caller create the row.
    ``attempt`` is a quiz attempt the caller has just submitted, if any: a shortcut, not a rule
    (the best passing attempt is the one recorded, whichever it is).
    """
    # Two steps finishing at once (the last two lessons, or the last lesson and the quiz) would
    # each miss the other's uncommitted row and neither would complete the module. Queueing the
    # person's checks on their row makes the later one see the earlier one's steps. NO KEY
    # UPDATE so that other writes merely referring to the person (their foreign-key checks take
    # KEY SHARE) are not held up behind it.
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
    completed, met, attempt = _module_state(user=user, module=module, attempt=attempt)
    if completed:
        existing = ModuleCompletion.objects.get(user=user, module=module)
        return CompletionOutcome(completion=existing, created=False)
    if not met:
        return CompletionOutcome(completion=None, created=False)
    try:
        with transaction.atomic():
            completion = ModuleCompletion.objects.create(
                user=user,
                module=module,
                completed_at=timezone.now(),
                score=attempt.score if attempt else None,
                attempt=attempt,
            )
    except IntegrityError:
        # Someone else completed it first in a concurrent transaction: theirs stands.
        return CompletionOutcome(
            completion=ModuleCompletion.objects.get(user=user, module=module), created=False
        )
    follow_up: dict[str, Any] = {}
    for _receiver, response in module_completed.send(
        sender=ModuleCompletion, completion=completion, attempt=attempt
    ):
        if isinstance(response, dict):
            follow_up.update(response)
    logger.info("module %s completed by user %s", module.pk, user.pk)
    return CompletionOutcome(completion=completion, created=True, follow_up=follow_up)
