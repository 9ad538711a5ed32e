"""Courses as people read them: the list, a course's outline and a lesson with its neighbours."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, TypedDict, cast

from django.db.models import Exists, F, OuterRef, Prefetch, Subquery
from django.http import Http404

from accounts.models import User
from accounts.permissions import is_admin
from lms.catalogue import CourseEntry, catalogue
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
from lms.selectors.access import courses_visible_to, lesson_for
from lms.selectors.learning import enrolment_overdue, progress_percent
from lms.selectors.quizzes import attempts_left_of, granted_attempts

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class Progress(TypedDict):
    """What ``course_detail_for`` marks on each module and lesson."""

    completed: bool


class QuizStandingMarks(TypedDict):
    """What ``course_outline_for`` marks on each quiz."""

    attempts_used: int
    attempts_granted: int
    passed: bool
    open_attempt_id: int | None


@dataclass(frozen=True)
class CourseListItem(CourseEntry):
    """A catalogue course as the list shows it to one person: with how many of its modules
    they completed."""

    completed_module_count: int = 0


def course_list_for(*, user: User) -> list[CourseListItem]:
    """Visible courses by title, from the cached catalogue, with the caller's completed-module
    count from one query over their own completions."""
    content = catalogue()
    completed = ModuleCompletion.objects.filter(user=user).order_by().values_list("module_id")
    done = Counter(content.course_of_module.get(module_id) for (module_id,) in completed)
    everything = is_admin(user)
    return [
        CourseListItem(
            **{entry.name: getattr(course, entry.name) for entry in fields(CourseEntry)},
            completed_module_count=done.get(course.pk, 0),
        )
        for course in content.courses
        if everything or course.is_published
    ]


def course_detail_for(*, user: User, course_id: int) -> Course:
    """A visible course, its modules in order with lessons, skills and quiz id, and the caller's
    progress marked on each module and lesson (``completed``). 404 for what the caller may not see.
    """
    lessons = Lesson.objects.order_by("position").annotate(
        completed=Exists(LessonProgress.objects.filter(user=user, lesson=OuterRef("pk")))
    )
    modules = (
        Module.objects.order_by("position")
        .annotate(
            quiz_pk=F("quiz__id"),
            completed=Exists(ModuleCompletion.objects.filter(user=user, module=OuterRef("pk"))),
        )
        .prefetch_related("skills", Prefetch("lessons", queryset=lessons))
    )
    course = (
        courses_visible_to(user=user)
        .filter(pk=course_id)
        .prefetch_related("skills", Prefetch("modules", queryset=modules))
        .first()
    )
    if course is None:
        raise Http404("No such course.")
    return course


@dataclass(frozen=True)
class ModuleOutline:
    """A module as its learner sees it. ``module`` and its lessons carry ``completed`` (from
    ``course_detail_for``); ``quiz`` carries ``attempts_used``, ``attempts_granted``,
    ``passed``, ``open_attempt_id``."""

    module: WithAnnotations[Module, Progress]
    quiz: WithAnnotations[Quiz, QuizStandingMarks] | None

    @property
    def lessons(self) -> list[WithAnnotations[Lesson, Progress]]:
        return cast("list[WithAnnotations[Lesson, Progress]]", list(self.module.lessons.all()))

    @property
    def lessons_done(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.completed)

    @property
    def attempts_left(self) -> int | None:
        if self.quiz is None:
            return None
        return attempts_left_of(
            max_attempts=self.quiz.max_attempts,
            granted=self.quiz.attempts_granted,
            used=self.quiz.attempts_used,
        )

    @property
    def state(self) -> str:
        if self.module.completed:
            return "complete"
        if self.lessons_done or (
            self.quiz and (self.quiz.attempts_used or self.quiz.open_attempt_id)
        ):
            return "in_progress"
        return "not_started"

    @property
    def next_step(self) -> Lesson | Quiz | None:
        if self.module.completed:
            return None
        for lesson in self.lessons:
            if not lesson.completed:
                return lesson
        return self.quiz


@dataclass(frozen=True)
class CourseOutline:
    course: Course
    enrolment: Enrolment | None
    modules: list[ModuleOutline]

    @property
    def is_complete(self) -> bool:
        return bool(self.modules) and all(outline.module.completed for outline in self.modules)

    @property
    def is_overdue(self) -> bool:
        return enrolment_overdue(
            due_date=self.enrolment.due_date if self.enrolment else None,
            modules_done=sum(1 for outline in self.modules if outline.module.completed),
            module_count=len(self.modules),
        )

    @property
    def percent(self) -> int:
        if self.is_complete:
            return 100
        done = total = 0
        for outline in self.modules:
            done += outline.lessons_done + int(bool(outline.quiz and outline.quiz.passed))
            total += len(outline.lessons) + int(outline.quiz is not None)
        return progress_percent(done=done, total=total)

    @property
    def next_step(self) -> Lesson | Quiz | None:
        return next((o.next_step for o in self.modules if o.next_step is not None), None)

    @property
    def next_lesson(self) -> Lesson | None:
        step = self.next_step
        return step if isinstance(step, Lesson) else None

    @property
    def next_quiz(self) -> Quiz | None:
        step = self.next_step
        return step if isinstance(step, Quiz) else None


def course_outline_for(*, user: User, course_id: int) -> CourseOutline:
    """A visible course with each module's state, lessons done and quiz standing for ``user``.
    404 for what they may not see; a fixed number of queries however many modules."""
    course = course_detail_for(user=user, course_id=course_id)
    mine = QuizAttempt.objects.filter(user=user, quiz=OuterRef("pk"))
    quizzes = (
        Quiz.objects.filter(module__course=course)
        .select_related("module")
        .annotate(
            attempts_used=count_of(mine.submitted(), group_by="quiz"),
            attempts_granted=granted_attempts(user=user, quiz=OuterRef("pk")),
            passed=Exists(mine.passed()),
            open_attempt_id=Subquery(mine.open().values("pk")[:1]),
        )
    )
    by_module = {
        quiz.module_id: cast("WithAnnotations[Quiz, QuizStandingMarks]", quiz) for quiz in quizzes
    }
    return CourseOutline(
        course=course,
        enrolment=Enrolment.objects.filter(user=user, course=course).first(),
        modules=[
            ModuleOutline(
                module=cast("WithAnnotations[Module, Progress]", module),
                quiz=by_module.get(module.pk),
            )
            for module in course.modules.all()
        ],
    )


@dataclass(frozen=True)
class LessonReading:
    lesson: Lesson
    done: bool
    module_completed: bool
    previous: Lesson | None
    next: Lesson | None
    # The module's quiz, offered as the next step after the module's last lesson.
    quiz: Quiz | None

    @property
    def quiz_is_next(self) -> bool:
        return self.quiz is not None and (
            self.next is None or self.next.module_id != self.lesson.module_id
        )


def lesson_reading_for(*, user: User, lesson_id: int) -> LessonReading:
    """A visible lesson with ``user``'s standing on it and its neighbours in the course."""
    lesson = lesson_for(user=user, lesson_id=lesson_id)
    in_order = list(
        Lesson.objects.filter(module__course_id=lesson.module.course_id)
        .order_by("module__position", "position")
        .only("pk", "title", "module_id")
    )
    index = next(i for i, other in enumerate(in_order) if other.pk == lesson.pk)
    return LessonReading(
        lesson=lesson,
        done=LessonProgress.objects.filter(user=user, lesson=lesson).exists(),
        module_completed=ModuleCompletion.objects.filter(
            user=user, module_id=lesson.module_id
        ).exists(),
        previous=in_order[index - 1] if index > 0 else None,
        next=in_order[index + 1] if index + 1 < len(in_order) else None,
        quiz=Quiz.objects.filter(module_id=lesson.module_id).first(),
    )
