"""What the authoring pages read: every course with its numbers, one course's outline, and who
changed what in it lately. Admins only; anyone else gets a 404 (``accounts.permissions``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
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
_STATUS_VERB = {
    Course.Status.PUBLISHED: "published",
    Course.Status.DRAFT: "unpublished",
    Course.Status.ARCHIVED: "archived",
}


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
    """The latest changes to the course, its modules, lessons, quiz and questions, newest first,
    in words: one query per kind whatever the course's size. A choice's change is told as its
    question's, and a run of changes by one person to one thing as one line. Rows written in
    bulk (``bulk_create``, ``update()``) have no history and do not appear."""
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
            lambda r: r.module.title,
        ),
        ("question", Question.history.filter(id__in=question_ids), lambda r: r.prompt),
    ]
    # Fetched generously: runs fold into one line below.
    fetch = limit * 4
    changes: list[Change] = []
    for what, rows, name in sources:
        fetched = list(rows.select_related("history_user").order_by("-history_date")[:fetch])
        for i, row in enumerate(fetched):
            older = fetched[i + 1] if i + 1 < len(fetched) else None
            change = _change(row, what, name(row))
            if what == "course" and older is not None and row.status != older.status:
                # Publishing, unpublishing and archiving are said as such, not as "changed".
                change = replace(change, verb=_STATUS_VERB.get(row.status, change.verb))
            changes.append(change)
    choices = list(
        Choice.history.filter(question_id__in=question_ids)
        .select_related("history_user")
        .order_by("-history_date")[:fetch]
    )
    prompts = dict(
        Question.objects.filter(pk__in={row.question_id for row in choices}).values_list(
            "pk", "prompt"
        )
    )
    for row in choices:
        changes.append(
            _change(row, "question", prompts.get(row.question_id, "a deleted question"), "~")
        )
    changes.sort(key=lambda change: change.at, reverse=True)
    return _folded(changes)[:limit]


def _change(row: Any, what: str, name: str, history_type: str | None = None) -> Change:
    return Change(
        who=_who(row),
        verb=_HISTORY_KIND.get(history_type or row.history_type, "changed"),
        what=what,
        name=_short(name),
        at=row.history_date,
    )


_VERB_WEIGHT = {
    "deleted": 2,
    "added": 1,
    "published": 1,
    "unpublished": 1,
    "archived": 1,
    "changed": 0,
}


def _folded(changes: list[Change]) -> list[Change]:
    """One line per run of changes by one person to one thing, saying the weightiest verb
    (adding a question and then its choices is "added")."""
    folded: list[Change] = []
    for change in changes:
        last = folded[-1] if folded else None
        if last and (last.who, last.what, last.name) == (change.who, change.what, change.name):
            if _VERB_WEIGHT[change.verb] > _VERB_WEIGHT[last.verb]:
                folded[-1] = Change(last.who, change.verb, last.what, last.name, last.at)
            continue
        folded.append(change)
    return folded


def _short(text: str, length: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1] + "…"
