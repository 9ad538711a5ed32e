"""The training of the people someone oversees: direct reports, or everyone for an admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.permissions import is_admin
from accounts.selectors import team_of
from lms.models import (
    Course,
    Enrolment,
    ExtraAttemptRequest,
    Lesson,
    LessonProgress,
    Quiz,
    QuizAttempt,
)
from lms.querysets import count_of
from lms.selectors.learning import CourseProgress, StepCounts, enrolment_list_for
from lms.selectors.quizzes import attempts_left_of, granted_attempts

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def _with_step_counts(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """Each enrolment with its course's steps and how many of them its learner has done:
    ``lesson_count``, ``lessons_done``, ``quiz_count``, ``quizzes_passed``."""
    course, learner = OuterRef("course"), OuterRef("user")
    passed_by_learner = QuizAttempt.objects.passed().filter(
        quiz=OuterRef("pk"), user=OuterRef(OuterRef("user"))
    )
    return enrolments.annotate(
        lesson_count=count_of(
            Lesson.objects.filter(module__course=course), group_by="module__course"
        ),
        lessons_done=count_of(
            LessonProgress.objects.filter(user=learner, lesson__module__course=course),
            group_by="lesson__module__course",
        ),
        quiz_count=count_of(Quiz.objects.filter(module__course=course), group_by="module__course"),
        quizzes_passed=count_of(
            Quiz.objects.filter(Exists(passed_by_learner), module__course=course),
            group_by="module__course",
        ),
    )


def team_for(*, user: User) -> QuerySet[User]:
    """The people whose training ``user`` oversees: direct reports, everyone for an admin.
    A rep has no team: 404."""
    if not (is_admin(user) or user.is_manager):
        raise Http404("No team.")
    return team_of(manager=user)


@dataclass(frozen=True)
class MemberTraining:
    person: User
    courses: list[CourseProgress]


def team_training_for(*, user: User) -> list[MemberTraining]:
    """Each person in ``user``'s team with their enrolments and progress; 404 for a rep.
    Two queries for the table, however many people and courses."""
    enrolments = _with_step_counts(enrolment_list_for(user=user))
    people = team_for(user=user).prefetch_related(
        Prefetch("enrolments", queryset=enrolments, to_attr="training")
    )
    return [
        MemberTraining(
            person=person,
            courses=[
                CourseProgress.of_annotated(cast("WithAnnotations[Enrolment, StepCounts]", row))
                for row in person.training
            ],
        )
        for person in people
    ]


@dataclass(frozen=True)
class OutOfAttempts:
    """Someone in the team who used every attempt at a quiz without passing."""

    person: User
    quiz: Quiz
    used: int
    # Their request for more, when they asked.
    request: ExtraAttemptRequest | None


def out_of_attempts_for(*, user: User) -> list[OutOfAttempts]:
    """The people in ``user``'s team stuck at a quiz of a published course (every attempt used,
    grants included, none passed), most recent attempt first; 404 for a rep. Three queries."""
    team = team_for(user=user)
    tallies = (
        QuizAttempt.objects.submitted()
        .filter(user__in=team, quiz__module__course__status=Course.Status.PUBLISHED)
        .order_by()
        .values("user_id", "quiz_id")
        .annotate(
            used=Count("pk"),
            passes=Count("pk", filter=Q(passed=True)),
            granted=granted_attempts(user=OuterRef("user_id"), quiz=OuterRef("quiz_id")),
            allowed=F("quiz__max_attempts"),
            last=Max("submitted_at"),
        )
        .filter(passes=0)
    )
    stuck = [
        row
        for row in tallies
        if attempts_left_of(max_attempts=row["allowed"], granted=row["granted"], used=row["used"])
        == 0
    ]
    if not stuck:
        return []
    people = team.in_bulk([row["user_id"] for row in stuck])
    quizzes = Quiz.objects.select_related("module__course").in_bulk(
        [row["quiz_id"] for row in stuck]
    )
    requests = {
        (request.user_id, request.quiz_id): request
        for request in ExtraAttemptRequest.objects.filter(user_id__in=people, grant__isnull=True)
    }
    stuck.sort(key=lambda row: row["last"], reverse=True)
    return [
        OutOfAttempts(
            person=people[row["user_id"]],
            quiz=quizzes[row["quiz_id"]],
            used=row["used"],
            request=requests.get((row["user_id"], row["quiz_id"])),
        )
        for row in stuck
    ]
