"""What the authoring pages read: every course with its numbers, one course's outline, and who
changed what in it lately. Admins only; anyone else gets a 404 (``accounts.permissions``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404

from accounts.models import User
from accounts.permissions import can_author_content
from lms.models import (
    Choice,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
    Question,
    Quiz,
    QuizAttempt,
)
from lms.querysets import count_of

HISTORY_LIMIT = 12
_HISTORY_KIND = {"+": "added", "~": "changed", "-": "deleted"}


def _authorise(user: User) -> None:
    if not can_author_content(user):
        raise Http404("No such page.")


def _latest(history: QuerySet, **where: Any) -> Subquery:
    return Subquery(history.filter(**where).order_by("-history_date").values("history_date")[:1])


def courses_for_author(*, user: User, search: str = "", status: str = "") -> QuerySet[Course]:
    """Every course with its skills, module and enrolment counts and its last change (the
    latest of the course, its modules and its lessons), newest change first."""
    _authorise(user)
    courses = Course.objects.all()
    if search:
        courses = courses.filter(Q(title__icontains=search) | Q(slug__icontains=search))
    if status:
        courses = courses.filter(status=status)
    course = OuterRef("pk")
    return (
        courses.prefetch_related("skills")
        .annotate(
            module_count=count_of(Module.objects.filter(course=course), group_by="course"),
            enrolment_count=count_of(Enrolment.objects.filter(course=course), group_by="course"),
            last_change=Greatest(
                "updated_at",
                Coalesce(_latest(Module.history, course_id=course), "updated_at"),
                Coalesce(_latest(Lesson.history, module__course=course), "updated_at"),
            ),
        )
        .order_by("-last_change", "title")
    )


def course_for_author(*, user: User, course_id: int) -> Course:
    _authorise(user)
    course = Course.objects.filter(pk=course_id).prefetch_related("skills").first()
    if course is None:
        raise Http404("No such course.")
    return course


def module_for_author(*, user: User, module_id: int) -> Module:
    _authorise(user)
    module = Module.objects.filter(pk=module_id).select_related("course").first()
    if module is None:
        raise Http404("No such module.")
    return module


def lesson_for_author(*, user: User, lesson_id: int) -> Lesson:
    _authorise(user)
    lesson = Lesson.objects.filter(pk=lesson_id).select_related("module__course").first()
    if lesson is None:
        raise Http404("No such lesson.")
    return lesson


def course_outline(*, course: Course) -> list[Module]:
    """The course's modules in order, each with its skills, its lessons (each saying whether
    anyone finished it) and its quiz with its question count, and whether anyone trained on it."""
    lessons = Lesson.objects.order_by("position").annotate(
        has_records=Exists(LessonProgress.objects.filter(lesson=OuterRef("pk")))
    )
    module = OuterRef("pk")
    return list(
        Module.objects.filter(course=course)
        .select_related("quiz")
        .prefetch_related("skills", Prefetch("lessons", queryset=lessons))
        .annotate(
            question_count=count_of(
                Question.objects.filter(quiz__module=module), group_by="quiz__module"
            ),
            has_records=Exists(ModuleCompletion.objects.filter(module=module))
            | Exists(LessonProgress.objects.filter(lesson__module=module))
            | Exists(QuizAttempt.objects.filter(quiz__module=module)),
        )
        .order_by("position")
    )


# --- history ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One line of the course's recent changes, in words."""

    who: str
    verb: str  # added, changed, deleted
    what: str  # course, module, lesson, quiz, question, choice
    name: str
    at: datetime


def _who(row: Any) -> str:
    user = row.history_user
    if user is None:
        return "An import or a command"
    return user.get_full_name() or user.username


def course_history(*, course: Course, limit: int = HISTORY_LIMIT) -> list[Change]:
    """The latest changes to the course, its modules, lessons, quizzes, questions and choices,
    newest first: one query per kind, whatever the course's size. Rows written in bulk
    (``bulk_create``, ``update()``) have no history and do not appear."""
    module_ids = Module.history.filter(course_id=course.pk).values("id")
    quiz_ids = Quiz.history.filter(module_id__in=module_ids).values("id")
    question_ids = Question.history.filter(quiz_id__in=quiz_ids).values("id")
    sources: list[tuple[str, QuerySet, Any]] = [
        ("course", Course.history.filter(id=course.pk), lambda r: r.title),
        ("module", Module.history.filter(course_id=course.pk), lambda r: r.title),
        ("lesson", Lesson.history.filter(module_id__in=module_ids), lambda r: r.title),
        (
            "quiz",
            Quiz.history.filter(id__in=quiz_ids).select_related("module"),
            lambda r: r.module.title if r.module else "a module",
        ),
        ("question", Question.history.filter(id__in=question_ids), lambda r: r.prompt),
        (
            "choice",
            Choice.history.filter(question_id__in=question_ids),
            lambda r: r.text,
        ),
    ]
    changes: list[Change] = []
    for what, rows, name in sources:
        for row in rows.select_related("history_user").order_by("-history_date")[:limit]:
            changes.append(
                Change(
                    who=_who(row),
                    verb=_HISTORY_KIND.get(row.history_type, "changed"),
                    what=what,
                    name=_short(name(row)),
                    at=row.history_date,
                )
            )
    changes.sort(key=lambda change: change.at, reverse=True)
    return changes[:limit]


def _short(text: str, length: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1] + "…"
