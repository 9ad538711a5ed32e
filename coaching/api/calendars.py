"""``GET /api/v1/me/busy/``: when the caller's own calendar says they are busy, merged.

A manager reads a current report's with ``?user=<id>`` (404 for anyone else, a former report
included), as the booking does; nobody reads another person's calendar address, credentials or
event titles, and the API gives no titles at all: bare intervals, overlaps joined.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import report_for
from coaching.sessions.calendars.selectors import busy_merged, calendar_state
from config.api import ErrorSerializer, IdField
from config.dates import date_in_range

DEFAULT_SPAN = dt.timedelta(days=7)
MAX_SPAN = dt.timedelta(days=92)


class BusyQuerySerializer(serializers.Serializer):
    start = serializers.DateTimeField(required=False, validators=[date_in_range])
    end = serializers.DateTimeField(required=False, validators=[date_in_range])
    user = IdField(required=False)

    def validate(self, attrs):
        start = attrs.get("start") or timezone.now()
        end = attrs.get("end") or start + DEFAULT_SPAN
        if end <= start:
            raise serializers.ValidationError({"end": "The end must come after the start."})
        if end - start > MAX_SPAN:
            raise serializers.ValidationError({"end": "Ask for at most 92 days at a time."})
        return {**attrs, "start": start, "end": end}


class BusyIntervalSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class CalendarStateSerializer(serializers.Serializer):
    set = serializers.BooleanField(help_text="Whether a calendar is set; its address never shows.")
    kind = serializers.CharField(help_text="ics or caldav; empty when none is set.")
    last_read_at = serializers.DateTimeField(allow_null=True)
    last_ok_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(help_text="Why the last read failed, in words; or empty.")


class BusyOutputSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    busy = BusyIntervalSerializer(many=True)
    calendar = CalendarStateSerializer(
        allow_null=True, help_text="The caller's own calendar's last read; null for someone else's."
    )


class BusyApi(APIView):
    @extend_schema(
        operation_id="me_busy",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, description="Default: now."),
            OpenApiParameter(
                "end",
                OpenApiTypes.DATETIME,
                description="Default: start + 7 days; at most 92 days after start.",
            ),
            OpenApiParameter(
                "user", OpenApiTypes.INT, description="A manager's current report (404 otherwise)."
            ),
        ],
        responses={200: BusyOutputSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        """The busy intervals stored from a calendar within [start, end), merged and clipped:
        the caller's own, or a current report's. No event titles."""
        query = BusyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["start"], query.validated_data["end"]
        person = request.user
        if "user" in query.validated_data and query.validated_data["user"] != request.user.pk:
            person = report_for(user=request.user, person_id=query.validated_data["user"])
        busy = busy_merged(user=person, start=start, end=end)
        output = {
            "user": person.pk,
            "start": start,
            "end": end,
            "busy": [{"start": s, "end": e} for s, e in busy],
            "calendar": calendar_state(person) if person.pk == request.user.pk else None,
        }
        return Response(BusyOutputSerializer(output).data)
