"""The quiz engine: frozen attempts, all-or-nothing grading, pass mark and attempt limits."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from config.errors import Conflict, DomainError
from lms.grading import answers_grade, answers_parse, score_percent
from lms.models import AttemptAnswer, ModuleCompletion, Question, Quiz, QuizAttempt
from lms.selectors.quizzes import AttemptTally, attempt_tally, questions_with_choices
from lms.services.completion import module_completion_check
from lms.services.enrolment import enrolment_self
from lms.services.published import course_require_published
from lms.signals import quiz_attempts_used_up, quiz_submitted

_random = random.SystemRandom()


@dataclass
class AttemptResult:
    attempt: QuizAttempt
    score: int
    passed: bool
    completion: ModuleCompletion | None
    module_completed: bool
    follow_up: dict[str, Any] = field(default_factory=dict)
    missed_question_ids: list[int] = field(default_factory=list)
    # What grading loaded (the questions with their choices) and wrote, so that the graded
    # sheet can be shown without reading them again.
    questions: list[Question] = field(default_factory=list)
    answers: list[AttemptAnswer] = field(default_factory=list)
    # The taker's count at the quiz once this attempt is in.
    tally: AttemptTally | None = None


@transaction.atomic
def attempt_start(*, user: User, quiz: Quiz, rng: random.Random | None = None) -> QuizAttempt:
    """Start (or resume) an attempt with its questions and choice order frozen.

    An unsubmitted attempt is returned again rather than spending another try. ``rng`` draws
    the questions and orders the choices (the system's randomness unless given; a seeded one
    makes the draw repeatable).
    Raises CourseNotPublished (a Conflict) when the course is not published, DomainError when
    the quiz has no questions or no attempts are left.
    """
    # Lock the person's row so two tabs starting at once agree on the attempt number.
    User.objects.select_for_update().filter(pk=user.pk).first()
    enrolment_self(user=user, course=quiz.module.course)
    open_attempt = QuizAttempt.objects.open().filter(user=user, quiz=quiz).first()
    if open_attempt is not None:
        return open_attempt
    tally = attempt_tally(user=user, quiz=quiz)
    if tally.left <= 0:
        raise DomainError(f"You have used all {tally.used} attempts at this quiz.")
    questions = list(quiz.questions.prefetch_related("choices"))
    if not questions:
        raise DomainError("This quiz has no questions yet.")
    rng = rng or _random
    if quiz.questions_per_attempt and quiz.questions_per_attempt < len(questions):
        drawn = {q.pk for q in rng.sample(questions, quiz.questions_per_attempt)}
        questions = [q for q in questions if q.pk in drawn]
    layout = []
    for question in questions:
        choice_ids = [c.pk for c in question.choices.all()]
        if quiz.shuffle_choices:
            rng.shuffle(choice_ids)
        layout.append({"question": question.pk, "choices": choice_ids})
    number = QuizAttempt.objects.filter(user=user, quiz=quiz).count() + 1
    return QuizAttempt.objects.create(
        user=user, quiz=quiz, number=number, layout=layout, started_at=timezone.now()
    )


@transaction.atomic
def attempt_submit(*, attempt: QuizAttempt, answers: Iterable[Mapping]) -> AttemptResult:
    """Grade an attempt once; a question counts only when exactly its correct choices are picked.

    ``answers`` is ``[{"question": id, "choices": [id, ...]}, ...]``; unanswered questions are
    wrong. Raises Conflict when the attempt was already submitted (also when two submits race:
    the row lock makes the second wait and then see the first) or its course is not published
    any more (CourseNotPublished), and DomainError for a question outside the attempt, a choice
    outside its question or a question answered twice. Passing may complete the module; failing
    the last attempt sends ``quiz_attempts_used_up``.
    """
    # What completing the module reads next (the person, their manager, the module and its
    # course) comes with the locked row rather than one query each.
    attempt = (
        QuizAttempt.objects.select_for_update(of=("self",))
        .select_related("quiz__module__course", "user__manager")
        .get(pk=attempt.pk)
    )
    if attempt.is_submitted:
        raise Conflict("This attempt has already been submitted.")
    course_require_published(course=attempt.quiz.module.course)
    selected = answers_parse(
        allowed={item["question"]: item["choices"] for item in attempt.layout},
        answers=answers,
        part_of="attempt",
    )
    # Graded against the choices the rep was shown: a correct choice added after the start
    # could never have been picked, so it must not make the question unanswerable.
    shown = {choice_id for item in attempt.layout for choice_id in item["choices"]}
    questions = questions_with_choices(ids=attempt.question_ids)
    correct = {
        question.pk: [c.pk for c in question.choices.all() if c.is_correct and c.pk in shown]
        for question in questions
    }
    graded = answers_grade(question_ids=attempt.question_ids, selected=selected, correct=correct)
    rows = [
        AttemptAnswer(
            attempt=attempt,
            question_id=answer.question_id,
            choice_ids=answer.chosen_ids,
            is_correct=answer.is_correct,
        )
        for answer in graded
    ]
    AttemptAnswer.objects.bulk_create(rows)
    missed = [answer.question_id for answer in graded if not answer.is_correct]
    score = score_percent(right=len(graded) - len(missed), total=len(graded))
    attempt.score = score
    attempt.passed = score >= attempt.quiz.pass_mark
    attempt.submitted_at = timezone.now()
    attempt.save(update_fields=["score", "passed", "submitted_at"])
    quiz_submitted.send(sender=QuizAttempt, attempt=attempt)

    outcome = None
    if attempt.passed:
        outcome = module_completion_check(
            user=attempt.user, module=attempt.quiz.module, attempt=attempt
        )
    tally = attempt_tally(user=attempt.user_id, quiz=attempt.quiz)
    if tally.used_up:
        quiz_attempts_used_up.send(sender=QuizAttempt, attempt=attempt)
    return AttemptResult(
        attempt=attempt,
        score=score,
        passed=attempt.passed,
        completion=outcome.completion if outcome else None,
        module_completed=bool(outcome and outcome.created),
        follow_up=outcome.follow_up if outcome else {},
        missed_question_ids=missed,
        questions=questions,
        answers=rows,
        tally=tally,
    )
