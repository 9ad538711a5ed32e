"""Quiz attempts as their taker sees them: the frozen sheet, attempts left, the quiz standing,
and when the right answers may be shown (the quiz's review policy)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce

from accounts.models import User
from lms.models import (
    AttemptAnswer,
    Choice,
    ExtraAttemptGrant,
    ExtraAttemptRequest,
    ModuleCompletion,
    Question,
    Quiz,
    QuizAttempt,
)
from lms.querysets import count_of, sum_of
from lms.selectors.access import attempt_for, quiz_for


def attempts_left_of(*, max_attempts: int, granted: int, used: int) -> int:
    """The one rule for attempts left: the quiz's own, plus every grant, less those submitted.
    Every count of attempts left (pages, API, the start of an attempt) comes through here."""
    return max(max_attempts + granted - used, 0)


def granted_attempts(*, user: User | int | OuterRef, quiz: Quiz | OuterRef) -> Coalesce:
    """SQL for the extra attempts granted to ``user`` at ``quiz`` (either may be an OuterRef)."""
    grants = ExtraAttemptGrant.objects.filter(user=user, quiz=quiz)
    return sum_of(grants, field="attempts", group_by="quiz")


@dataclass(frozen=True)
class AttemptTally:
    """One person's count at one quiz."""

    max_attempts: int
    granted: int
    used: int
    passed: bool

    @property
    def left(self) -> int:
        return attempts_left_of(
            max_attempts=self.max_attempts, granted=self.granted, used=self.used
        )

    @property
    def used_up(self) -> bool:
        """Out of attempts without a pass: the dead end a manager's grant opens."""
        return not self.passed and self.left == 0


def attempt_tally(*, user: User | int, quiz: Quiz) -> AttemptTally:
    """Attempts submitted, extra attempts granted and whether any passed, in one query."""
    user_id = user if isinstance(user, int) else user.pk
    mine = QuizAttempt.objects.filter(user_id=user_id, quiz=OuterRef("pk"))
    used, granted, passed = (
        Quiz.objects.filter(pk=quiz.pk)
        .order_by()
        .values_list(
            count_of(mine.submitted(), group_by="quiz"),
            granted_attempts(user=user_id, quiz=OuterRef("pk")),
            Exists(mine.passed()),
        )
        .get()
    )
    return AttemptTally(max_attempts=quiz.max_attempts, granted=granted, used=used, passed=passed)


def attempts_left(*, user: User, quiz: Quiz) -> int:
    return attempt_tally(user=user, quiz=quiz).left


def answer_key_shown(*, quiz: Quiz, tally: AttemptTally) -> bool:
    """Whether a submitted attempt may show which choices were right, by the quiz's review
    policy. Which questions were missed, and their explanations, are shown regardless."""
    policy = quiz.review_policy
    if policy == Quiz.ReviewPolicy.AFTER_ATTEMPT:
        return True
    if policy == Quiz.ReviewPolicy.ONCE_PASSED:
        return tally.passed
    return tally.passed or tally.left == 0


def questions_with_choices(*, ids: Sequence[int]) -> list[Question]:
    """The questions with these ids, in the order given, each with its choices prefetched in
    their order; two queries. An id with no question (deleted since) is passed over. What an
    attempt's sheet and its grading read, and a refresher's questions."""
    found = Question.objects.filter(pk__in=ids).prefetch_related("choices").in_bulk()
    return [found[pk] for pk in ids if pk in found]


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
    # The review policy's verdict: without it, nothing says which choices were right.
    key_shown: bool = False

    @property
    def correct_choice_ids(self) -> list[int] | None:
        if not self.key_shown:
            return None
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
    key_shown: bool = False


def attempt_sheet(
    *,
    attempt: QuizAttempt,
    questions: list[Question] | None = None,
    answers: list[AttemptAnswer] | None = None,
    tally: AttemptTally | None = None,
) -> AttemptSheet:
    """The attempt's questions and choices in the order frozen at its start, with its answers once
    submitted, and the right choices when the quiz's review policy allows. Interfaces decide
    what of it to show: nothing that grades before submission.

    ``questions`` (their choices prefetched), ``answers`` and the taker's ``tally`` are for a
    caller that loaded them already, such as the submit that graded them; otherwise they are
    loaded here.
    """
    if questions is None:
        questions = questions_with_choices(ids=attempt.question_ids)
    if answers is None:
        answers = list(attempt.answers.all()) if attempt.is_submitted else []
    key_shown = False
    if attempt.is_submitted:
        tally = tally or attempt_tally(user=attempt.user_id, quiz=attempt.quiz)
        key_shown = answer_key_shown(quiz=attempt.quiz, tally=tally)
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
                key_shown=key_shown,
            )
        )
    return AttemptSheet(attempt=attempt, items=items, key_shown=key_shown)


@dataclass(frozen=True)
class WayForward:
    """What someone out of attempts can do: whom to ask, whether they have asked, and the
    latest grant of more attempts."""

    manager: User | None
    # Their request still waiting for an answer, if any.
    request: ExtraAttemptRequest | None
    last_grant: ExtraAttemptGrant | None


def way_forward_for(*, user: User, quiz: Quiz) -> WayForward:
    """Two queries: the open request, the latest grant (each with the person named)."""
    return WayForward(
        manager=user.manager,
        request=ExtraAttemptRequest.objects.filter(user=user, quiz=quiz, grant__isnull=True)
        .select_related("asked")
        .first(),
        last_grant=ExtraAttemptGrant.objects.filter(user=user, quiz=quiz)
        .select_related("granted_by")
        .first(),
    )


@dataclass(frozen=True)
class QuizStanding:
    quiz: Quiz
    # The person's attempts, newest first.
    attempts: list[QuizAttempt]
    question_count: int
    tally: AttemptTally
    way_forward: WayForward

    @property
    def attempts_left(self) -> int:
        return self.tally.left

    @property
    def attempts_allowed(self) -> int:
        return self.tally.max_attempts + self.tally.granted

    @property
    def open_attempt(self) -> QuizAttempt | None:
        return next((a for a in self.attempts if not a.is_submitted), None)

    @property
    def passed(self) -> bool:
        return self.tally.passed


def quiz_standing_for(*, user: User, quiz_id: int) -> QuizStanding:
    """A visible quiz with ``user``'s attempts at it; 404 for what they may not see."""
    quiz = quiz_for(user=user, quiz_id=quiz_id)
    pool = quiz.questions.count()
    return QuizStanding(
        quiz=quiz,
        attempts=list(QuizAttempt.objects.filter(user=user, quiz=quiz).order_by("-number")),
        question_count=min(quiz.questions_per_attempt or pool, pool),
        tally=attempt_tally(user=user, quiz=quiz),
        way_forward=way_forward_for(user=user, quiz=quiz),
    )


@dataclass(frozen=True)
class AttemptPage:
    sheet: AttemptSheet
    tally: AttemptTally
    # The person's completion of the quiz's module, whichever attempt (or lesson) brought it.
    completion: ModuleCompletion | None
    way_forward: WayForward | None

    @property
    def attempt(self) -> QuizAttempt:
        return self.sheet.attempt

    @property
    def attempts_left(self) -> int:
        return self.tally.left

    @property
    def completed_module(self) -> bool:
        """This attempt's pass is what completed the module."""
        return self.completion is not None and self.completion.attempt_id == self.attempt.pk

    @property
    def course_open(self) -> bool:
        """Progress counts only in a published course (``lms.services.progress_rules``)."""
        return self.attempt.quiz.module.course.is_published


def attempt_page_for(*, user: User, attempt_id: int) -> AttemptPage:
    """The person's own attempt in its frozen order; anyone else's is a 404."""
    attempt = attempt_for(user=user, attempt_id=attempt_id)
    tally = attempt_tally(user=user, quiz=attempt.quiz)
    return AttemptPage(
        sheet=attempt_sheet(attempt=attempt, tally=tally),
        tally=tally,
        completion=ModuleCompletion.objects.filter(
            user=user, module_id=attempt.quiz.module_id
        ).first(),
        # Only a dead end needs a way out; the rest of the time it costs no queries.
        way_forward=way_forward_for(user=user, quiz=attempt.quiz) if tally.used_up else None,
    )
