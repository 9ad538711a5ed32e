"""Content as a rep with no history would see it, for an author's "Preview as a rep".

These build the same objects the reader's pages draw (``CourseOutline``, ``LessonReading``,
``QuizStanding``) without looking at anyone's enrolment, progress or attempts, and they write
nothing, so previewing a draft leaves no learner data behind. Admins only: 404 for anyone else.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.db.models import BooleanField, F, IntegerField, Prefetch, Value
from django.http import Http404

from accounts.models import User
from lms.models import Choice, Lesson, Module, Question, Quiz
from lms.selectors.courses import (
    CourseOutline,
    LessonReading,
    ModuleOutline,
    lesson_reading_for,
)
from lms.selectors.editing import author_or_404, course_to_edit, lesson_to_edit
from lms.selectors.quizzes import AttemptTally, QuizStanding, WayForward

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from lms.selectors.courses import Progress, QuizStandingMarks

_NOT_DONE = Value(False, output_field=BooleanField())
_NONE = Value(0, output_field=IntegerField())


def course_preview_for(*, user: User, course_id: int) -> CourseOutline:
    """The course outline as a rep who has not started it sees it (drafts too)."""
    course = course_to_edit(user=user, course_id=course_id)
    lessons = Lesson.objects.order_by("position").annotate(completed=_NOT_DONE)
    modules = list(
        Module.objects.filter(course=course)
        .order_by("position")
        .annotate(quiz_pk=F("quiz__id"), completed=_NOT_DONE)
        .prefetch_related("skills", Prefetch("lessons", queryset=lessons))
    )
    quizzes = Quiz.objects.filter(module__course=course).annotate(
        attempts_used=_NONE,
        attempts_granted=_NONE,
        passed=_NOT_DONE,
        open_attempt_id=Value(None, output_field=IntegerField()),
    )
    by_module = {
        quiz.module_id: cast("WithAnnotations[Quiz, QuizStandingMarks]", quiz) for quiz in quizzes
    }
    return CourseOutline(
        course=course,
        enrolment=None,
        modules=[
            ModuleOutline(
                module=cast("WithAnnotations[Module, Progress]", module),
                quiz=by_module.get(module.pk),
            )
            for module in modules
        ],
    )


def lesson_preview_for(*, user: User, lesson_id: int) -> LessonReading:
    """The lesson with its neighbours, as a rep who has not read it yet sees it."""
    lesson_to_edit(user=user, lesson_id=lesson_id)
    reading = lesson_reading_for(user=user, lesson_id=lesson_id)
    return dataclasses.replace(reading, done=False, module_completed=False)


@dataclass(frozen=True)
class QuizPreview:
    standing: QuizStanding
    # The whole pool in order, choices in order (an attempt draws and shuffles from it).
    questions: list[Question]

    @property
    def drawn(self) -> int | None:
        per_attempt = self.standing.quiz.questions_per_attempt
        return per_attempt if per_attempt and per_attempt < len(self.questions) else None


def quiz_preview_for(*, user: User, quiz_id: int) -> QuizPreview:
    """A quiz as a rep who has not tried it sees it, with every question of its pool."""
    author_or_404(user)
    quiz = Quiz.objects.select_related("module__course").filter(pk=quiz_id).first()
    if quiz is None:
        raise Http404("No such quiz.")
    questions = list(
        quiz.questions.order_by("position")
        .select_related("skill")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("position")))
    )
    pool = len(questions)
    standing = QuizStanding(
        quiz=quiz,
        attempts=[],
        question_count=min(quiz.questions_per_attempt or pool, pool),
        tally=AttemptTally(max_attempts=quiz.max_attempts, granted=0, used=0, passed=False),
        way_forward=WayForward(manager=None, request=None, last_grant=None),
    )
    return QuizPreview(standing=standing, questions=questions)
