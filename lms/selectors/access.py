"""Who may see what in training: fetch-and-authorise helpers, each scoped to the person asking.

The ``*_for`` helpers raise Http404 for anything the caller may not see, so ids leak nothing.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.permissions import is_admin
from lms.models import Course, Enrolment, Lesson, ModuleCompletion, Quiz, QuizAttempt
from lms.querysets import CourseQuerySet

M = TypeVar("M", bound=Model)


def _one_or_404(rows: QuerySet[M], *, pk: int, kind: str) -> M:
    found = rows.filter(pk=pk).first()
    if found is None:
        raise Http404(f"No such {kind}.")
    return found


def _people_filter(user: User, field: str) -> Q:
    """Rows about people the caller may see: their own, their team's, or all for an admin."""
    if is_admin(user):
        return Q()
    if user.is_manager:
        return Q(**{field: user}) | Q(**{f"{field}__manager": user})
    return Q(**{field: user})


def courses_visible_to(*, user: User) -> CourseQuerySet:
    """Published courses; admins also see drafts and archived ones."""
    if is_admin(user):
        return Course.objects.all()
    return Course.objects.published()


def course_for(*, user: User, course_id: int) -> Course:
    return _one_or_404(courses_visible_to(user=user), pk=course_id, kind="course")


def lesson_for(*, user: User, lesson_id: int) -> Lesson:
    lessons = Lesson.objects.select_related("module__course").filter(
        module__course__in=courses_visible_to(user=user)
    )
    return _one_or_404(lessons, pk=lesson_id, kind="lesson")


def quiz_for(*, user: User, quiz_id: int) -> Quiz:
    quizzes = Quiz.objects.select_related("module__course").filter(
        module__course__in=courses_visible_to(user=user)
    )
    return _one_or_404(quizzes, pk=quiz_id, kind="quiz")


def attempt_for(*, user: User, attempt_id: int) -> QuizAttempt:
    """Only the person who took an attempt may read or submit it."""
    attempts = QuizAttempt.objects.select_related("quiz__module__course").filter(user=user)
    return _one_or_404(attempts, pk=attempt_id, kind="attempt")


def enrolments_visible_to(*, user: User) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(_people_filter(user, "user")).select_related(
        "user", "course", "assigned_by"
    )


def completions_visible_to(*, user: User) -> QuerySet[ModuleCompletion]:
    return ModuleCompletion.objects.filter(_people_filter(user, "user")).select_related(
        "user", "module__course"
    )


def lesson_to_complete_for(*, user: User, lesson_id: int) -> Lesson:
    """A lesson the caller may try to record progress on: in a course they can see, or in one
    they are enrolled in (which may have been unpublished or archived since they started).

    Whether progress counts is not decided here: ``lms.services.course_require_published``
    refuses it for any course that is not published, admins' drafts included, with a message.
    """
    enrolled = Enrolment.objects.filter(user=user).values("course")
    lessons = Lesson.objects.select_related("module__course").filter(
        Q(module__course__in=courses_visible_to(user=user)) | Q(module__course__in=enrolled)
    )
    return _one_or_404(lessons, pk=lesson_id, kind="lesson")
