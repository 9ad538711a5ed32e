"""What people have done in a course, and the changes a file asks for that would rewrite it.

Importing updates a course in place; it refuses to change or remove lessons and questions that
people have progress or attempts on, because that would rewrite their training record.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import router
from django.db.models import Count, Model, ProtectedError, QuerySet, RestrictedError
from django.db.models.deletion import Collector

from lms.course_files.reader import CourseFileData, FieldPath
from lms.course_files.schema import FileSpec, QuestionSpec
from lms.models import Course, LessonProgress, Module, ModuleCompletion, Question, QuizAttempt

ADVICE = (
    "leave it as it is and add a new one instead, or archive this course and import the new"
    " version under a new slug"
)


def _people_per(rows: QuerySet, key: str) -> dict[int, int]:
    """How many different people the ``rows`` have, for each value of ``key``."""
    return dict(
        rows.order_by()
        .values(key)
        .annotate(people=Count("user", distinct=True))
        .values_list(key, "people")
    )


@dataclass
class Usage:
    """What people have done in a course, by row id: the things an import must not rewrite."""

    completions: dict[int, int]  # module -> people
    progress: dict[int, int]  # lesson -> people
    attempts: Counter[int]  # quiz -> attempts
    question_attempts: Counter[int]  # question -> attempts

    @classmethod
    def of(cls, course: Course) -> Usage:
        attempts: Counter[int] = Counter()
        question_attempts: Counter[int] = Counter()
        for quiz_id, layout in QuizAttempt.objects.filter(quiz__module__course=course).values_list(
            "quiz_id", "layout"
        ):
            attempts[quiz_id] += 1
            question_attempts.update(item["question"] for item in layout or [])
        return cls(
            completions=_people_per(
                ModuleCompletion.objects.filter(module__course=course), "module"
            ),
            progress=_people_per(
                LessonProgress.objects.filter(lesson__module__course=course), "lesson"
            ),
            attempts=attempts,
            question_attempts=question_attempts,
        )

    def of_module(self, module: Module) -> int:
        quiz = getattr(module, "quiz", None)
        return (
            self.completions.get(module.pk, 0)
            + sum(self.progress.get(lesson.pk, 0) for lesson in module.lessons.all())
            + (self.attempts.get(quiz.pk, 0) if quiz else 0)
        )


def _question_content(question: Question) -> tuple:
    return (
        question.prompt,
        question.kind,
        question.skill.slug,
        [(choice.text, choice.is_correct) for choice in question.choices.all()],
    )


def _question_spec_content(spec: QuestionSpec) -> tuple:
    return (
        spec.prompt,
        spec.kind,
        spec.skill,
        [(choice.text, choice.correct) for choice in spec.choices],
    )


def _people(n: int) -> str:
    return "1 person has" if n == 1 else f"{n} people have"


def _attempts(n: int) -> str:
    return "1 attempt" if n == 1 else f"{n} attempts"


def protected_references(obj: Model) -> int:
    """How many rows, in any app, refuse to let ``obj`` go (answers, sessions, ...)."""
    try:
        Collector(using=router.db_for_write(type(obj))).collect([obj])
    except ProtectedError as exc:
        return len(exc.protected_objects)
    except RestrictedError as exc:
        return len(exc.restricted_objects)
    return 0


def refusals(
    *, data: CourseFileData, spec: FileSpec, existing: dict[str, Module], usage: Usage
) -> list[str]:
    """Every change the file asks for that would rewrite someone's training record, each told
    at the place in ``data`` that asks for it."""
    where = data.where
    course = spec.course
    modules_path: FieldPath = ("course", "modules")
    problems = []
    wanted = {module.slug for module in course.modules}
    for slug, module in existing.items():
        if slug not in wanted and (usage.of_module(module) or protected_references(module)):
            problems.append(
                f"{where(modules_path)}: module '{slug}' (“{module.title}”) is no"
                f" longer in the file, but people have progress, attempts, completions or"
                f" coaching sessions in it; {ADVICE}"
            )
    for m, module_spec in enumerate(course.modules):
        stored = existing.get(module_spec.slug)
        if stored is None:
            continue
        module_path = (*modules_path, m)
        lessons = module_spec.lessons
        for i, lesson in enumerate(stored.lessons.all()):
            people = usage.progress.get(lesson.pk, 0)
            if not people:
                continue
            if i >= len(lessons):
                problems.append(
                    f"{where((*module_path, 'lessons'))}: lesson {i + 1} (“{lesson.title}”)"
                    f" is no longer in the file, but {_people(people)} completed it; {ADVICE}"
                )
            elif (lesson.title, lesson.body) != (lessons[i].title, lessons[i].body):
                problems.append(
                    f"{where((*module_path, 'lessons', i))}: {_people(people)} completed lesson"
                    f" {i + 1} (“{lesson.title}”), so its title and text cannot change; {ADVICE}"
                )
        quiz = getattr(stored, "quiz", None)
        if quiz is None:
            continue
        if module_spec.quiz is None:
            if usage.attempts.get(quiz.pk) or protected_references(quiz):
                problems.append(
                    f"{where(module_path)}: the module no longer has a quiz in the file, but"
                    f" people have attempted or answered it; {ADVICE}"
                )
            continue
        questions_path = (*module_path, "quiz", "questions")
        question_specs = module_spec.quiz.questions
        for i, question in enumerate(quiz.questions.all()):
            removed = i >= len(question_specs)
            if not removed and _question_content(question) == _question_spec_content(
                question_specs[i]
            ):
                continue
            asked = usage.question_attempts.get(question.pk, 0)
            if not asked and not protected_references(question):
                continue
            record = f"it was asked in {_attempts(asked)}" if asked else "people have answered it"
            if removed:
                problems.append(
                    f"{where(questions_path)}: question {i + 1} is no"
                    f" longer in the file, but {record}; {ADVICE}"
                )
            else:
                problems.append(
                    f"{where((*questions_path, i))}: question {i + 1} cannot change its prompt,"
                    f" kind, skill or choices: {record}; {ADVICE}"
                )
    return problems
