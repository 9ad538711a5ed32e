"""Asking to reschedule a session, and answering (DESIGN §7, beside ``reschedule/``).

A rep asks with a reason; the coach (or the rep's manager, or an admin) keeps the time or moves
the session. What the caller may not see is a 404, what they may see but not do a 403, the
services' refusals a 400 or 409 with their message.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coaching.api.serializers import (
    RescheduleRequestInputSerializer,
    RescheduleResolveInputSerializer,
    SessionDetailSerializer,
)
from coaching.api.views import CHANGE_ERRORS, session_detail_response
from coaching.sessions.permissions import can_answer_reschedule_request, can_request_reschedule
from coaching.sessions.reschedule_requests import reschedule_request_create, reschedule_request_keep
from coaching.sessions.selectors import open_reschedule_request, session_for
from coaching.sessions.services import session_reschedule
from config.errors import Conflict


class SessionRescheduleRequestApi(APIView):
    @extend_schema(
        operation_id="coaching_sessions_reschedule_request",
        request=RescheduleRequestInputSerializer,
        responses={201: SessionDetailSerializer, **CHANGE_ERRORS},
        description=(
            "The rep asks their coach to move the session, with a reason (400 without one) and "
            "optionally proposed_for, one of the free times of GET .../slots/ (400 when it has "
            "passed, clashes or is outside either one's working hours). "
            "The coach is told in the app and by email; the session's reschedule_request shows "
            "the request and, later, its outcome. Anyone but the rep: 403. A second request "
            "while one waits, or a session no longer scheduled: 409."
        ),
    )
    def post(self, request: Request, session_id: int) -> Response:
        session = session_for(user=request.user, session_id=session_id)
        if not can_request_reschedule(request.user, session):
            raise PermissionDenied("Only the rep asks their coach to reschedule.")
        payload = RescheduleRequestInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        reschedule_request_create(
            rep=request.user,
            session=session,
            reason=payload.validated_data["reason"],
            proposed_for=payload.validated_data["proposed_for"],
        )
        return session_detail_response(request, session_id, status.HTTP_201_CREATED)


class SessionRescheduleResolveApi(APIView):
    @extend_schema(
        operation_id="coaching_sessions_reschedule_resolve",
        request=RescheduleResolveInputSerializer,
        responses={200: SessionDetailSerializer, **CHANGE_ERRORS},
        description=(
            "The coach (or the rep's manager, or an admin) answers the rep's request: "
            '{"decision": "keep", "answer": "..."} keeps the time; {"decision": "move", '
            '"scheduled_for": ..., "outside_hours_confirmed": false} moves the session by the '
            "rules of reschedule/. Either way the rep is told. The rep: 403. No request "
            "waiting: 409."
        ),
    )
    def post(self, request: Request, session_id: int) -> Response:
        session = session_for(user=request.user, session_id=session_id)
        if not can_answer_reschedule_request(request.user, session):
            raise PermissionDenied("Only the coach or an admin answers a request to reschedule.")
        payload = RescheduleResolveInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if data["decision"] == "keep":
            reschedule_request_keep(actor=request.user, session=session, answer=data["answer"])
        elif open_reschedule_request(session) is None:
            raise Conflict("There is no request to reschedule this session waiting for an answer.")
        else:
            session_reschedule(
                actor=request.user,
                session=session,
                scheduled_for=data["scheduled_for"],
                outside_hours_confirmed=data["outside_hours_confirmed"],
            )
        return session_detail_response(request, session_id)
