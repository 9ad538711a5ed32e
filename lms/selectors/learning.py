"""One person's way through their training: enrolments, completions, progress and next steps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db.models import BooleanField, Case, F, OuterRef, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User
from accounts.permissions import is_admin
from lms.catalogue import CourseEntry, LessonEntry, QuizEntry, catalogue
from lms.models import (
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
    Quiz,
    QuizAttempt,
)
from lms.querysets import count_of
from lms.selectors.access import completions_visible_to, enrolments_visible_to

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class StepCounts(TypedDict):
    """An enrolment's course steps and how many its learner has done (``enrolment_list_for``
    and ``lms.selectors.team``)."""

    module_count: int
    completed_module_count: int
    lesson_count: int
    lessons_done: int
    quiz_count: int
    quizzes_passed: int


def enrolment_list_for(*, user: User) -> QuerySet[Enrolment]:
    """Visible enrolments with the learner's progress through the course and ``overdue``: past
    the due date with modules still to finish (``enrolment_overdue`` in SQL)."""
    return (
        enrolments_visible_to(user=user)
        .annotate(
            module_count=count_of(
                Module.objects.filter(course=OuterRef("course")), group_by="course"
            ),
            completed_module_count=count_of(
                ModuleCompletion.objects.filter(
                    user=OuterRef("user"), module__course=OuterRef("course")
                ),
                group_by="module__course",
            ),
        )
        .annotate(
            overdue=Case(
                When(
                    due_date__lt=timezone.localdate(),
                    completed_module_count__lt=F("module_count"),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by(F("due_date").asc(nulls_last=True), "created_at", "pk")
    )


def completion_list_for(*, user: User) -> QuerySet[ModuleCompletion]:
    """Visible module completions, newest first, in a stable order for paging."""
    return completions_visible_to(user=user).order_by("-completed_at", "-pk")


def enrolment_overdue(*, due_date: dt.date | None, modules_done: int, module_count: int) -> bool:
    """An enrolment is overdue past its due date with modules still to finish: the one rule for
    the pages, whose SQL twin is ``enrolment_list_for``'s ``overdue`` for the API."""
    return bool(due_date and due_date < timezone.localdate() and modules_done < module_count)


def progress_percent(*, done: int, total: int) -> int:
    """Whole percent of a course's steps (lessons done and quizzes passed) behind someone."""
    return min(round(100 * done / total), 100) if total else 0


@dataclass(frozen=True)
class CourseProgress:
    """One person's way through one course, for the lists (My learning, Team training)."""

    enrolment: Enrolment
    # The course's title and id: a catalogue entry on My learning, the row on Team training.
    course: Course | CourseEntry
    module_count: int
    modules_done: int
    lesson_count: int
    lessons_done: int
    quiz_count: int
    quizzes_passed: int
    next_lesson: Lesson | LessonEntry | None = None
    next_quiz: Quiz | QuizEntry | None = None

    @classmethod
    def of_annotated(cls, enrolment: WithAnnotations[Enrolment, StepCounts]) -> CourseProgress:
        """From an enrolment carrying ``enrolment_list_for`` and ``_with_step_counts``."""
        return cls(
            enrolment=enrolment,
            course=enrolment.course,
            module_count=enrolment.module_count,
            modules_done=enrolment.completed_module_count,
            lesson_count=enrolment.lesson_count,
            lessons_done=enrolment.lessons_done,
            quiz_count=enrolment.quiz_count,
            quizzes_passed=enrolment.quizzes_passed,
        )

    @property
    def is_complete(self) -> bool:
        return 0 < self.module_count <= self.modules_done

    @property
    def is_overdue(self) -> bool:
        return enrolment_overdue(
            due_date=self.enrolment.due_date,
            modules_done=self.modules_done,
            module_count=self.module_count,
        )

    @property
    def percent(self) -> int:
        if self.is_complete:
            return 100
        return progress_percent(
            done=self.lessons_done + self.quizzes_passed,
            total=self.lesson_count + self.quiz_count,
        )


@dataclass(frozen=True)
class _Done:
    """Ids of what one person has finished: lessons, quizzes passed, modules completed."""

    lessons: set[int]
    quizzes: set[int]
    modules: set[int]


def _done_by(*, user: User) -> _Done:
    """One query over the person's own rows, however many courses they follow."""
    lessons = LessonProgress.objects.filter(user=user).order_by()
    quizzes = QuizAttempt.objects.passed().filter(user=user).order_by()
    modules = ModuleCompletion.objects.filter(user=user).order_by()
    done = _Done(lessons=set(), quizzes=set(), modules=set())
    into = {1: done.lessons, 2: done.quizzes, 3: done.modules}
    for pk, kind in lessons.values_list("lesson_id", Value(1)).union(
        quizzes.values_list("quiz_id", Value(2)),
        modules.values_list("module_id", Value(3)),
        all=True,
    ):
        into[kind].add(pk)
    return done


def _progress_in(course: CourseEntry, *, enrolment: Enrolment, done: _Done) -> CourseProgress:
    """The person's progress through ``course`` and their next step in it: in the first module
    not completed (a module with nothing in it never is), the first lesson not done, else the
    quiz."""
    lesson_count = lessons_done = quiz_count = quizzes_passed = modules_done = 0
    next_step: LessonEntry | QuizEntry | None = None
    next_found = False
    for module in course.modules:
        lesson_count += len(module.lessons)
        lessons_done += sum(1 for lesson in module.lessons if lesson.pk in done.lessons)
        if module.quiz is not None:
            quiz_count += 1
            quizzes_passed += module.quiz.pk in done.quizzes
        if module.pk in done.modules:
            modules_done += 1
        elif not next_found and (module.lessons or module.quiz is not None):
            next_found = True
            next_step = next(
                (lesson for lesson in module.lessons if lesson.pk not in done.lessons),
                module.quiz,
            )
    return CourseProgress(
        enrolment=enrolment,
        course=course,
        module_count=len(course.modules),
        modules_done=modules_done,
        lesson_count=lesson_count,
        lessons_done=lessons_done,
        quiz_count=quiz_count,
        quizzes_passed=quizzes_passed,
        next_lesson=next_step if isinstance(next_step, LessonEntry) else None,
        next_quiz=next_step if isinstance(next_step, QuizEntry) else None,
    )


@dataclass(frozen=True)
class Learning:
    courses: list[CourseProgress]
    # Published courses the person is not enrolled in yet, to start themselves.
    available: list[CourseEntry]
    # Who coaches the person after each module, if anyone.
    coach: User | None


def learning_for(*, user: User) -> Learning:
    """The person's own courses with progress and the next step in each, and the courses they
    could start. Content comes from the cached catalogue; the person's rows are read fresh, in
    two queries however many courses, modules and enrolments there are."""
    content = catalogue()
    # The coach rides on this query; only someone with no enrolment costs one more.
    enrolments = list(
        Enrolment.objects.filter(user=user)
        .select_related("assigned_by", "user__manager")
        .order_by()
    )
    # As enrolment_list_for orders them (due first, no due date last), sorted here: for a handful
    # of rows, building that ORDER BY costs more than the sort.
    enrolments.sort(key=lambda e: (e.due_date is None, e.due_date, e.created_at, e.pk))
    done = _done_by(user=user) if enrolments else _Done(set(), set(), set())
    everything = is_admin(user)
    courses = []
    for enrolment in enrolments:
        course = content.by_pk.get(enrolment.course_id)
        if course is not None and (everything or course.is_published):
            courses.append(_progress_in(course, enrolment=enrolment, done=done))
    enrolled = {enrolment.course_id for enrolment in enrolments}
    available = [
        course for course in content.courses if course.is_published and course.pk not in enrolled
    ]
    coach = enrolments[0].user.manager if enrolments else user.manager
    return Learning(courses=courses, available=available, coach=coach)
