"""Input and output shapes of the coaching API, one pair per operation.

Inputs check shape only (types, required keys, enums); the rules (who may, dates in the
future, skills that exist, overlaps) are the services' and come back as 400 or 409 messages.
A session's ``private_notes`` key is present only for those who may read it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coaching.models import (
    CoachingPlan,
    CoachingSession,
    Commitment,
    Observation,
    RescheduleRequest,
)
from coaching.models.sessions import TEXT_MAX
from coaching.sessions.permissions import can_see_private_notes
from coaching.sessions.records import amend_closes_at
from config.api import IdField, StrictInputSerializer
from config.dates import date_in_range
from lms.api.serializers import ErrorSerializer as ErrorSerializer
from lms.api.serializers import SkillSerializer
from lms.models import Skill

FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(9998, 12, 31)
# Texts are as long as the pages' forms allow; a session records at most this many ratings
# and commitments at once.
MAX_ITEMS = 50


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 instant that says its offset: a bare wall-clock time is ambiguous."""

    default_validators = [date_in_range]

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        if timezone.is_naive(value):
            raise serializers.ValidationError(
                "Give the time with its offset, such as 2026-03-10T09:00:00+00:00."
            )
        return super().enforce_timezone(value)


# --- plans ---------------------------------------------------------------------------------------


class PlanSerializer(serializers.ModelSerializer):
    focus_skills = SkillSerializer(many=True, read_only=True)

    class Meta:
        model = CoachingPlan
        fields = ["id", "rep", "coach", "status", "focus_skills", "goals", "created_at"]
        read_only_fields = fields


# --- sessions ------------------------------------------------------------------------------------


class SessionSerializer(serializers.ModelSerializer):
    agenda = serializers.DictField(
        read_only=True,
        help_text=(
            "Built from the module's coaching guide and the rep's missed questions: module, "
            "score, skills, questions_to_ask, behaviours_to_observe, practice_task, "
            "missed_questions, missed_skills, commitments; a note for sessions booked by hand, "
            "a reason for sessions about a fading skill."
        ),
    )
    late = serializers.BooleanField(
        read_only=True, help_text="No slot fitted the follow-up window; booked after it."
    )
    # Not read-only so that the schema does not promise it: the key is left out for callers
    # who may not read it.
    private_notes = serializers.CharField(
        required=False, help_text="Present only for the session's coach and admins."
    )

    class Meta:
        model = CoachingSession
        fields = [
            "id",
            "rep",
            "coach",
            "scheduled_for",
            "status",
            "source",
            "module",
            "agenda",
            "late",
            "duration_minutes",
            "focus_skill",
            "plan",
            "reflection",
            "shared_notes",
            "private_notes",
            "held_at",
            "cancel_reason",
        ]
        read_only_fields = [name for name in fields if name != "private_notes"]

    def to_representation(self, session: CoachingSession) -> dict[str, Any]:
        data = super().to_representation(session)
        if not can_see_private_notes(self.context["request"].user, session):
            del data["private_notes"]
        return data


class ObservationSerializer(serializers.ModelSerializer):
    skill_name = serializers.CharField(source="skill.name", read_only=True)
    anchor = serializers.CharField(read_only=True, help_text="The rubric's words for the rating.")

    class Meta:
        model = Observation
        fields = [
            "id",
            "skill",
            "skill_name",
            "rating",
            "anchor",
            "evidence",
            "source",
            "observer",
            "observed_at",
        ]
        read_only_fields = fields


class CommitmentSerializer(serializers.ModelSerializer):
    skill_name = serializers.CharField(source="skill.name", read_only=True, allow_null=True)
    kept_undo_until = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="While kept: until when the rep may set it open again; otherwise null.",
    )

    class Meta:
        model = Commitment
        fields = [
            "id",
            "rep",
            "session",
            "text",
            "skill",
            "skill_name",
            "due_date",
            "status",
            "note",
            "resolved_at",
            "kept_undo_until",
            "created_at",
        ]
        read_only_fields = fields


class RescheduleRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = RescheduleRequest
        fields = [
            "id",
            "status",
            "reason",
            "proposed_for",
            "answer",
            "requested_by",
            "resolved_by",
            "created_at",
            "resolved_at",
        ]
        read_only_fields = fields


class SessionDetailSerializer(SessionSerializer):
    observations = ObservationSerializer(many=True, read_only=True)
    commitments = CommitmentSerializer(many=True, read_only=True)
    amendable_until = serializers.SerializerMethodField(
        help_text="Until when the coach may amend the record of a held session; null otherwise."
    )
    reschedule_request = serializers.SerializerMethodField(
        help_text="The latest request to reschedule and what became of it; null if none."
    )

    class Meta(SessionSerializer.Meta):
        fields = [
            *SessionSerializer.Meta.fields,
            "observations",
            "commitments",
            "amendable_until",
            "reschedule_request",
        ]
        read_only_fields = [
            *SessionSerializer.Meta.read_only_fields,
            "observations",
            "commitments",
            "amendable_until",
            "reschedule_request",
        ]

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_amendable_until(self, session: CoachingSession) -> str | None:
        closes = amend_closes_at(session)
        return serializers.DateTimeField().to_representation(closes) if closes else None

    @extend_schema_field(RescheduleRequestSerializer(allow_null=True))
    def get_reschedule_request(self, session: CoachingSession) -> dict[str, Any] | None:
        # Prefetched newest first by ``session_for``.
        latest = next(iter(session.reschedule_requests.all()), None)
        return RescheduleRequestSerializer(latest).data if latest is not None else None


class SessionFilterSerializer(serializers.Serializer):
    """Query parameters of the session list."""

    status = serializers.ChoiceField(choices=CoachingSession.Status.choices, required=False)
    rep = IdField(required=False, help_text="Only this rep's sessions.")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "from" is a Python keyword, so these two cannot be declared as attributes.
        fields["from"] = serializers.DateField(
            required=False, help_text="Sessions on or after this day, in the caller's time zone."
        )
        fields["to"] = serializers.DateField(
            required=False, help_text="Sessions on or before this day, in the caller's time zone."
        )
        return fields

    def validate(self, data: dict) -> dict:
        for name in ("from", "to"):
            # Days at the ends of the calendar overflow once turned into instants.
            if name in data and not FIRST_DAY <= data[name] <= LAST_DAY:
                raise serializers.ValidationError(
                    {name: f"Give a day from {FIRST_DAY} to {LAST_DAY}."}
                )
        if data.get("from") and data.get("to") and data["from"] > data["to"]:
            raise serializers.ValidationError("from must be on or before to.")
        return data


OUTSIDE_HOURS_HELP = (
    "True to book on purpose outside the working hours of coach or rep, or during their time "
    "off; without it such a time is refused with a 400 that says which."
)


class SessionBookInputSerializer(StrictInputSerializer):
    rep = IdField(help_text="A direct report of the caller (anyone, for admins).")
    scheduled_for = AwareDateTimeField(help_text="In the future, with its offset.")
    outside_hours_confirmed = serializers.BooleanField(
        required=False, default=False, help_text=OUTSIDE_HOURS_HELP
    )
    duration_minutes = serializers.IntegerField(required=False, allow_null=True)
    focus_skill = serializers.PrimaryKeyRelatedField(
        queryset=Skill.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        error_messages={"does_not_exist": "No such skill."},
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX)


class ObservationInputSerializer(StrictInputSerializer):
    skill = IdField()
    rating = serializers.IntegerField(min_value=1, max_value=5)
    evidence = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_MAX
    )
    source = serializers.ChoiceField(
        choices=Observation.Source.choices, required=False, default=Observation.Source.SESSION
    )


class CommitmentInputSerializer(StrictInputSerializer):
    text = serializers.CharField(max_length=TEXT_MAX)
    skill = IdField(required=False, allow_null=True)
    due_date = serializers.DateField(
        help_text="Today or later, in the rep's time zone; at most two years ahead.",
        validators=[date_in_range],
    )


class SessionHoldInputSerializer(StrictInputSerializer):
    notes = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=TEXT_MAX,
        help_text="Shared with the rep.",
    )
    private_notes = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=TEXT_MAX,
        help_text="The coach's and admins' only.",
    )
    observations = ObservationInputSerializer(
        many=True, required=False, default=list, max_length=MAX_ITEMS
    )
    commitments = CommitmentInputSerializer(
        many=True, required=False, default=list, max_length=MAX_ITEMS
    )


class CommitmentAmendInputSerializer(CommitmentInputSerializer):
    id = IdField(
        required=False,
        allow_null=True,
        help_text="A commitment made at this session, to change in place; leave out for a new one.",
    )


class SessionAmendInputSerializer(SessionHoldInputSerializer):
    """The whole record as it should now stand: ratings and commitments left out are withdrawn."""

    commitments = CommitmentAmendInputSerializer(
        many=True, required=False, default=list, max_length=MAX_ITEMS
    )


class SessionRescheduleInputSerializer(StrictInputSerializer):
    scheduled_for = AwareDateTimeField(help_text="In the future, with its offset.")
    outside_hours_confirmed = serializers.BooleanField(
        required=False, default=False, help_text=OUTSIDE_HOURS_HELP
    )


class SessionCancelInputSerializer(StrictInputSerializer):
    reason = serializers.CharField(
        max_length=TEXT_MAX, help_text="Why; the other people on the session are told it."
    )


class RescheduleRequestInputSerializer(StrictInputSerializer):
    reason = serializers.CharField(
        max_length=TEXT_MAX, help_text="Why the rep needs another time; the coach reads it."
    )
    proposed_for = AwareDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A time free for both (GET .../slots/), which the coach can take in one step.",
    )


class RescheduleResolveInputSerializer(StrictInputSerializer):
    decision = serializers.ChoiceField(
        choices=[("keep", "Keep the time"), ("move", "Move the session")],
        help_text="keep: the time stays; move: the session moves to scheduled_for.",
    )
    answer = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=TEXT_MAX,
        help_text="With keep: a word to the rep.",
    )
    scheduled_for = AwareDateTimeField(
        required=False, help_text="With move: the new time, in the future, with its offset."
    )
    outside_hours_confirmed = serializers.BooleanField(
        required=False, default=False, help_text=OUTSIDE_HOURS_HELP
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["decision"] == "move" and "scheduled_for" not in data:
            raise serializers.ValidationError({"scheduled_for": "Give the new time to move to."})
        return data


class SessionReflectionInputSerializer(StrictInputSerializer):
    reflection = serializers.CharField(allow_blank=True, max_length=TEXT_MAX)


# --- commitments ---------------------------------------------------------------------------------


class CommitmentFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Commitment.Status.choices, required=False)


class CommitmentUpdateInputSerializer(StrictInputSerializer):
    status = serializers.ChoiceField(
        choices=Commitment.Status.choices,
        help_text=(
            "The rep sets kept, or open within a day of marking it kept; the coach sets kept, "
            "missed or open."
        ),
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=TEXT_MAX,
        help_text="The rep's note on how it went.",
    )
