"""Authoring: the rules a course must meet before reps see it, and its publishing lifecycle.

The rules are written once, as small functions over plain numbers, so that the admin, the
publish action and the course-file importer all refuse the same things with the same words.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Model, Q, QuerySet
from django.template.defaultfilters import pluralize

from accounts.audit import Action, audit_record
from config.errors import DomainError
from lms.catalogue import catalogue_changed
from lms.models import Course, Module, Question, Quiz

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

PASS_MARK_MIN = 1
PASS_MARK_MAX = 100
# Rows that change place are parked this far out first, so no two ever share a position.
_POSITION_SHIFT = 1_000_000


class CourseNotPublishable(DomainError):
    """The course breaks publishing rules; ``problems`` lists each one as a sentence."""

    def __init__(self, course: Course, problems: list[str]):
        self.problems = problems
        super().__init__(f"“{course.title}” cannot be published: " + "; ".join(problems))


# --- the rules, over plain values ---------------------------------------------------------------


def question_rule_problems(*, kind: str, choice_count: int, correct_count: int) -> list[str]:
    """What is wrong with one question's choices (empty when nothing is)."""
    problems = []
    if choice_count < 2:
        problems.append("a question needs at least two choices")
    if kind == Question.Kind.SINGLE and correct_count != 1:
        problems.append(
            "a single-choice question needs exactly one correct choice"
            f" ({correct_count} marked correct)"
        )
    elif kind == Question.Kind.MULTIPLE and correct_count < 1:
        problems.append("a multiple-choice question needs at least one correct choice")
    return problems


def quiz_rule_problems(
    *, pass_mark: int | None, questions_per_attempt: int | None, question_count: int
) -> list[tuple[str, str]]:
    """What is wrong with a quiz's settings, as (field, sentence) pairs."""
    problems = []
    if question_count < 1:
        problems.append(("questions", "a quiz needs at least one question"))
    if pass_mark is None or not PASS_MARK_MIN <= pass_mark <= PASS_MARK_MAX:
        problems.append(
            ("pass_mark", f"the pass mark must be between {PASS_MARK_MIN} and {PASS_MARK_MAX} %")
        )
    if (
        questions_per_attempt is not None
        and question_count
        and questions_per_attempt > (question_count)
    ):
        problems.append(
            (
                "questions_per_attempt",
                f"asks {questions_per_attempt} questions per attempt but the quiz has only"
                f" {question_count}",
            )
        )
    return problems


def module_rule_problems(*, lesson_count: int, has_quiz: bool) -> list[str]:
    if lesson_count < 1 and not has_quiz:
        return ["a module needs at least one lesson or a quiz"]
    return []


def course_rule_problems(*, module_count: int) -> list[str]:
    if module_count < 1:
        return ["a course needs at least one module"]
    return []


# --- the rules, over stored content -------------------------------------------------------------


class ChoiceCounts(TypedDict):
    choice_count: int
    correct_count: int


def _questions_with_counts() -> QuerySet[WithAnnotations[Question, ChoiceCounts]]:
    return Question.objects.annotate(
        choice_count=Count("choices"),
        correct_count=Count("choices", filter=Q(choices__is_correct=True)),
    ).order_by("position")


def _quiz_problems(
    quiz: Quiz, questions: list[WithAnnotations[Question, ChoiceCounts]]
) -> list[str]:
    problems = [
        message
        for _field, message in quiz_rule_problems(
            pass_mark=quiz.pass_mark,
            questions_per_attempt=quiz.questions_per_attempt,
            question_count=len(questions),
        )
    ]
    for question in questions:
        label = question.prompt if len(question.prompt) <= 60 else question.prompt[:59] + "…"
        problems.extend(
            f"question {question.position} (“{label}”): {message}"
            for message in question_rule_problems(
                kind=question.kind,
                choice_count=question.choice_count,
                correct_count=question.correct_count,
            )
        )
    return problems


def quiz_problems(*, quiz: Quiz) -> list[str]:
    """Every reason this quiz is not fit for reps yet, as sentences (empty when it is)."""
    return _quiz_problems(quiz, list(_questions_with_counts().filter(quiz=quiz)))


@dataclass(frozen=True)
class ReadinessCheck:
    """One line of the checklist an author reads before publishing, with what blocks it."""

    label: str
    problems: list[str]

    @property
    def passed(self) -> bool:
        return not self.problems


def _has_guide(module: Module) -> bool:
    return bool(module.coaching_questions or module.coaching_behaviours or module.practice_task)


def course_readiness(*, course: Course) -> list[ReadinessCheck]:
    """The publishing checklist: each rule a course must meet, with every reason it does not,
    each a sentence naming its module. ``course_problems`` is these reasons in one list."""
    modules = list(
        Module.objects.filter(course=course)
        .annotate(lesson_count=Count("lessons", distinct=True))
        .annotate(skill_count=Count("skills", distinct=True))
        .select_related("quiz")
        .order_by("position")
    )
    questions_by_quiz: dict[int, list[WithAnnotations[Question, ChoiceCounts]]] = defaultdict(list)
    for question in _questions_with_counts().filter(quiz__module__course=course):
        questions_by_quiz[question.quiz_id].append(question)
    lessons, quizzes, guides = [], [], []
    skills = [] if course.skills.exists() else ["the course is tagged with no skill"]
    for module in modules:
        if module.lesson_count < 1:
            lessons.append(f"{module.title}: a module needs at least one lesson")
        quiz = getattr(module, "quiz", None)
        if quiz is not None:
            questions = questions_by_quiz[quiz.pk]
            if 0 < len(questions) < settings.QUIZ_MIN_QUESTIONS:
                quizzes.append(
                    f"{module.title}: the quiz has {len(questions)} question"
                    f"{pluralize(len(questions))}; it needs at least"
                    f" {settings.QUIZ_MIN_QUESTIONS}"
                )
            quizzes.extend(
                f"{module.title}: {message}" for message in _quiz_problems(quiz, questions)
            )
        if not _has_guide(module):
            guides.append(
                f"{module.title}: no coaching guide yet (questions to ask, behaviours to observe"
                " or a practice task)"
            )
        if module.skill_count < 1:
            skills.append(f"{module.title}: the module is tagged with no skill")
    return [
        ReadinessCheck("The course has modules", course_rule_problems(module_count=len(modules))),
        ReadinessCheck("Every module has lessons", lessons),
        ReadinessCheck(
            f"Every quiz has at least {settings.QUIZ_MIN_QUESTIONS}"
            f" question{pluralize(settings.QUIZ_MIN_QUESTIONS)}, each with fitting choices",
            quizzes,
        ),
        ReadinessCheck("Every module has a coaching guide", guides),
        ReadinessCheck("The course and every module are tagged with skills", skills),
    ]


def course_problems(*, course: Course) -> list[str]:
    """Every reason this course cannot be published, each a sentence naming its module: the one
    publishing rule, for the admin, course files and the authoring pages alike."""
    return [problem for check in course_readiness(course=course) for problem in check.problems]


# --- the lifecycle ------------------------------------------------------------------------------


def _set_status(course: Course, status: str) -> Course:
    if course.status != status:
        was_published = course.is_published
        course.status = status
        course.save(update_fields=["status", "updated_at"])
        if course.is_published or was_published:
            published = course.is_published
            audit_record(
                action=Action.COURSE_PUBLISHED if published else Action.COURSE_UNPUBLISHED,
                subject_name=course.title,
                detail=f"now {course.get_status_display().lower()}",
            )
        # The save's receiver does this too; publishing is the change readers wait for, so it
        # does not rest on that alone.
        catalogue_changed()
    return course


def _locked(course: Course) -> Course:
    return Course.objects.select_for_update().get(pk=course.pk)


@transaction.atomic
def course_publish(*, course: Course) -> Course:
    """Show the course to reps. Raises CourseNotPublishable (a DomainError) listing each problem.

    Publishing an already published course checks it again and changes nothing.
    """
    course = _locked(course)
    problems = course_problems(course=course)
    if problems:
        raise CourseNotPublishable(course, problems)
    return _set_status(course, Course.Status.PUBLISHED)


@transaction.atomic
def course_unpublish(*, course: Course) -> Course:
    """Back to draft: hidden from reps, progress kept, editable freely again."""
    return _set_status(_locked(course), Course.Status.DRAFT)


@transaction.atomic
def course_archive(*, course: Course) -> Course:
    """Retire a course without losing anyone's progress, attempts or completions."""
    return _set_status(_locked(course), Course.Status.ARCHIVED)


def positions_make_room(*, model: type[Model], pks: list[int]) -> None:
    """Park the rows about to change position out of the way, inside the caller's transaction.

    Modules, lessons, questions and choices have a unique position within their parent, so
    swapping two in place would collide; moved far out first, each can take its new place.
    """
    if pks:
        model._default_manager.filter(pk__in=pks).update(position=F("position") + _POSITION_SHIFT)
        # An update sends no save signal, and order is part of the catalogue.
        catalogue_changed()
