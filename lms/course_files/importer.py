"""Importing course files: each creates its course or updates it in place, all or nothing.

Modules are matched by slug and ordered as listed; lessons, questions and choices by their place
in the list. Publishing goes through the lifecycle services, so a file publishes by the same
rules as the admin. One problem in any file and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Model, ProtectedError

from lms.course_files.reader import (
    CourseFileData,
    CourseFileError,
    course_file_load,
    course_file_parse,
)
from lms.course_files.refusals import ADVICE, Usage, refusals
from lms.course_files.schema import (
    ChoiceSpec,
    FileSpec,
    LessonSpec,
    QuizSpec,
    SkillSpec,
    course_file_check,
)
from lms.models import Choice, Course, Lesson, Module, Question, Quiz, Skill
from lms.services.authoring import (
    course_archive,
    course_publish,
    course_unpublish,
    positions_make_room,
)

_STATUS_CHANGE: dict[str, Callable[..., Course]] = {
    Course.Status.PUBLISHED: course_publish,
    Course.Status.DRAFT: course_unpublish,
    Course.Status.ARCHIVED: course_archive,
}


@dataclass(frozen=True)
class _CheckedFile:
    data: CourseFileData
    spec: FileSpec


@dataclass
class ImportedCourse:
    course: Course
    source: str
    outcome: str  # created, updated or unchanged


def _update(obj: Model, **values: Any) -> bool:
    """Save only the fields that differ, so importing the same file twice writes nothing."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        stamps = [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]
        obj.save(update_fields=[*changed, *stamps])
    return bool(changed)


def _park_moved(model: type[Model], placed: Sequence[tuple[Any, int]]) -> None:
    """Move the rows whose position changes out of the way before any takes its new place."""
    positions_make_room(
        model=model, pks=[obj.pk for obj, position in placed if obj.position != position]
    )


def _set_skills(relation, wanted: list[str], skills: dict[str, Skill]) -> bool:
    if {s.slug for s in relation.all()} == set(wanted):
        return False
    relation.set([skills[slug] for slug in wanted])
    return True


def _existing_modules(course: Course) -> dict[str, Module]:
    return {module.slug: module for module in Module.objects.filter(course=course).with_content()}


def _write_choices(question: Question, specs: list[ChoiceSpec], fresh: bool) -> bool:
    existing = [] if fresh else list(question.choices.all())
    changed = False
    for choice in existing[len(specs) :]:
        choice.delete()
        changed = True
    placed = [(choice, i + 1) for i, choice in enumerate(existing[: len(specs)])]
    _park_moved(Choice, placed)
    for i, spec in enumerate(specs):
        values = {"position": i + 1, "text": spec.text, "is_correct": spec.correct}
        if i < len(existing):
            changed |= _update(existing[i], **values)
        else:
            Choice.objects.create(question=question, **values)
            changed = True
    return changed


def _write_quiz(module: Module, spec: QuizSpec | None, skills: dict[str, Skill]) -> bool:
    quiz = getattr(module, "quiz", None)
    if spec is None:
        if quiz is not None:
            quiz.delete()
            return True
        return False
    settings = {
        "pass_mark": spec.pass_mark,
        "max_attempts": spec.max_attempts,
        "shuffle_choices": spec.shuffle_choices,
        "questions_per_attempt": spec.questions_per_attempt,
        "review_policy": spec.review_policy,
    }
    existing: list[Question] = []
    if quiz is None:
        quiz = Quiz.objects.create(module=module, **settings)
        changed = True
    else:
        changed = _update(quiz, **settings)
        existing = list(quiz.questions.all())
    for question in existing[len(spec.questions) :]:
        question.delete()
        changed = True
    _park_moved(Question, [(q, i + 1) for i, q in enumerate(existing[: len(spec.questions)])])
    for i, question_spec in enumerate(spec.questions):
        values = {
            "position": i + 1,
            "prompt": question_spec.prompt,
            "kind": question_spec.kind,
            "skill": skills[question_spec.skill],
            "explanation": question_spec.explanation,
        }
        if i < len(existing):
            question = existing[i]
            changed |= _update(question, **values)
            changed |= _write_choices(question, question_spec.choices, fresh=False)
        else:
            question = Question.objects.create(quiz=quiz, **values)
            _write_choices(question, question_spec.choices, fresh=True)
            changed = True
    return changed


def _write_lessons(module: Module, specs: list[LessonSpec], fresh: bool) -> bool:
    existing = [] if fresh else list(module.lessons.all())
    changed = False
    for lesson in existing[len(specs) :]:
        lesson.delete()
        changed = True
    _park_moved(Lesson, [(lesson, i + 1) for i, lesson in enumerate(existing[: len(specs)])])
    for i, spec in enumerate(specs):
        values = {
            "position": i + 1,
            "title": spec.title,
            "body": spec.body,
            "video_url": spec.video_url,
            "minutes": spec.minutes,
        }
        if i < len(existing):
            changed |= _update(existing[i], **values)
        else:
            Lesson.objects.create(module=module, **values)
            changed = True
    return changed


def _write_course(file: _CheckedFile, skills: dict[str, Skill]) -> tuple[Course, str]:
    course_spec = file.spec.course
    course = Course.objects.select_for_update().filter(slug=course_spec.slug).first()
    created = course is None
    existing: dict[str, Module] = {}
    if course is None:
        course = Course.objects.create(
            slug=course_spec.slug, title=course_spec.title, summary=course_spec.summary
        )
        changed = True
    else:
        existing = _existing_modules(course)
        refused = refusals(
            data=file.data, spec=file.spec, existing=existing, usage=Usage.of(course)
        )
        if refused:
            raise CourseFileError(refused)
        changed = _update(course, title=course_spec.title, summary=course_spec.summary)
    changed |= _set_skills(course.skills, course_spec.skills, skills)

    wanted = {module.slug for module in course_spec.modules}
    for slug, module in existing.items():
        if slug not in wanted:
            module.delete()
            changed = True
    targets = {module.slug: i + 1 for i, module in enumerate(course_spec.modules)}
    _park_moved(
        Module, [(module, targets[slug]) for slug, module in existing.items() if slug in wanted]
    )
    for i, module_spec in enumerate(course_spec.modules):
        guide = module_spec.coaching_guide
        values = {
            "position": i + 1,
            "title": module_spec.title,
            "objectives": module_spec.objectives,
            "coaching_questions": guide.questions_to_ask,
            "coaching_behaviours": guide.behaviours_to_observe,
            "practice_task": guide.practice_task,
        }
        stored = existing.get(module_spec.slug)
        if stored is None:
            module = Module.objects.create(course=course, slug=module_spec.slug, **values)
            changed = True
        else:
            module = stored
            changed |= _update(module, **values)
        changed |= _set_skills(module.skills, module_spec.skills, skills)
        changed |= _write_lessons(module, module_spec.lessons, fresh=stored is None)
        changed |= _write_quiz(module, module_spec.quiz, skills)

    if course_spec.status is not None and course.status != course_spec.status:
        # Through the lifecycle services, so a file publishes by the same rules as the admin.
        _STATUS_CHANGE[course_spec.status](course=course)
        course.refresh_from_db()
        changed = True
    return course, "created" if created else ("updated" if changed else "unchanged")


def _write_skills(specs: list[SkillSpec]) -> dict[str, Skill]:
    skills = {skill.slug: skill for skill in Skill.objects.filter(slug__in={s.slug for s in specs})}
    for spec in specs:
        skill = skills.get(spec.slug)
        if skill is None:
            skills[spec.slug] = Skill.objects.create(
                slug=spec.slug, name=spec.name, description=spec.description
            )
        else:
            _update(skill, name=spec.name, description=spec.description)
    return skills


def _import(files: list[_CheckedFile]) -> list[ImportedCourse]:
    errors: list[str] = []
    courses_seen: dict[str, _CheckedFile] = {}
    skills_seen: dict[str, tuple[_CheckedFile, SkillSpec]] = {}
    for file in files:
        first = courses_seen.setdefault(file.spec.course.slug, file)
        if first is not file:
            errors.append(
                f"{file.data.where(('course', 'slug'))}: the course '{file.spec.course.slug}' is"
                f" also in {first.data.source}; import each course from one file"
            )
        for i, skill in enumerate(file.spec.skills):
            first_file, first_skill = skills_seen.setdefault(skill.slug, (file, skill))
            if (first_skill.name, first_skill.description) != (skill.name, skill.description):
                errors.append(
                    f"{file.data.where(('skills', i))}: skill '{skill.slug}' is declared"
                    f" differently in {first_file.data.source}; declare it the same way in both"
                    " files"
                )
    if errors:
        raise CourseFileError(errors)
    skills = _write_skills([skill for _, skill in skills_seen.values()])
    imported = []
    for file in files:
        try:
            course, outcome = _write_course(file, skills)
        except CourseFileError as exc:
            errors.extend(exc.errors)
            continue
        except ProtectedError:
            # Records of another app that the checks above cannot see by name.
            errors.append(
                f"{file.data.where(('course',))}: the import would delete content that other"
                f" records depend on; {ADVICE}"
            )
            continue
        imported.append(ImportedCourse(course=course, source=file.data.source, outcome=outcome))
    if errors:
        raise CourseFileError(errors)
    return imported


@transaction.atomic
def course_files_import(*, paths: Iterable[str | Path]) -> list[ImportedCourse]:
    """Create each file's course, or update it in place when its slug exists; all or nothing.

    Raises CourseFileError (a DomainError) listing every problem in every file, each as
    ``file:line: field: problem``; nothing is written then. Importing the same files twice
    changes nothing.
    """
    files, errors = [], []
    for path in paths:
        try:
            data = course_file_load(path=path)
            files.append(_CheckedFile(data=data, spec=course_file_check(data)))
        except CourseFileError as exc:
            errors.extend(exc.errors)
    if errors:
        raise CourseFileError(errors)
    return _import(files)


@transaction.atomic
def course_file_import_text(*, text: str, source: str) -> list[ImportedCourse]:
    """Import one file's text that came some other way than a path (an upload), by the same
    rules and with the same ``file:line: field: problem`` errors, ``source`` naming the file."""
    data = course_file_parse(text=text, source=source)
    return _import([_CheckedFile(data=data, spec=course_file_check(data))])
