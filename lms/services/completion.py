"""Exactly-once module completion and its announcement."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
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


def _module_requirements_met(*, user: User, module: Module) -> tuple[bool, QuizAttempt | None]:
    lesson_ids = set(Lesson.objects.filter(module=module).values_list("pk", flat=True))
    done = set(
        LessonProgress.objects.filter(user=user, lesson__module=module).values_list(
            "lesson_id", flat=True
        )
    )
    if lesson_ids - done:
        return False, None
    quiz = Quiz.objects.filter(module=module).first()
    if quiz is None:
        return True, None
    passing = (
        QuizAttempt.objects.filter(user=user, quiz=quiz, passed=True)
        .order_by("-score", "submitted_at")
        .first()
    )
    return passing is not None, passing


def module_completion_check(*, user: User, module: Module) -> CompletionOutcome:
    """Record the completion when every lesson is done and the quiz (if any) is passed.

    Runs inside the caller's transaction and sends ``module_completed`` in it, so a rollback
    undoes the completion and whatever the receivers wrote. Safe to call any number of times,
    concurrently too: the unique constraint lets exactly one caller create the row.
    """
    # Two steps finishing at once (the last two lessons, or the last lesson and the quiz) would
    # each miss the other's uncommitted row and neither would complete the module. Queueing the
    # person's checks on their row makes the later one see the earlier one's steps. NO KEY
    # UPDATE so that other writes merely referring to the person (their foreign-key checks take
    # KEY SHARE) are not held up behind it.
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
    existing = ModuleCompletion.objects.filter(user=user, module=module).first()
    if existing is not None:
        return CompletionOutcome(completion=existing, created=False)
    met, attempt = _module_requirements_met(user=user, module=module)
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
