"""Training API (DESIGN §7): parse, authorise through a selector, call a service, render.

Every write spends the caller's ``write`` budget through the default throttle
(``config.throttle.ApiWriteThrottle``); reads are never throttled.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import is_admin
from accounts.selectors import people_visible_to, report_for
from config.errors import DomainError
from lms.api.serializers import (
    AttemptResultSerializer,
    AttemptSerializer,
    AttemptSubmitInputSerializer,
    CompletionSerializer,
    CourseDetailSerializer,
    CourseListItemSerializer,
    EnrolmentCreateInputSerializer,
    EnrolmentSerializer,
    ErrorSerializer,
    ExtraAttemptGrantSerializer,
    ExtraAttemptsInputSerializer,
    GradedAttemptSerializer,
    LessonCompletionSerializer,
)
from lms.models import Course, Enrolment, ModuleCompletion
from lms.selectors.access import attempt_for, lesson_to_complete_for, quiz_for
from lms.selectors.courses import CourseListItem, course_detail_for, course_list_for
from lms.selectors.learning import completion_list_for, enrolment_list_for
from lms.selectors.quizzes import attempt_sheet, attempt_tally
from lms.services import (
    attempt_start,
    attempt_submit,
    enrolment_assign,
    enrolment_self,
    extra_attempts_grant,
    lesson_complete,
)
from lms.services.extra_attempts import EXTRA_ATTEMPTS_MAX

NOT_FOUND = {404: ErrorSerializer}
REFUSED = {400: ErrorSerializer}
CONFLICT = {409: ErrorSerializer}


def _schema_generation(view: APIView) -> bool:
    return getattr(view, "swagger_fake_view", False)


# --- courses -----------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(operation_id="courses_list"))
class CourseListApi(generics.ListAPIView):
    """Published courses (admins also see drafts), with the caller's progress through each."""

    serializer_class = CourseListItemSerializer

    def get_queryset(self) -> QuerySet[Course] | list[CourseListItem]:
        if _schema_generation(self):
            return Course.objects.none()
        # A list, not a queryset: the courses come from the cached catalogue.
        return course_list_for(user=self.request.user)


class CourseDetailApi(APIView):
    @extend_schema(
        operation_id="courses_retrieve", responses={200: CourseDetailSerializer, **NOT_FOUND}
    )
    def get(self, request: Request, course_id: int) -> Response:
        course = course_detail_for(user=request.user, course_id=course_id)
        return Response(CourseDetailSerializer(course).data)


# --- enrolments --------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(operation_id="enrolments_list"))
class EnrolmentListCreateApi(generics.ListAPIView):
    """The caller's enrolments (a manager's also their team's, an admin's everyone's)."""

    serializer_class = EnrolmentSerializer

    def get_queryset(self) -> QuerySet[Enrolment]:
        if _schema_generation(self):
            return Enrolment.objects.none()
        return enrolment_list_for(user=self.request.user)

    @extend_schema(
        operation_id="enrolments_create",
        request=EnrolmentCreateInputSerializer,
        responses={201: EnrolmentSerializer, **REFUSED},
        description=(
            "`{course}` enrols the caller. `{course, user, due_date}` assigns the course: a "
            "manager to a direct report, an admin to anyone. Assigning again updates the due date."
        ),
    )
    def post(self, request: Request) -> Response:
        payload = EnrolmentCreateInputSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        course = payload.validated_data["course"]
        person_id = payload.validated_data.get("user", request.user.pk)
        due_date = payload.validated_data.get("due_date")
        if person_id == request.user.pk and due_date is None:
            enrolment = enrolment_self(user=request.user, course=course)
        else:
            # Someone outside the caller's sight gets the same answer as someone outside their
            # team, so the message says nothing about which ids exist.
            person = people_visible_to(user=request.user).filter(pk=person_id).first()
            if person is None:
                raise DomainError("You can assign courses only to people who report to you.")
            enrolment = enrolment_assign(
                actor=request.user, user=person, course=course, due_date=due_date
            )
        enrolment = enrolment_list_for(user=request.user).get(pk=enrolment.pk)
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)


# --- lessons -----------------------------------------------------------------------------------


class LessonCompleteApi(APIView):
    @extend_schema(
        operation_id="lessons_complete",
        request=None,
        responses={200: LessonCompletionSerializer, **NOT_FOUND, **CONFLICT},
        description=(
            "Idempotent: completing a lesson again answers 200 and changes nothing. A lesson of "
            "a course that is not published (a draft, or unpublished or archived since) is a 409."
        ),
    )
    def post(self, request: Request, lesson_id: int) -> Response:
        lesson = lesson_to_complete_for(user=request.user, lesson_id=lesson_id)
        outcome = lesson_complete(user=request.user, lesson=lesson)
        data = {
            "lesson": lesson.pk,
            "completed_at": outcome.progress.completed_at,
            "module_completed": outcome.completion.created,
            "follow_up_session": outcome.completion.follow_up.get("follow_up_session"),
        }
        return Response(LessonCompletionSerializer(data).data)


# --- quiz attempts -----------------------------------------------------------------------------


class AttemptStartApi(APIView):
    @extend_schema(
        operation_id="attempts_start",
        request=None,
        responses={201: AttemptSerializer, **REFUSED, **NOT_FOUND, **CONFLICT},
        description=(
            "Starts an attempt with its questions and choice order frozen, or returns the open "
            "one. No attempts left is a 400; a quiz in a course that is not published a 409."
        ),
    )
    def post(self, request: Request, quiz_id: int) -> Response:
        quiz = quiz_for(user=request.user, quiz_id=quiz_id)
        attempt = attempt_start(user=request.user, quiz=quiz)
        sheet = attempt_sheet(attempt=attempt)
        return Response(AttemptSerializer(sheet).data, status=status.HTTP_201_CREATED)


class AttemptDetailApi(APIView):
    @extend_schema(
        operation_id="attempts_retrieve",
        responses={
            200: PolymorphicProxySerializer(
                component_name="AttemptOrGradedAttempt",
                serializers=[AttemptSerializer, GradedAttemptSerializer],
                resource_type_field_name=None,
            ),
            **NOT_FOUND,
        },
        description=(
            "The caller's own attempt. Open, it shows only questions and choices; submitted, "
            "it adds the score and, per question, the chosen choices, the explanation and, when "
            "the quiz's review policy allows, the right choices (null otherwise)."
        ),
    )
    def get(self, request: Request, attempt_id: int) -> Response:
        attempt = attempt_for(user=request.user, attempt_id=attempt_id)
        sheet = attempt_sheet(attempt=attempt)
        serializer = GradedAttemptSerializer if attempt.is_submitted else AttemptSerializer
        return Response(serializer(sheet).data)


class AttemptSubmitApi(APIView):
    @extend_schema(
        operation_id="attempts_submit",
        request=AttemptSubmitInputSerializer,
        responses={200: AttemptResultSerializer, **REFUSED, **NOT_FOUND, 409: ErrorSerializer},
        description=(
            "Grades the attempt once; a second submit is a 409, and so is an attempt whose "
            "course is not published any more. A question outside the attempt or a choice "
            "outside its question is a 400; unanswered questions count as wrong. The right "
            "choices are given only when the quiz's review policy allows (null otherwise)."
        ),
    )
    def post(self, request: Request, attempt_id: int) -> Response:
        attempt = attempt_for(user=request.user, attempt_id=attempt_id)
        payload = AttemptSubmitInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = attempt_submit(attempt=attempt, answers=payload.validated_data["answers"])
        sheet = attempt_sheet(
            attempt=result.attempt,
            questions=result.questions,
            answers=result.answers,
            tally=result.tally,
        )
        data = {
            "score": result.score,
            "passed": result.passed,
            "module_completed": result.module_completed,
            "follow_up_session": result.follow_up.get("follow_up_session"),
            "correct_choices_shown": sheet.key_shown,
            "results": sheet.items,
        }
        return Response(AttemptResultSerializer(data).data)


class ExtraAttemptsApi(APIView):
    @extend_schema(
        operation_id="quizzes_extra_attempts",
        request=ExtraAttemptsInputSerializer,
        responses={201: ExtraAttemptGrantSerializer, **REFUSED, **NOT_FOUND, **CONFLICT},
        description=(
            "`{user, attempts}`: the person's manager (their current one) or an admin gives "
            "them more attempts at the quiz; they are told. Anyone else, or a person who is "
            "not the caller's direct report, is a 404. `attempts` is from 1 to "
            f"{EXTRA_ATTEMPTS_MAX}, otherwise a 400."
        ),
    )
    def post(self, request: Request, quiz_id: int) -> Response:
        quiz = quiz_for(user=request.user, quiz_id=quiz_id)
        if not (is_admin(request.user) or request.user.is_manager):
            raise Http404("No such quiz.")
        payload = ExtraAttemptsInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        person = report_for(user=request.user, person_id=payload.validated_data["user"])
        grant = extra_attempts_grant(
            actor=request.user,
            user=person,
            quiz=quiz,
            attempts=payload.validated_data["attempts"],
        )
        data = {"grant": grant, "attempts_left": attempt_tally(user=person, quiz=quiz).left}
        return Response(ExtraAttemptGrantSerializer(data).data, status=status.HTTP_201_CREATED)


# --- completions -------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(operation_id="completions_list"))
class CompletionListApi(generics.ListAPIView):
    """Module completions of the people the caller may see."""

    serializer_class = CompletionSerializer

    def get_queryset(self) -> QuerySet[ModuleCompletion]:
        if _schema_generation(self):
            return ModuleCompletion.objects.none()
        return completion_list_for(user=self.request.user)
