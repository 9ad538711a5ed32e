"""Quiz attempts as their taker sees them: the frozen sheet, attempts left, the quiz standing."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User
from lms.models import AttemptAnswer, Choice, ModuleCompletion, Question, Quiz, QuizAttempt
from lms.selectors.access import attempt_for, quiz_for


def attempts_left(*, user: User, quiz: Quiz) -> int:
    used = QuizAttempt.objects.submitted().filter(user=user, quiz=quiz).count()
    return max(quiz.max_attempts - used, 0)


def missed_questions(*, user: User, module_id: int) -> list[Question]:
    """Questions of a module's quiz that the person has got wrong in any attempt, in quiz order."""
    return list(
        Question.objects.filter(
            quiz__module_id=module_id,
            answers__attempt__user=user,
            answers__is_correct=False,
        )
        .select_related("skill")
        .distinct()
        .order_by("position")
    )


@dataclass(frozen=True)
class AttemptItem:
    """One question of an attempt as it was shown, with the answer once submitted."""

    question: Question
    choices: list[Choice]
    answer: AttemptAnswer | None

    @property
    def correct_choice_ids(self) -> list[int]:
        return [choice.pk for choice in self.choices if choice.is_correct]

    @property
    def chosen_choice_ids(self) -> list[int]:
        return list(self.answer.choice_ids) if self.answer else []

    @property
    def is_correct(self) -> bool:
        return bool(self.answer and self.answer.is_correct)


@dataclass(frozen=True)
class AttemptSheet:
    attempt: QuizAttempt
    items: list[AttemptItem]


def attempt_sheet(
    *,
    attempt: QuizAttempt,
    questions: list[Question] | None = None,
    answers: list[AttemptAnswer] | None = None,
) -> AttemptSheet:
    """The attempt's questions and choices in the order frozen at its start, with its answers once
    submitted. Interfaces decide what of it to show: nothing that grades before submission.

    ``questions`` (their choices prefetched) and ``answers`` are for a caller that loaded them
    already, such as the submit that graded them; otherwise they are loaded here.
    """
    if questions is None:
        questions = list(
            Question.objects.filter(pk__in=attempt.question_ids).prefetch_related("choices")
        )
    if answers is None:
        answers = list(attempt.answers.all()) if attempt.is_submitted else []
    question_of = {question.pk: question for question in questions}
    answer_of = {answer.question_id: answer for answer in answers}
    items = []
    for entry in attempt.layout:
        question = question_of.get(entry["question"])
        if question is None:
            continue
        by_id = {choice.pk: choice for choice in question.choices.all()}
        items.append(
            AttemptItem(
                question=question,
                choices=[by_id[pk] for pk in entry["choices"] if pk in by_id],
                answer=answer_of.get(question.pk),
            )
        )
    return AttemptSheet(attempt=attempt, items=items)


@dataclass(frozen=True)
class QuizStanding:
    quiz: Quiz
    # The person's attempts, newest first.
    attempts: list[QuizAttempt]
    question_count: int
    attempts_left: int

    @property
    def open_attempt(self) -> QuizAttempt | None:
        return next((a for a in self.attempts if not a.is_submitted), None)

    @property
    def passed(self) -> bool:
        return any(a.passed for a in self.attempts)


def quiz_standing_for(*, user: User, quiz_id: int) -> QuizStanding:
    """A visible quiz with ``user``'s attempts at it; 404 for what they may not see."""
    quiz = quiz_for(user=user, quiz_id=quiz_id)
    pool = quiz.questions.count()
    return QuizStanding(
        quiz=quiz,
        attempts=list(QuizAttempt.objects.filter(user=user, quiz=quiz).order_by("-number")),
        question_count=min(quiz.questions_per_attempt or pool, pool),
        attempts_left=attempts_left(user=user, quiz=quiz),
    )


@dataclass(frozen=True)
class AttemptPage:
    sheet: AttemptSheet
    attempts_left: int
    # The person's completion of the quiz's module, whichever attempt (or lesson) brought it.
    completion: ModuleCompletion | None

    @property
    def attempt(self) -> QuizAttempt:
        return self.sheet.attempt

    @property
    def completed_module(self) -> bool:
        """This attempt's pass is what completed the module."""
        return self.completion is not None and self.completion.attempt_id == self.attempt.pk


def attempt_page_for(*, user: User, attempt_id: int) -> AttemptPage:
    """The person's own attempt in its frozen order; anyone else's is a 404."""
    attempt = attempt_for(user=user, attempt_id=attempt_id)
    return AttemptPage(
        sheet=attempt_sheet(attempt=attempt),
        attempts_left=attempts_left(user=user, quiz=attempt.quiz),
        completion=ModuleCompletion.objects.filter(
            user=user, module_id=attempt.quiz.module_id
        ).first(),
    )
