"""Coaching API (DESIGN §7): parse, authorise through a selector, call a service, render.

What the caller may not see answers 404 (the ``*_for`` selectors); what they may see but not
do answers 403 with a message; the services' refusals answer 400 or 409 with theirs.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import people_visible_to
from coaching.api.serializers import (
    CommitmentFilterSerializer,
    CommitmentSerializer,
    CommitmentUpdateInputSerializer,
    ErrorSerializer,
    PlanSerializer,
    SessionAmendInputSerializer,
    SessionBookInputSerializer,
    SessionCancelInputSerializer,
    SessionDetailSerializer,
    SessionFilterSerializer,
    SessionHoldInputSerializer,
    SessionReflectionInputSerializer,
    SessionRescheduleInputSerializer,
    SessionSerializer,
)
from coaching.models import CoachingPlan, CoachingSession, Commitment
from coaching.sessions.commitments import (
    commitment_mark_kept,
    commitment_review,
    commitment_undo_kept,
)
from coaching.sessions.permissions import (
    can_amend_record,
    can_change_session,
    can_hold_session,
    can_mark_commitment_kept,
    can_reflect_on_session,
    can_review_commitment,
)
from coaching.sessions.records import session_amend, session_hold
from coaching.sessions.selectors import (
    commitment_for,
    commitments_visible_to,
    plans_visible_to,
    session_for,
    sessions_visible_to,
)
from coaching.sessions.services import (
    session_book_manual,
    session_cancel,
    session_reflect,
    session_reschedule,
)
from config.errors import DomainError

NOT_FOUND = {404: ErrorSerializer}
REFUSED = {400: ErrorSerializer}
FORBIDDEN = {403: ErrorSerializer}
CONFLICT = {409: ErrorSerializer}
# What a change to a session or a commitment may answer besides its success.
CHANGE_ERRORS = {**REFUSED, **FORBIDDEN, **NOT_FOUND, **CONFLICT}


def _schema_generation(view) -> bool:
    return getattr(view, "swagger_fake_view", False)


def session_detail_response(
    request: Request, session_id: int, code: int = status.HTTP_200_OK
) -> Response:
    """The answer to a session change: the session re-read as the caller may see it."""
    session = session_for(user=request.user, session_id=session_id)
    return Response(SessionDetailSerializer(session, context={"request": request}).data, code)


# --- plans ---------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(operation_id="coaching_plans_list"))
class PlanListApi(generics.ListAPIView):
    """Coaching plans the caller may see: their own, their team's, or everyone's."""

    serializer_class = PlanSerializer

    def get_queryset(self) -> QuerySet[CoachingPlan]:
        if _schema_generation(self):
            return CoachingPlan.objects.none()
        return plans_visible_to(user=self.request.user).order_by("-created_at", "-pk")


# --- sessions ------------------------------------------------------------------------------------


class SessionListCreateApi(generics.ListAPIView):
    """Sessions the caller may see, soonest first; managers and admins book by hand."""

    serializer_class = SessionSerializer

    def get_queryset(self) -> QuerySet[CoachingSession]:
        if _schema_generation(self):
            return CoachingSession.objects.none()
        user = self.request.user
        params = SessionFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        sessions = sessions_visible_to(user=user).order_by("scheduled_for", "pk")
        wanted = params.validated_data
        if "status" in wanted:
            sessions = sessions.filter(status=wanted["status"])
        if "rep" in wanted:
            sessions = sessions.filter(rep_id=wanted["rep"])
        if "from" in wanted:
            start = dt.datetime.combine(wanted["from"], dt.time(), tzinfo=user.tzinfo)
            sessions = sessions.filter(scheduled_for__gte=start)
        if "to" in wanted:
            end = dt.datetime.combine(
                wanted["to"] + dt.timedelta(days=1), dt.time(), tzinfo=user.tzinfo
            )
            sessions = sessions.filter(scheduled_for__lt=end)
        return sessions

    @extend_schema(
        operation_id="coaching_sessions_list",
        parameters=[SessionFilterSerializer],
        responses={200: SessionSerializer(many=True), **REFUSED},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="coaching_sessions_create",
        request=SessionBookInputSerializer,
        responses={201: SessionDetailSerializer, **REFUSED},
        description=(
            "A manager books a session with a direct report (an admin with anyone). The time "
            "must be in the future and free for both (an overlap is a 400 naming it), and inside "
            "both people's working hours and outside their time off unless "
            "outside_hours_confirmed is true; reminders are "
            "written as for a follow-up, and the rep (not the coach) is told of the booking."
        ),
    )
    def post(self, request: Request) -> Response:
        payload = SessionBookInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        # Someone out of sight gets the same answer as someone out of the team.
        rep = people_visible_to(user=request.user).filter(pk=data["rep"]).first()
        if rep is None:
            raise DomainError("You can book sessions only with people who report to you.")
        session = session_book_manual(
            coach=request.user,
            rep=rep,
            scheduled_for=data["scheduled_for"],
            duration_minutes=data.get("duration_minutes"),
            focus_skill=data["focus_skill"],
            note=data["note"],
            outside_hours_confirmed=data["outside_hours_confirmed"],
        )
        return session_detail_response(request, session.pk, status.HTTP_201_CREATED)


class SessionDetailApi(APIView):
    @extend_schema(
        operation_id="coaching_sessions_retrieve",
        responses={200: SessionDetailSerializer, **NOT_FOUND},
        description="With its observations and commitments; private notes only for its coach "
        "and admins.",
    )
    def get(self, request: Request, session_id: int) -> Response:
        return session_detail_response(request, session_id)


class SessionHoldApi(APIView):
    @extend_schema(
        operation_id="coaching_sessions_hold",
        request=SessionHoldInputSerializer,
        responses={200: SessionDetailSerializer, **CHANGE_ERRORS},
        description=(
            "The coach (or an admin) records the session as held, with ratings (1-5) and "
            "commitments (due today or later). Nothing is written unless all of it is valid. "
            "A record needs at least one rating or a note of COACHING_HOLD_MIN_NOTE_CHARS "
            "characters (400 otherwise). A session that has not started (recording opens "
            "COACHING_HOLD_EARLY_MINUTES before its start), a second hold, or holding a "
            "cancelled session, is a 409."
        ),
    )
    def post(self, request: Request, session_id: int) -> Response:
        session = session_for(user=request.user, session_id=session_id)
        if not can_hold_session(request.user, session):
            raise PermissionDenied("Only the session's coach or an admin can record it as held.")
        payload = SessionHoldInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        session_hold(actor=request.user, session=session, **payload.validated_data)
        return session_detail_response(request, session_id)


class SessionAmendApi(APIView):
    @extend_schema(
        operation_id="coaching_sessions_amend",
        request=SessionAmendInputSerializer,
        responses={200: SessionDetailSerializer, **CHANGE_ERRORS},
        description=(
            "The coach (or an admin) corrects a held session's record until amendable_until "
            "(COACHING_AMEND_HOURS after holding): the record becomes exactly what is sent. A "
            "commitment with the id of one made at this session changes in place; one left out "
            "is withdrawn. The same rules as holding (400); a session not held, or a record "
            "past its window, is a 409."
        ),
    )
    def post(self, request: Request, session_id: int) -> Response:
        session = session_for(user=request.user, session_id=session_id)
        if not can_amend_record(request.user, session):
            raise PermissionDenied("Only the session's coach or an admin can change its record.")
        payload = SessionAmendInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        session_amend(actor=request.user, session=session, **payload.validated_data)
        return session_detail_response(request, session_id)


class SessionRescheduleApi(APIView):
    @extend_schema(
        operation_id="coaching_sessions_reschedule",
        request=SessionRescheduleInputSerializer,
        responses={200: SessionDetailSerializer, **CHANGE_ERRORS},
        description=(
            "The coach (or the rep's manager, or an admin) moves a scheduled session; its "
            "pending reminders move with it and the others on it are told. The booking rules "
            "apply as when booking by hand. A rep's open request to reschedule is answered by "
            "the move. A rep asks instead (reschedule-request/): 403."
        ),
    )
    def post(self, request: Request, session_id: int) -> Response:
        session = session_for(user=request.user, session_id=session_id)
        if not can_change_session(request.user, session):
            raise PermissionDenied(
                "Only the coach or an admin moves this session; ask to reschedule instead."
            )
        payload = SessionRescheduleInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        session_reschedule(
            actor=request.user,
            session=session,
            scheduled_for=payload.validated_data["scheduled_for"],
            outside_hours_confirmed=payload.validated_data["outside_hours_confirmed"],
        )
        return session_detail_response(request, session_id)


class SessionCancelApi(APIView):
    @extend_schema(
        operation_id="coaching_sessions_cancel",
        request=SessionCancelInputSerializer,
        responses={200: SessionDetailSerializer, **CHANGE_ERRORS},
        description=(
            "The coach (or the rep's manager, or an admin) cancels a scheduled session, with a "
            "reason (required: 400 without one); its outstanding reminders are cancelled and "
            "the others on it are told, with the reason. A rep asks to reschedule instead: 403."
        ),
    )
    def post(self, request: Request, session_id: int) -> Response:
        session = session_for(user=request.user, session_id=session_id)
        if not can_change_session(request.user, session):
            raise PermissionDenied("Only the coach or an admin cancels this session.")
        payload = SessionCancelInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        session_cancel(actor=request.user, session=session, reason=payload.validated_data["reason"])
        return session_detail_response(request, session_id)


class SessionReflectionApi(APIView):
    @extend_schema(
        operation_id="coaching_sessions_reflection",
        request=SessionReflectionInputSerializer,
        responses={200: SessionDetailSerializer, **FORBIDDEN, **NOT_FOUND, **CONFLICT},
        description="The rep writes (or rewrites) their preparation before the session.",
    )
    def post(self, request: Request, session_id: int) -> Response:
        session = session_for(user=request.user, session_id=session_id)
        if not can_reflect_on_session(request.user, session):
            raise PermissionDenied("Only the rep writes their reflection.")
        payload = SessionReflectionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        session_reflect(
            rep=request.user, session=session, reflection=payload.validated_data["reflection"]
        )
        return session_detail_response(request, session_id)


# --- commitments ---------------------------------------------------------------------------------


class CommitmentListApi(generics.ListAPIView):
    """Commitments the caller may see, soonest due first."""

    serializer_class = CommitmentSerializer

    def get_queryset(self) -> QuerySet[Commitment]:
        if _schema_generation(self):
            return Commitment.objects.none()
        params = CommitmentFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        commitments = commitments_visible_to(user=self.request.user).order_by("due_date", "pk")
        if "status" in params.validated_data:
            commitments = commitments.filter(status=params.validated_data["status"])
        return commitments

    @extend_schema(
        operation_id="coaching_commitments_list",
        parameters=[CommitmentFilterSerializer],
        responses={200: CommitmentSerializer(many=True), **REFUSED},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class CommitmentDetailApi(APIView):
    @extend_schema(
        operation_id="coaching_commitments_retrieve",
        responses={200: CommitmentSerializer, **NOT_FOUND},
    )
    def get(self, request: Request, commitment_id: int) -> Response:
        commitment = commitment_for(user=request.user, commitment_id=commitment_id)
        return Response(CommitmentSerializer(commitment).data)

    @extend_schema(
        operation_id="coaching_commitments_update",
        request=CommitmentUpdateInputSerializer,
        responses={200: CommitmentSerializer, **CHANGE_ERRORS},
        description=(
            "The rep marks their commitment kept, with an optional note (a second time is a "
            "409), and may set it open again within a day of that (later: 409). The coach, the "
            "rep's manager or an admin reviews it: kept, missed or open."
        ),
    )
    def patch(self, request: Request, commitment_id: int) -> Response:
        user = request.user
        commitment = commitment_for(user=user, commitment_id=commitment_id)
        payload = CommitmentUpdateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        wanted = payload.validated_data["status"]
        if can_mark_commitment_kept(user, commitment):
            if wanted == Commitment.Status.OPEN:
                commitment_undo_kept(actor=user, commitment=commitment)
            elif wanted != Commitment.Status.KEPT:
                raise PermissionDenied(
                    "You can mark your commitment kept, or undo that within a day; "
                    "your coach reviews the rest."
                )
            else:
                commitment_mark_kept(
                    rep=user, commitment=commitment, note=payload.validated_data["note"]
                )
        elif can_review_commitment(user, commitment):
            commitment_review(actor=user, commitment=commitment, status=wanted)
        else:
            raise PermissionDenied("Only the rep's coach or an admin can review this commitment.")
        commitment = commitment_for(user=user, commitment_id=commitment_id)
        return Response(CommitmentSerializer(commitment).data)
