"""A course's outline as authors shape it: creating and copying courses, adding and editing
modules, putting modules and lessons in order, and deleting what nobody has trained on.

Content that people have progress, attempts or completions on is never deleted (its foreign
keys PROTECT it); the refusal says so and points to archiving the course, as the back office
does. Publishing and archiving are ``lms.services.authoring``'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, TypeVar

from django.db import transaction
from django.db.models import Model
from django.utils.text import slugify

from config.errors import DomainError
from lms.catalogue import catalogue_changed
from lms.models import (
    AttemptAnswer,
    Choice,
    Course,
    ExtraAttemptGrant,
    ExtraAttemptRequest,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
    Question,
    Quiz,
    QuizAttempt,
    Skill,
)
from lms.services.authoring import positions_make_room

Direction = Literal["up", "down"]
M = TypeVar("M", bound=Model)

HAS_RECORDS = (
    "people have progress, quiz attempts or completions on {what}, so deleting it would erase"
    " their training record; leave it, or archive the course: reps no longer see it and every"
    " record is kept"
)
SLUG_MAX = 50


def _unique_slug(base: str, taken: Iterable[str], *, fallback: str) -> str:
    """``base`` itself, or ``base-2``, ``base-3``… the first one nobody has."""
    base = (slugify(base) or fallback)[: SLUG_MAX - 4].strip("-") or fallback
    taken = set(taken)
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _course_slug(base: str) -> str:
    prefix = (slugify(base) or "course")[: SLUG_MAX - 4].strip("-") or "course"
    return _unique_slug(
        prefix,
        Course.objects.filter(slug__startswith=prefix).values_list("slug", flat=True),
        fallback="course",
    )


@transaction.atomic
def course_create(
    *, title: str, slug: str = "", summary: str = "", skills: Iterable[Skill] = ()
) -> Course:
    """A new draft course. A blank slug is made from the title; a slug that is taken is a
    DomainError (an import matches courses by slug, so two must never share one)."""
    if slug:
        if Course.objects.filter(slug=slug).exists():
            raise DomainError(f"Another course already uses the slug “{slug}”.")
    else:
        slug = _course_slug(title)
    course = Course.objects.create(title=title, slug=slug, summary=summary)
    course.skills.set(list(skills))
    return course


@transaction.atomic
def course_update(*, course: Course, title: str, summary: str, skills: Iterable[Skill]) -> Course:
    """The course's title, summary and skills; its slug stays, as course files match on it."""
    course.title, course.summary = title, summary
    course.save(update_fields=["title", "summary", "updated_at"])
    course.skills.set(list(skills))
    return course


def _copy(obj: M, **changes: Any) -> M:
    """A new row with ``obj``'s field values and ``changes``; the original is untouched."""
    values = {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if not field.primary_key and not getattr(field, "auto_now_add", False)
    }
    values.pop("body_html", None)  # derived on save
    return type(obj)._default_manager.create(**{**values, **changes})


@transaction.atomic
def course_duplicate(*, course: Course) -> Course:
    """A new draft with a copy of everything: skills, modules with their guides, lessons, the
    quiz, its questions and their choices. Nobody's records come along."""
    source = (
        Course.objects.prefetch_related("skills", "modules__skills")
        .select_related()
        .get(pk=course.pk)
    )
    copy = _copy(
        source,
        title=f"{source.title} (copy)"[:200],
        slug=_course_slug(f"{source.slug}-copy"),
        status=Course.Status.DRAFT,
    )
    copy.skills.set(source.skills.all())
    modules = list(source.modules.all())
    lessons = Lesson.objects.filter(module__course=source).order_by("position")
    quizzes = {q.module_id: q for q in Quiz.objects.filter(module__course=source)}
    questions = Question.objects.filter(quiz__module__course=source).order_by("position")
    choices = Choice.objects.filter(question__quiz__module__course=source).order_by("position")
    module_map: dict[int, Module] = {}
    for module in modules:
        new_module = _copy(module, course_id=copy.pk)
        new_module.skills.set(module.skills.all())
        module_map[module.pk] = new_module
    for lesson in lessons:
        _copy(lesson, module_id=module_map[lesson.module_id].pk)
    quiz_map = {
        quiz.pk: _copy(quiz, module_id=module_map[module_id].pk)
        for module_id, quiz in quizzes.items()
    }
    question_map = {
        question.pk: _copy(question, quiz_id=quiz_map[question.quiz_id].pk)
        for question in questions
    }
    for choice in choices:
        _copy(choice, question_id=question_map[choice.question_id].pk)
    return copy


@transaction.atomic
def module_create(
    *, course: Course, title: str, objectives: str = "", skills: Iterable[Skill] = ()
) -> Module:
    """A new module at the end of the course, its slug made from its title."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    siblings = Module.objects.filter(course=course)
    last = siblings.order_by("-position").values_list("position", flat=True).first() or 0
    module = Module.objects.create(
        course=course,
        title=title,
        objectives=objectives,
        slug=_unique_slug(title, siblings.values_list("slug", flat=True), fallback="module"),
        position=last + 1,
    )
    module.skills.set(list(skills))
    return module


@transaction.atomic
def module_update(
    *, module: Module, title: str, objectives: str, skills: Iterable[Skill]
) -> Module:
    """A module's title, objectives and skills; its slug stays, as course files match on it."""
    module.title, module.objectives = title, objectives
    module.save(update_fields=["title", "objectives"])
    module.skills.set(list(skills))
    catalogue_changed()
    return module


def _swap(model: type[Model], row, siblings, direction: Direction) -> bool:
    """Swap ``row`` with its neighbour above or below among ``siblings``; False at an end."""
    if direction == "up":
        neighbour = siblings.filter(position__lt=row.position).order_by("-position").first()
    else:
        neighbour = siblings.filter(position__gt=row.position).order_by("position").first()
    if neighbour is None:
        return False
    positions_make_room(model=model, pks=[row.pk, neighbour.pk])
    row.position, neighbour.position = neighbour.position, row.position
    row.save(update_fields=["position"])
    neighbour.save(update_fields=["position"])
    return True


@transaction.atomic
def module_move(*, module: Module, direction: Direction) -> bool:
    """Move a module one place up or down; False when it is already first or last."""
    Course.objects.select_for_update().filter(pk=module.course_id).first()
    module = Module.objects.get(pk=module.pk)
    return _swap(Module, module, Module.objects.filter(course_id=module.course_id), direction)


@transaction.atomic
def lesson_move(*, lesson: Lesson, direction: Direction) -> bool:
    """Move a lesson one place up or down in its module; False at either end."""
    Module.objects.select_for_update().filter(pk=lesson.module_id).first()
    lesson = Lesson.objects.get(pk=lesson.pk)
    return _swap(Lesson, lesson, Lesson.objects.filter(module_id=lesson.module_id), direction)


def module_has_records(*, module: Module) -> bool:
    """Whether anyone has trained on this module: what PROTECT guards."""
    return (
        ModuleCompletion.objects.filter(module=module).exists()
        or LessonProgress.objects.filter(lesson__module=module).exists()
        or QuizAttempt.objects.filter(quiz__module=module).exists()
        or AttemptAnswer.objects.filter(question__quiz__module=module).exists()
        or ExtraAttemptGrant.objects.filter(quiz__module=module).exists()
        or ExtraAttemptRequest.objects.filter(quiz__module=module).exists()
    )


@transaction.atomic
def module_delete(*, module: Module) -> None:
    """Delete a module with its lessons, quiz and guide. Raises DomainError when anyone has
    trained on it."""
    if module_has_records(module=module):
        raise DomainError(f"“{module.title}” was not deleted: {HAS_RECORDS.format(what='it')}.")
    module.delete()
    catalogue_changed()


@transaction.atomic
def lesson_delete(*, lesson: Lesson) -> None:
    """Delete a lesson. Raises DomainError when anyone has finished it."""
    if LessonProgress.objects.filter(lesson=lesson).exists():
        raise DomainError(f"“{lesson.title}” was not deleted: {HAS_RECORDS.format(what='it')}.")
    lesson.delete()
    catalogue_changed()
