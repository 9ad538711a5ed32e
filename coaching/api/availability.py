"""Availability API (DESIGN §7, §11): the caller's own working week, time off and calendar,
and the next free slots of a session's two people.

``GET,PATCH /api/v1/me/availability/``: PATCH changes only the fields sent; ``time_off``
replaces the whole list of current time off (send the list as GET gave it, changed);
``calendar_url`` is write-only (a URL sets the calendar and reads it soon, "" forgets it),
and reads show only ``calendar: {set, kind, last_read_at, last_ok_at, last_error}``.
``GET /api/v1/coaching/sessions/{id}/slots/``: for the session's coach or rep (an admin too),
404 for anyone else.
"""

from __future__ import annotations

import dataclasses

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.availability import (
    MAX_TIME_OFF,
    Availability,
    Away,
    availability_of,
    availability_set,
)
from accounts.models import User
from coaching.api.calendars import CalendarStateSerializer
from coaching.api.serializers import ErrorSerializer
from coaching.sessions.budget import budget_hours_of
from coaching.sessions.calendars.selectors import calendar_state
from coaching.sessions.calendars.services import calendar_clear, calendar_set
from coaching.sessions.permissions import can_see_free_slots
from coaching.sessions.selectors import session_for
from coaching.sessions.slots import session_free_times
from config.api import StrictInputSerializer
from config.dates import date_in_range

HHMM = "%H:%M"


def _clock(value) -> str:
    minutes = int(value.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class TimeOffSerializer(StrictInputSerializer):
    start = serializers.DateField(help_text="First day away, in the person's time zone.")
    end = serializers.DateField(
        validators=[date_in_range], help_text="Last day away, inclusive; at most two years ahead."
    )
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError("Time off must end on or after its first day.")
        return attrs


class AvailabilitySerializer(serializers.Serializer):
    timezone = serializers.CharField()
    working_days = serializers.ListField(
        child=serializers.IntegerField(), help_text="0 = Monday to 6 = Sunday."
    )
    day_start = serializers.CharField(help_text="HH:MM, local time.")
    day_end = serializers.CharField(help_text="HH:MM, local time.")
    uses_default_hours = serializers.BooleanField(
        help_text="True while the person has set no hours of their own."
    )
    time_off = TimeOffSerializer(many=True, help_text="Current and coming time off.")
    calendar = CalendarStateSerializer()
    coaching_budget_hours = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        allow_null=True,
        coerce_to_string=False,
        help_text="A manager's own weekly coaching budget in hours; null: the organisation's "
        "default (always null for anyone who is not a manager).",
    )
    coaching_budget_effective_hours = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        allow_null=True,
        coerce_to_string=False,
        help_text="The weekly coaching budget that applies: the manager's own, else the "
        "default; null for anyone who is not a manager.",
    )


class AvailabilityInputSerializer(StrictInputSerializer):
    timezone = serializers.CharField(required=False, max_length=64, help_text="IANA name.")
    working_days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        max_length=7,
        help_text="At least one, 0 = Monday to 6 = Sunday.",
    )
    day_start = serializers.TimeField(
        required=False, allow_null=True, input_formats=[HHMM], help_text="HH:MM; null: default."
    )
    day_end = serializers.TimeField(
        required=False, allow_null=True, input_formats=[HHMM], help_text="HH:MM; null: default."
    )
    calendar_url = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        write_only=True,
        help_text='An iCalendar (.ics) subscription address to read busy times from; "" forgets '
        "the calendar. Never shown again.",
    )
    time_off = TimeOffSerializer(
        many=True,
        required=False,
        max_length=MAX_TIME_OFF,
        help_text="Replaces every current period of time off.",
    )
    coaching_budget_hours = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        required=False,
        allow_null=True,
        help_text="Managers only: weekly coaching hours, 0.5 to 40; null goes back to the "
        "organisation's default. Sent by anyone else, 400.",
    )


def _availability_data(user: User, availability: Availability) -> dict:
    return {
        "timezone": user.timezone,
        "working_days": sorted(availability.workdays),
        "day_start": _clock(availability.day_start),
        "day_end": _clock(availability.day_end),
        "uses_default_hours": user.day_start is None and user.day_end is None,
        "time_off": [
            {"start": away.start, "end": away.end, "note": away.note}
            for away in availability.time_off
        ],
        "calendar": calendar_state(user),
        "coaching_budget_hours": user.coaching_budget_hours if user.is_manager else None,
        "coaching_budget_effective_hours": budget_hours_of(user) if user.is_manager else None,
    }


def _current(user: User) -> Availability:
    """Time off that has not ended by the person's own today."""
    availability = availability_of([user])[user.pk]
    today = timezone.localdate(timezone=user.tzinfo)
    current = tuple(away for away in availability.time_off if away.end >= today)
    return dataclasses.replace(availability, time_off=current)


class MyAvailabilityApi(APIView):
    @extend_schema(
        operation_id="me_availability",
        responses={200: AvailabilitySerializer},
        description=(
            "The caller's own time zone, working days (0 = Monday) and hours (the organisation's "
            "default when none are set), time off that has not ended, and how their calendar's "
            "last read went; never the calendar's address."
        ),
    )
    def get(self, request: Request) -> Response:
        user = request.user
        return Response(AvailabilitySerializer(_availability_data(user, _current(user))).data)

    @extend_schema(
        operation_id="me_availability_update",
        request=AvailabilityInputSerializer,
        responses={200: AvailabilitySerializer, 400: ErrorSerializer},
        description=(
            "Change the fields sent, all or nothing. time_off replaces the whole list of "
            "current time off; calendar_url sets the calendar to read busy times from (read "
            'within seconds) and "" forgets it. 400 with a message for no working day, a day '
            "that ends before it starts or is shorter than a session, an unknown time zone, time "
            "off that ends before it starts, is over or is more than two years ahead, a "
            "calendar address that is refused, or a coaching budget sent by someone who is not "
            "a manager or outside 0.5-40 hours."
        ),
    )
    def patch(self, request: Request) -> Response:
        payload = AvailabilityInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        changes = {}
        if "timezone" in data:
            changes["tz_name"] = data["timezone"]
        for name in ("working_days", "day_start", "day_end", "coaching_budget_hours"):
            if name in data:
                changes[name] = data[name]
        if "time_off" in data:
            changes["time_off"] = [
                Away(start=row["start"], end=row["end"], note=row["note"])
                for row in data["time_off"]
            ]
        user = request.user
        with transaction.atomic():
            availability_set(user=user, **changes)
            if "calendar_url" in data:
                if data["calendar_url"].strip():
                    calendar_set(user=user, url=data["calendar_url"].strip())
                else:
                    calendar_clear(user=user)
        user.refresh_from_db()
        return Response(AvailabilitySerializer(_availability_data(user, _current(user))).data)


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class SessionSlotsSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    slots = SlotSerializer(many=True)


class SessionSlotsApi(APIView):
    @extend_schema(
        operation_id="coaching_sessions_slots",
        responses={200: SessionSlotsSerializer, 404: ErrorSerializer},
        description=(
            "The next free times (up to five, at most two a day) for this session's coach and "
            "rep: inside both people's working hours, off their time off, clear of their "
            "sessions and calendars' busy times, from the lead time on. Empty for a session "
            "that is not scheduled. For the session's coach or rep, and admins; 404 otherwise."
        ),
    )
    def get(self, request: Request, session_id: int) -> Response:
        session = session_for(user=request.user, session_id=session_id)
        if not can_see_free_slots(request.user, session):
            raise Http404("No such session.")
        slots = session_free_times(session=session)
        data = {"session": session.pk, "slots": [{"start": s.start, "end": s.end} for s in slots]}
        return Response(SessionSlotsSerializer(data).data)
