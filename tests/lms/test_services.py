"""The training services, exhaustively: grading, attempts, submit errors, exactly-once
completion and its signal, enrolment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.utils import timezone

import lms.services.enrolment as enrolment_services
from config.errors import Conflict, DomainError
from lms.models import (
    AttemptAnswer,
    Course,
    Enrolment,
    LessonProgress,
    ModuleCompletion,
    Question,
    QuizAttempt,
    Skill,
)
from lms.services import (
    attempt_start,
    attempt_submit,
    enrolment_assign,
    enrolment_assign_team,
    enrolment_self,
    lesson_complete,
    module_completion_check,
)
from lms.signals import module_completed
from tests.factories import (
    AdminFactory,
    ChoiceFactory,
    CourseFactory,
    ManagerFactory,
    QuizFactory,
    RepFactory,
    build_module,
    correct_answers,
    question_with_choices,
)

pytestmark = pytest.mark.django_db


# --- helpers ---------------------------------------------------------------------------------


def pick(question: Question, *positions: int) -> dict:
    """An answer choosing the question's choices at the given 1-based positions."""
    choices = list(question.choices.order_by("position"))
    return {"question": question.pk, "choices": [choices[p - 1].pk for p in positions]}


def quiz_of(*patterns: list[bool], **quiz_kwargs):
    """A quiz in a published course whose questions have choices correct as given."""
    quiz = QuizFactory(**quiz_kwargs)
    questions = [
        question_with_choices(quiz, pattern, position=position)
        for position, pattern in enumerate(patterns, start=1)
    ]
    return quiz, questions


def submit_and_refresh(attempt: QuizAttempt, answers: list[dict]):
    result = attempt_submit(attempt=attempt, answers=answers)
    attempt.refresh_from_db()
    return result


def finish_lessons(user, module, *, leave: int = 0) -> None:
    lessons = list(module.lessons.order_by("position"))
    for lesson in lessons[: len(lessons) - leave]:
        lesson_complete(user=user, lesson=lesson)


@dataclass
class Heard:
    """What a receiver of ``module_completed`` was sent."""

    calls: list[dict] = field(default_factory=list)
    reply: dict | None = None


@pytest.fixture
def heard() -> Iterator[Heard]:
    heard = Heard()

    def receiver(sender, completion, attempt, **kwargs):
        heard.calls.append({"completion": completion, "attempt": attempt})
        return heard.reply

    module_completed.connect(receiver, weak=False, dispatch_uid="test-services-heard")
    yield heard
    module_completed.disconnect(dispatch_uid="test-services-heard")


@pytest.fixture
def writing_receiver() -> Iterator[None]:
    """A receiver that writes a row, as the coaching follow-up does."""

    def receiver(sender, completion, **kwargs):
        Skill.objects.create(slug=f"followed-up-{completion.pk}", name="Followed up")
        return {"follow_up_skill": completion.pk}

    module_completed.connect(receiver, weak=False, dispatch_uid="test-services-writer")
    yield
    module_completed.disconnect(dispatch_uid="test-services-writer")


@pytest.fixture
def rep():
    return RepFactory()


# --- grading ---------------------------------------------------------------------------------


def test_a_single_choice_question_answered_right_scores_full_marks(rep):
    quiz, [question] = quiz_of([False, True, False])
    attempt = attempt_start(user=rep, quiz=quiz)
    result = submit_and_refresh(attempt, [pick(question, 2)])
    assert (result.score, result.passed, result.missed_question_ids) == (100, True, [])
    assert (attempt.score, attempt.passed) == (100, True)
    answer = AttemptAnswer.objects.get(attempt=attempt, question=question)
    assert answer.is_correct is True
    assert answer.choice_ids == [question.choices.get(position=2).pk]


def test_a_single_choice_question_answered_wrong_scores_nothing(rep):
    quiz, [question] = quiz_of([False, True, False])
    attempt = attempt_start(user=rep, quiz=quiz)
    result = submit_and_refresh(attempt, [pick(question, 1)])
    assert (result.score, result.passed, result.missed_question_ids) == (0, False, [question.pk])
    assert AttemptAnswer.objects.get(attempt=attempt).is_correct is False


@pytest.mark.parametrize(
    ("positions", "is_correct"),
    [
        pytest.param((1, 3), True, id="exactly-the-correct-set"),
        pytest.param((3, 1), True, id="correct-set-in-any-order"),
        pytest.param((1,), False, id="partial-selection"),
        pytest.param((1, 2, 3), False, id="superset-with-a-wrong-choice"),
        pytest.param((2,), False, id="only-the-wrong-choice"),
        pytest.param((), False, id="empty-selection"),
    ],
)
def test_a_multiple_choice_question_counts_only_for_exactly_the_correct_set(
    rep, positions, is_correct
):
    quiz, [question] = quiz_of([True, False, True, False])
    attempt = attempt_start(user=rep, quiz=quiz)
    result = submit_and_refresh(attempt, [pick(question, *positions)])
    assert result.score == (100 if is_correct else 0)
    assert AttemptAnswer.objects.get(attempt=attempt).is_correct is is_correct


def test_unanswered_questions_count_as_wrong_and_are_recorded(rep):
    quiz, questions = quiz_of([True, False], [True, False], [True, False])
    attempt = attempt_start(user=rep, quiz=quiz)
    result = submit_and_refresh(attempt, [pick(questions[0], 1), pick(questions[2], 1)])
    assert result.score == 67
    assert result.missed_question_ids == [questions[1].pk]
    skipped = AttemptAnswer.objects.get(attempt=attempt, question=questions[1])
    assert (skipped.choice_ids, skipped.is_correct) == ([], False)
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == 3


def test_submitting_no_answers_at_all_scores_zero(rep):
    quiz, questions = quiz_of([True, False], [True, False])
    attempt = attempt_start(user=rep, quiz=quiz)
    result = submit_and_refresh(attempt, [])
    assert (result.score, result.passed) == (0, False)
    assert result.missed_question_ids == [q.pk for q in questions]


@pytest.mark.parametrize(
    ("total", "right", "score"),
    [
        (3, 1, 33),
        (3, 2, 67),
        (6, 1, 17),
        (7, 3, 43),
        # Halves round up, the way a percentage is read, never to the nearest even number.
        (8, 1, 13),
        (8, 5, 63),
        (8, 7, 88),
        (4, 0, 0),
        (4, 4, 100),
    ],
)
def test_the_score_is_the_rounded_percentage_of_questions_right(rep, total, right, score):
    quiz, questions = quiz_of(*([[True, False]] * total), pass_mark=1)
    attempt = attempt_start(user=rep, quiz=quiz)
    answers = [pick(q, 1 if i < right else 2) for i, q in enumerate(questions)]
    assert submit_and_refresh(attempt, answers).score == score
    assert attempt.score == score


@pytest.mark.parametrize(
    ("pass_mark", "passed"),
    [
        pytest.param(80, True, id="exactly-at-the-pass-mark"),
        pytest.param(81, False, id="one-below-the-pass-mark"),
        pytest.param(79, True, id="above-the-pass-mark"),
    ],
)
def test_passing_is_a_score_at_or_above_the_pass_mark(rep, pass_mark, passed):
    quiz, questions = quiz_of(*([[True, False]] * 5), pass_mark=pass_mark)
    attempt = attempt_start(user=rep, quiz=quiz)
    answers = [pick(q, 1) for q in questions[:4]] + [pick(questions[4], 2)]
    result = submit_and_refresh(attempt, answers)
    assert (result.score, result.passed, attempt.passed) == (80, passed, passed)


def test_a_pass_mark_of_a_hundred_needs_every_question_right(rep):
    quiz, questions = quiz_of([True, False], [True, False], pass_mark=100)
    first = attempt_start(user=rep, quiz=quiz)
    assert submit_and_refresh(first, [pick(questions[0], 1)]).passed is False
    second = attempt_start(user=rep, quiz=quiz)
    assert submit_and_refresh(second, correct_answers(second)).passed is True


# --- attempts --------------------------------------------------------------------------------


def test_an_attempt_freezes_its_questions_and_choice_order_at_start(rep):
    quiz, questions = quiz_of([True, False, False], [False, True], shuffle_choices=False)
    attempt = attempt_start(user=rep, quiz=quiz)
    authored = {q.pk: [c.pk for c in q.choices.order_by("position")] for q in questions}
    assert attempt.layout == [{"question": q.pk, "choices": authored[q.pk]} for q in questions]
    assert (attempt.number, attempt.submitted_at, attempt.score) == (1, None, None)

    # Content edited after the start does not reach the running attempt.
    added = question_with_choices(quiz, [True, False], position=99)
    extra_choice = ChoiceFactory(question=questions[0], position=99, is_correct=True)
    frozen = [dict(item) for item in attempt.layout]
    attempt.refresh_from_db()
    assert attempt.layout == frozen
    assert attempt_start(user=rep, quiz=quiz).layout == frozen

    with pytest.raises(DomainError, match="not part of this attempt"):
        attempt_submit(attempt=attempt, answers=[pick(added, 1)])
    with pytest.raises(DomainError, match=f"Choice {extra_choice.pk} does not belong"):
        attempt_submit(
            attempt=attempt, answers=[{"question": questions[0].pk, "choices": [extra_choice.pk]}]
        )
    # Graded against the frozen questions: two right out of two, the added one not counted.
    result = submit_and_refresh(attempt, [pick(questions[0], 1), pick(questions[1], 2)])
    assert result.score == 100
    answered = AttemptAnswer.objects.filter(attempt=attempt).values_list("question", flat=True)
    assert set(answered) == {q.pk for q in questions}


def test_choices_keep_their_authored_order_when_shuffling_is_off(rep):
    quiz, [question] = quiz_of([True, False, False, False, False, False], max_attempts=10)
    authored = list(question.choices.order_by("position").values_list("pk", flat=True))
    for _ in range(8):
        attempt = attempt_start(user=rep, quiz=quiz)
        assert attempt.layout == [{"question": question.pk, "choices": authored}]
        attempt_submit(attempt=attempt, answers=[])


def test_choices_are_shuffled_per_attempt_when_shuffling_is_on(rep):
    quiz, [question] = quiz_of(
        [True, False, False, False, False, False], max_attempts=30, shuffle_choices=True
    )
    authored = list(question.choices.order_by("position").values_list("pk", flat=True))
    orders = set()
    for _ in range(20):
        attempt = attempt_start(user=rep, quiz=quiz)
        [item] = attempt.layout
        assert item["question"] == question.pk
        assert sorted(item["choices"]) == sorted(authored)
        orders.add(tuple(item["choices"]))
        # The order shown is the order stored: resuming does not reshuffle.
        assert attempt_start(user=rep, quiz=quiz).layout == attempt.layout
        attempt_submit(attempt=attempt, answers=[])
    # 20 draws out of 720 orders agreeing by chance is as good as impossible.
    assert len(orders) > 1


def test_a_pool_draws_questions_per_attempt_at_random(rep):
    quiz, pool = quiz_of(*([[True, False]] * 8), questions_per_attempt=3, max_attempts=40)
    pool_ids = {q.pk for q in pool}
    draws, seen = set(), set()
    for _ in range(30):
        attempt = attempt_start(user=rep, quiz=quiz)
        drawn = attempt.question_ids
        assert len(drawn) == 3
        assert len(set(drawn)) == 3
        assert set(drawn) <= pool_ids
        draws.add(frozenset(drawn))
        seen |= set(drawn)
        result = attempt_submit(attempt=attempt, answers=correct_answers(attempt))
        assert result.score == 100
        assert AttemptAnswer.objects.filter(attempt=attempt).count() == 3
    assert len(draws) > 1
    # Every question of the pool gets asked sometime, not just the first few.
    assert seen == pool_ids


def test_a_pool_no_bigger_than_the_draw_asks_every_question(rep):
    quiz, questions = quiz_of([True, False], [True, False], questions_per_attempt=5)
    assert attempt_start(user=rep, quiz=quiz).question_ids == [q.pk for q in questions]


def test_starting_again_resumes_the_unsubmitted_attempt(rep):
    quiz, _ = quiz_of([True, False])
    first = attempt_start(user=rep, quiz=quiz)
    again = attempt_start(user=rep, quiz=quiz)
    assert again.pk == first.pk
    assert QuizAttempt.objects.filter(user=rep, quiz=quiz).count() == 1


def test_a_new_attempt_after_a_submit_gets_the_next_number(rep):
    quiz, _ = quiz_of([True, False])
    first = attempt_start(user=rep, quiz=quiz)
    attempt_submit(attempt=first, answers=[])
    second = attempt_start(user=rep, quiz=quiz)
    assert second.pk != first.pk
    assert second.number == 2


def test_attempts_are_counted_per_person(rep):
    quiz, _ = quiz_of([True, False], max_attempts=1)
    attempt_submit(attempt=attempt_start(user=rep, quiz=quiz), answers=[])
    colleague = RepFactory()
    assert attempt_start(user=colleague, quiz=quiz).number == 1


def test_no_attempt_starts_once_the_limit_is_used_up(rep):
    quiz, _ = quiz_of([True, False], max_attempts=2)
    for _ in range(2):
        attempt_submit(attempt=attempt_start(user=rep, quiz=quiz), answers=[])
    with pytest.raises(DomainError, match="You have used all 2 attempts at this quiz"):
        attempt_start(user=rep, quiz=quiz)
    assert QuizAttempt.objects.filter(user=rep, quiz=quiz).count() == 2


def test_the_last_allowed_attempt_can_still_be_resumed(rep):
    quiz, _ = quiz_of([True, False], max_attempts=1)
    open_attempt = attempt_start(user=rep, quiz=quiz)
    assert attempt_start(user=rep, quiz=quiz).pk == open_attempt.pk


@pytest.mark.parametrize("status", [Course.Status.DRAFT, Course.Status.ARCHIVED])
def test_a_quiz_in_an_unpublished_course_cannot_be_started(rep, status):
    quiz, _ = quiz_of([True, False])
    Course.objects.filter(pk=quiz.module.course_id).update(status=status)
    quiz.module.course.refresh_from_db()
    with pytest.raises(DomainError, match="not published"):
        attempt_start(user=rep, quiz=quiz)
    assert not QuizAttempt.objects.exists()


def test_a_quiz_without_questions_cannot_be_started(rep):
    quiz = QuizFactory()
    with pytest.raises(DomainError, match="no questions"):
        attempt_start(user=rep, quiz=quiz)
    assert not QuizAttempt.objects.exists()


# --- submit errors ---------------------------------------------------------------------------


def assert_nothing_written(attempt: QuizAttempt) -> None:
    attempt.refresh_from_db()
    assert (attempt.submitted_at, attempt.score, attempt.passed) == (None, None, None)
    assert not AttemptAnswer.objects.filter(attempt=attempt).exists()
    assert not ModuleCompletion.objects.exists()


def test_a_second_submit_is_a_conflict_and_changes_nothing(rep):
    quiz, [question] = quiz_of([True, False])
    attempt = attempt_start(user=rep, quiz=quiz)
    attempt_submit(attempt=attempt, answers=[pick(question, 2)])
    attempt.refresh_from_db()
    before = (attempt.submitted_at, attempt.score, attempt.passed)
    answers_before = list(AttemptAnswer.objects.values_list("question", "choice_ids", "is_correct"))

    with pytest.raises(Conflict, match="already been submitted") as caught:
        attempt_submit(attempt=attempt, answers=[pick(question, 1)])
    assert caught.value.status_code == 409

    attempt.refresh_from_db()
    assert (attempt.submitted_at, attempt.score, attempt.passed) == before
    assert before[1:] == (0, False)
    after = list(AttemptAnswer.objects.values_list("question", "choice_ids", "is_correct"))
    assert after == answers_before


def test_a_question_outside_the_attempt_is_refused_and_nothing_written(rep):
    quiz, [question] = quiz_of([True, False])
    _, [elsewhere] = quiz_of([True, False])
    attempt = attempt_start(user=rep, quiz=quiz)
    with pytest.raises(DomainError, match=f"Question {elsewhere.pk} is not part of this attempt"):
        attempt_submit(attempt=attempt, answers=[pick(question, 1), pick(elsewhere, 1)])
    assert_nothing_written(attempt)


def test_a_question_left_out_of_the_draw_is_refused(rep):
    quiz, pool = quiz_of([True, False], [True, False], [True, False], questions_per_attempt=1)
    attempt = attempt_start(user=rep, quiz=quiz)
    [left_out, *_] = [q for q in pool if q.pk not in attempt.question_ids]
    with pytest.raises(DomainError, match="not part of this attempt"):
        attempt_submit(attempt=attempt, answers=[pick(left_out, 1)])
    assert_nothing_written(attempt)


def test_a_choice_of_another_question_is_refused_and_nothing_written(rep):
    quiz, [first, second] = quiz_of([True, False], [True, False])
    attempt = attempt_start(user=rep, quiz=quiz)
    foreign = second.choices.get(position=1)
    with pytest.raises(DomainError, match=f"Choice {foreign.pk} does not belong to question"):
        attempt_submit(
            attempt=attempt,
            answers=[{"question": first.pk, "choices": [first.choices.first().pk, foreign.pk]}],
        )
    assert_nothing_written(attempt)


def test_the_same_question_answered_twice_is_refused_and_nothing_written(rep):
    quiz, [question, other] = quiz_of([True, False], [True, False])
    attempt = attempt_start(user=rep, quiz=quiz)
    with pytest.raises(DomainError, match=f"Question {question.pk} is answered twice"):
        attempt_submit(
            attempt=attempt,
            answers=[pick(question, 1), pick(other, 1), pick(question, 2)],
        )
    assert_nothing_written(attempt)


def test_a_refused_submit_can_be_corrected_and_submitted(rep):
    quiz, [question] = quiz_of([True, False])
    attempt = attempt_start(user=rep, quiz=quiz)
    with pytest.raises(DomainError):
        attempt_submit(attempt=attempt, answers=[pick(question, 1), pick(question, 1)])
    assert submit_and_refresh(attempt, [pick(question, 1)]).score == 100


# --- exactly-once completion -----------------------------------------------------------------


def test_lessons_then_a_passing_quiz_complete_the_module_once(rep, heard):
    module = build_module(lessons=2, questions=3)
    finish_lessons(rep, module)
    assert not ModuleCompletion.objects.exists()
    assert heard.calls == []

    attempt = attempt_start(user=rep, quiz=module.quiz)
    result = attempt_submit(attempt=attempt, answers=correct_answers(attempt))

    completion = ModuleCompletion.objects.get(user=rep, module=module)
    assert result.module_completed is True
    assert result.completion == completion
    assert (completion.score, completion.attempt_id) == (100, attempt.pk)
    assert heard.calls == [{"completion": completion, "attempt": result.attempt}]
    assert heard.calls[0]["attempt"].pk == attempt.pk


def test_a_passing_quiz_then_the_last_lesson_complete_the_module_once(rep, heard):
    module = build_module(lessons=3, questions=3)
    finish_lessons(rep, module, leave=1)
    attempt = attempt_start(user=rep, quiz=module.quiz)
    result = attempt_submit(attempt=attempt, answers=correct_answers(attempt))
    assert (result.passed, result.module_completed, result.completion) == (True, False, None)
    assert not ModuleCompletion.objects.exists()
    assert heard.calls == []

    last = module.lessons.order_by("position").last()
    outcome = lesson_complete(user=rep, lesson=last)

    completion = ModuleCompletion.objects.get(user=rep, module=module)
    assert outcome.created is True
    assert outcome.completion.created is True
    assert outcome.completion.completion == completion
    assert (completion.score, completion.attempt_id) == (100, attempt.pk)
    assert len(heard.calls) == 1
    assert heard.calls[0]["completion"] == completion
    assert heard.calls[0]["attempt"].pk == attempt.pk


def test_the_completion_records_the_best_passing_attempt(rep):
    module = build_module(lessons=1, questions=5, pass_mark=80)
    quiz = module.quiz
    first = attempt_start(user=rep, quiz=quiz)
    answers = correct_answers(first)
    answers[0]["choices"] = []
    assert attempt_submit(attempt=first, answers=answers).score == 80
    best = attempt_start(user=rep, quiz=quiz)
    assert attempt_submit(attempt=best, answers=correct_answers(best)).score == 100

    finish_lessons(rep, module)
    completion = ModuleCompletion.objects.get(user=rep, module=module)
    assert (completion.score, completion.attempt_id) == (100, best.pk)


def test_a_module_without_a_quiz_completes_on_its_last_lesson(rep, heard):
    module = build_module(lessons=2, questions=0)
    first, last = module.lessons.order_by("position")
    assert lesson_complete(user=rep, lesson=first).completion.created is False
    assert not ModuleCompletion.objects.exists()

    outcome = lesson_complete(user=rep, lesson=last)

    completion = ModuleCompletion.objects.get(user=rep, module=module)
    assert outcome.completion.created is True
    assert (completion.score, completion.attempt) == (None, None)
    assert heard.calls == [{"completion": completion, "attempt": None}]


def test_a_failed_quiz_does_not_complete_the_module_and_a_passing_retake_does(rep, heard):
    module = build_module(lessons=1, questions=3)
    finish_lessons(rep, module)
    failed = attempt_start(user=rep, quiz=module.quiz)
    result = attempt_submit(attempt=failed, answers=[])
    assert (result.passed, result.module_completed, result.completion) == (False, False, None)
    assert not ModuleCompletion.objects.exists()

    retake = attempt_start(user=rep, quiz=module.quiz)
    assert attempt_submit(attempt=retake, answers=correct_answers(retake)).module_completed
    assert ModuleCompletion.objects.get().attempt_id == retake.pk
    assert len(heard.calls) == 1


def test_retaking_a_passed_quiz_writes_no_second_completion(rep, heard):
    module = build_module(lessons=1, questions=3)
    finish_lessons(rep, module)
    first = attempt_start(user=rep, quiz=module.quiz)
    completed = attempt_submit(attempt=first, answers=correct_answers(first))

    retake = attempt_start(user=rep, quiz=module.quiz)
    again = attempt_submit(attempt=retake, answers=correct_answers(retake))

    assert (again.passed, again.module_completed) == (True, False)
    assert again.completion == completed.completion
    assert again.follow_up == {}
    assert ModuleCompletion.objects.filter(user=rep, module=module).count() == 1
    assert ModuleCompletion.objects.get().attempt_id == first.pk
    assert len(heard.calls) == 1


def test_completing_a_lesson_twice_is_idempotent(rep, heard):
    module = build_module(lessons=1, questions=0)
    [lesson] = module.lessons.all()
    first = lesson_complete(user=rep, lesson=lesson)
    again = lesson_complete(user=rep, lesson=lesson)

    assert (first.created, again.created) == (True, False)
    assert again.progress.pk == first.progress.pk
    assert again.progress.completed_at == first.progress.completed_at
    assert LessonProgress.objects.filter(user=rep, lesson=lesson).count() == 1
    assert (first.completion.created, again.completion.created) == (True, False)
    assert again.completion.completion == first.completion.completion
    assert ModuleCompletion.objects.count() == 1
    assert len(heard.calls) == 1


def test_the_completion_check_alone_is_idempotent(rep, heard):
    module = build_module(lessons=1, questions=0)
    assert module_completion_check(user=rep, module=module).completion is None
    finish_lessons(rep, module)
    outcome = module_completion_check(user=rep, module=module)
    assert (outcome.created, outcome.completion) == (False, ModuleCompletion.objects.get())
    assert len(heard.calls) == 1


def test_completion_is_per_person_and_per_module(rep, heard):
    module = build_module(lessons=1, questions=0)
    other_module = build_module(lessons=1, questions=0)
    colleague = RepFactory()
    finish_lessons(rep, module)
    finish_lessons(colleague, module)
    assert ModuleCompletion.objects.filter(module=module).count() == 2
    assert not ModuleCompletion.objects.filter(module=other_module).exists()
    assert len(heard.calls) == 2


def test_a_receivers_reply_comes_back_as_the_follow_up(rep, heard):
    heard.reply = {"follow_up_session": 42}
    module = build_module(lessons=1, questions=3)
    finish_lessons(rep, module, leave=1)
    attempt = attempt_start(user=rep, quiz=module.quiz)
    assert attempt_submit(attempt=attempt, answers=correct_answers(attempt)).follow_up == {}

    outcome = lesson_complete(user=rep, lesson=module.lessons.get())
    assert outcome.completion.follow_up["follow_up_session"] == 42


def test_a_receivers_reply_comes_back_from_the_submit(rep, heard, writing_receiver):
    heard.reply = {"follow_up_session": 7}
    module = build_module(lessons=1, questions=3)
    finish_lessons(rep, module)
    attempt = attempt_start(user=rep, quiz=module.quiz)
    result = attempt_submit(attempt=attempt, answers=correct_answers(attempt))
    assert result.follow_up["follow_up_session"] == 7
    assert result.follow_up["follow_up_skill"] == result.completion.pk


def test_a_rolled_back_submit_leaves_no_completion_and_no_receiver_writes(
    rep, heard, writing_receiver
):
    module = build_module(lessons=1, questions=3)
    finish_lessons(rep, module)
    attempt = attempt_start(user=rep, quiz=module.quiz)

    with pytest.raises(RuntimeError, match="after the completion"), transaction.atomic():
        result = attempt_submit(attempt=attempt, answers=correct_answers(attempt))
        assert result.module_completed
        assert Skill.objects.filter(slug=f"followed-up-{result.completion.pk}").exists()
        raise RuntimeError("something failed after the completion")

    assert len(heard.calls) == 1
    assert not ModuleCompletion.objects.exists()
    assert not Skill.objects.filter(slug__startswith="followed-up-").exists()
    assert_nothing_written(attempt)

    # Nothing half-done stands in the way: the rep submits again and the completion happens.
    result = attempt_submit(attempt=attempt, answers=correct_answers(attempt))
    assert result.module_completed
    assert len(heard.calls) == 2
    assert Skill.objects.filter(slug=f"followed-up-{result.completion.pk}").exists()


def test_a_rolled_back_last_lesson_leaves_no_completion_and_no_receiver_writes(
    rep, heard, writing_receiver
):
    module = build_module(lessons=1, questions=0)
    [lesson] = module.lessons.all()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert lesson_complete(user=rep, lesson=lesson).completion.created
        raise RuntimeError("rolled back")
    assert len(heard.calls) == 1
    assert not LessonProgress.objects.exists()
    assert not ModuleCompletion.objects.exists()
    assert not Skill.objects.filter(slug__startswith="followed-up-").exists()


def test_a_failing_receiver_undoes_the_whole_submit(rep):
    def receiver(sender, **kwargs):
        raise RuntimeError("follow-up could not be booked")

    module = build_module(lessons=1, questions=3)
    finish_lessons(rep, module)
    attempt = attempt_start(user=rep, quiz=module.quiz)
    module_completed.connect(receiver, weak=False, dispatch_uid="test-services-failing")
    try:
        with pytest.raises(RuntimeError, match="could not be booked"):
            attempt_submit(attempt=attempt, answers=correct_answers(attempt))
    finally:
        module_completed.disconnect(dispatch_uid="test-services-failing")
    # No completion without its follow-up: the rep can submit again once it works.
    assert_nothing_written(attempt)


# --- enrolment -------------------------------------------------------------------------------


def today() -> dt.date:
    return timezone.localdate()


def test_self_enrolment_is_idempotent(org):
    course = CourseFactory()
    first = enrolment_self(user=org.rep, course=course)
    again = enrolment_self(user=org.rep, course=course)
    assert first.pk == again.pk
    assert (first.assigned_by, first.due_date) == (None, None)
    assert Enrolment.objects.filter(user=org.rep, course=course).count() == 1


def test_self_enrolment_keeps_an_assignment_as_it_was(org):
    course = CourseFactory()
    due = today() + dt.timedelta(days=7)
    enrolment_assign(actor=org.manager, user=org.rep, course=course, due_date=due)
    enrolment = enrolment_self(user=org.rep, course=course)
    assert (enrolment.assigned_by, enrolment.due_date) == (org.manager, due)


@pytest.mark.parametrize("status", [Course.Status.DRAFT, Course.Status.ARCHIVED])
def test_self_enrolment_in_an_unpublished_course_is_refused(org, status):
    course = CourseFactory(status=status)
    with pytest.raises(DomainError, match="not published"):
        enrolment_self(user=org.rep, course=course)
    assert not Enrolment.objects.exists()


def test_a_manager_assigns_a_course_to_a_direct_report(org):
    course = CourseFactory()
    due = today() + dt.timedelta(days=14)
    enrolment = enrolment_assign(actor=org.manager, user=org.rep, course=course, due_date=due)
    enrolment.refresh_from_db()
    assert (enrolment.user, enrolment.course) == (org.rep, course)
    assert (enrolment.assigned_by, enrolment.due_date) == (org.manager, due)


def test_a_manager_cannot_assign_to_someone_elses_rep(org):
    with pytest.raises(DomainError, match="only to people who report to you"):
        enrolment_assign(actor=org.manager, user=org.other_rep, course=CourseFactory())
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("target", ["other_manager", "admin", "manager"])
def test_a_manager_cannot_assign_to_anyone_outside_their_team(org, target):
    with pytest.raises(DomainError, match="only to people who report to you"):
        enrolment_assign(actor=org.manager, user=getattr(org, target), course=CourseFactory())
    assert not Enrolment.objects.exists()


def test_a_rep_cannot_assign_courses(org):
    colleague = RepFactory(manager=org.manager)
    with pytest.raises(DomainError, match="only to people who report to you"):
        enrolment_assign(actor=org.rep, user=colleague, course=CourseFactory())
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("target", ["rep", "other_rep", "manager", "other_manager", "admin"])
def test_an_admin_assigns_to_anyone(org, target):
    person = getattr(org, target)
    enrolment = enrolment_assign(actor=org.admin, user=person, course=CourseFactory())
    assert (enrolment.user, enrolment.assigned_by) == (person, org.admin)


def test_a_due_date_in_the_past_is_refused(org):
    with pytest.raises(DomainError, match="due date is in the past"):
        enrolment_assign(
            actor=org.admin,
            user=org.rep,
            course=CourseFactory(),
            due_date=today() - dt.timedelta(days=1),
        )
    assert not Enrolment.objects.exists()


def test_a_due_date_of_today_is_accepted(org):
    enrolment = enrolment_assign(
        actor=org.manager, user=org.rep, course=CourseFactory(), due_date=today()
    )
    assert enrolment.due_date == today()


def test_assigning_a_draft_course_is_refused(org):
    course = CourseFactory(status=Course.Status.DRAFT)
    with pytest.raises(DomainError, match="not published"):
        enrolment_assign(actor=org.admin, user=org.rep, course=course)
    assert not Enrolment.objects.exists()


def test_assigning_again_updates_the_due_date_and_who_assigned_it(org):
    course = CourseFactory()
    enrolment_self(user=org.rep, course=course)
    due = today() + dt.timedelta(days=3)
    enrolment_assign(actor=org.manager, user=org.rep, course=course, due_date=due)
    later = today() + dt.timedelta(days=10)
    enrolment_assign(actor=org.admin, user=org.rep, course=course, due_date=later)
    enrolment = Enrolment.objects.get(user=org.rep, course=course)
    assert (enrolment.assigned_by, enrolment.due_date) == (org.admin, later)


def test_an_admin_assigns_a_course_to_a_whole_team(org):
    teammate = RepFactory(manager=org.manager)
    RepFactory(manager=org.manager, is_active=False)
    course = CourseFactory()
    due = today() + dt.timedelta(days=5)

    enrolments = enrolment_assign_team(
        actor=org.admin, manager=org.manager, course=course, due_date=due
    )

    assert {e.user for e in enrolments} == {org.rep, teammate}
    assert set(Enrolment.objects.values_list("user", flat=True)) == {org.rep.pk, teammate.pk}
    assert {(e.assigned_by_id, e.due_date) for e in Enrolment.objects.all()} == {
        (org.admin.pk, due)
    }


def test_a_team_assignment_reaches_only_direct_reports_even_of_an_admin(org):
    head = AdminFactory(username="head")
    report = ManagerFactory(manager=head)
    enrolments = enrolment_assign_team(actor=org.admin, manager=head, course=CourseFactory())
    assert [e.user for e in enrolments] == [report]
    assert list(Enrolment.objects.values_list("user", flat=True)) == [report.pk]


def test_only_an_admin_assigns_a_whole_team(org):
    with pytest.raises(DomainError, match="Only an admin"):
        enrolment_assign_team(actor=org.manager, manager=org.manager, course=CourseFactory())
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize(
    ("course_status", "days"),
    [
        pytest.param(Course.Status.DRAFT, 1, id="draft-course"),
        pytest.param(Course.Status.PUBLISHED, -1, id="past-due-date"),
    ],
)
def test_a_refused_team_assignment_enrols_nobody(org, course_status, days):
    RepFactory(manager=org.manager)
    with pytest.raises(DomainError):
        enrolment_assign_team(
            actor=org.admin,
            manager=org.manager,
            course=CourseFactory(status=course_status),
            due_date=today() + dt.timedelta(days=days),
        )
    assert not Enrolment.objects.exists()


def test_a_team_assignment_failing_midway_enrols_nobody(org, monkeypatch):
    for _ in range(3):
        RepFactory(manager=org.manager)
    real_assign = enrolment_services.enrolment_assign
    calls = []

    def assign_then_fail_on_the_third(**kwargs):
        calls.append(kwargs["user"])
        if len(calls) == 3:
            raise DomainError("The third one could not be enrolled.")
        return real_assign(**kwargs)

    monkeypatch.setattr(enrolment_services, "enrolment_assign", assign_then_fail_on_the_third)
    with pytest.raises(DomainError, match="third one"):
        enrolment_assign_team(actor=org.admin, manager=org.manager, course=CourseFactory())
    assert len(calls) == 3
    assert not Enrolment.objects.exists()


def test_a_team_assignment_updates_existing_enrolments_without_duplicates(org):
    course = CourseFactory()
    enrolment_self(user=org.rep, course=course)
    due = today() + dt.timedelta(days=2)
    enrolment_assign_team(actor=org.admin, manager=org.manager, course=course, due_date=due)
    enrolment = Enrolment.objects.get(user=org.rep, course=course)
    assert (enrolment.assigned_by, enrolment.due_date) == (org.admin, due)


def test_working_through_a_course_enrols_you_in_it():
    rep = RepFactory()
    module = build_module(lessons=1, questions=1)
    lesson_complete(user=rep, lesson=module.lessons.get())
    assert Enrolment.objects.filter(user=rep, course=module.course).count() == 1
    other = build_module(lessons=1, questions=1)
    attempt_start(user=rep, quiz=other.quiz)
    assert Enrolment.objects.filter(user=rep, course=other.course).count() == 1
