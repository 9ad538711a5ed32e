"""Who may see what in training: fetch-and-authorise helpers, each scoped to the person asking.

The ``*_for`` helpers raise Http404 for anything the caller may not see, so ids leak nothing.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.permissions import is_admin
from lms.models import Course, Enrolment, Lesson, ModuleCompletion, Quiz, QuizAttempt
from lms.querysets import CourseQuerySet


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
    course = courses_visible_to(user=user).filter(pk=course_id).first()
    if course is None:
        raise Http404("No such course.")
    return course


def lesson_for(*, user: User, lesson_id: int) -> Lesson:
    lesson = (
        Lesson.objects.select_related("module__course")
        .filter(pk=lesson_id, module__course__in=courses_visible_to(user=user))
        .first()
    )
    if lesson is None:
        raise Http404("No such lesson.")
    return lesson


def quiz_for(*, user: User, quiz_id: int) -> Quiz:
    quiz = (
        Quiz.objects.select_related("module__course")
        .filter(pk=quiz_id, module__course__in=courses_visible_to(user=user))
        .first()
    )
    if quiz is None:
        raise Http404("No such quiz.")
    return quiz


def attempt_for(*, user: User, attempt_id: int) -> QuizAttempt:
    """Only the person who took an attempt may read or submit it."""
    attempt = (
        QuizAttempt.objects.select_related("quiz__module__course")
        .filter(pk=attempt_id, user=user)
        .first()
    )
    if attempt is None:
        raise Http404("No such attempt.")
    return attempt


def enrolments_visible_to(*, user: User) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(_people_filter(user, "user")).select_related(
        "user", "course", "assigned_by"
    )


def completions_visible_to(*, user: User) -> QuerySet[ModuleCompletion]:
    return ModuleCompletion.objects.filter(_people_filter(user, "user")).select_related(
        "user", "module__course"
    )


def lesson_to_complete_for(*, user: User, lesson_id: int) -> Lesson:
    """A lesson the caller may record progress on.

    Only published courses count, for admins too: progress on a draft would complete modules
    (and book coaching) for content nobody else can take yet.
    """
    lesson = (
        Lesson.objects.select_related("module__course")
        .filter(pk=lesson_id, module__course__in=courses_visible_to(user=user).published())
        .first()
    )
    if lesson is None:
        raise Http404("No such lesson.")
    return lesson
