"""``GET /api/v1/team/skills/`` (DESIGN §7): the team skill matrix, per rep and skill.

A manager gets their direct reports; an admin everyone, or one manager's team with
``?manager=<id>``; a rep is refused (403). The numbers and rules are docs/skills.md §4.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.permissions import IsManagerOrAdmin
from coaching.insights.cache import team_cached
from coaching.insights.dashboard import dashboard_owner_for
from coaching.insights.matrix import SkillRow, team_skill_matrix_cached
from coaching.skills.rules import Diagnosis, Stage
from lms.api.serializers import ErrorSerializer
from lms.models import Skill


class TeamSkillRepSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name"]
        read_only_fields = fields

    def get_name(self, rep: User) -> str:
        return rep.get_full_name() or rep.username


class TeamSkillSkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "slug", "name"]
        read_only_fields = fields


class RecommendedActionSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="assign_module, reassign_module, coaching_focus or practice_task."
    )
    label = serializers.CharField(help_text="What to do, in words.")
    text = serializers.CharField(help_text="The practice task, for practice_task; else empty.")
    module = serializers.IntegerField(
        source="module_id", allow_null=True, help_text="The module to (re-)take or practise."
    )
    course = serializers.IntegerField(
        source="course_id", allow_null=True, help_text="The course to (re-)assign."
    )


class TeamSkillRowSerializer(serializers.Serializer):
    rep = TeamSkillRepSerializer()
    skill = TeamSkillSkillSerializer()
    knowledge = serializers.IntegerField(
        allow_null=True, help_text="0-100: share of quiz and refresher answers right."
    )
    answers = serializers.IntegerField(help_text="How many answers knowledge rests on.")
    application = serializers.IntegerField(
        allow_null=True, help_text="0-100: coaches' ratings, recent ones weighing more."
    )
    observations = serializers.IntegerField(help_text="How many ratings application rests on.")
    retention = serializers.FloatField(
        allow_null=True, help_text="0-1: forecast probability of recall now."
    )
    next_due_at = serializers.DateTimeField(
        allow_null=True, help_text="When recall falls below the refresher target."
    )
    stage = serializers.ChoiceField(choices=[stage.value for stage in Stage])
    diagnosis = serializers.ChoiceField(choices=[diagnosis.value for diagnosis in Diagnosis])
    diagnosis_label = serializers.CharField()
    recommended_action = RecommendedActionSerializer(source="action", allow_null=True)


@extend_schema_view(
    get=extend_schema(
        operation_id="team_skills_list",
        parameters=[
            OpenApiParameter(
                "manager",
                OpenApiTypes.INT,
                description="Admins only: one manager's team instead of everyone.",
            )
        ],
        responses={
            200: TeamSkillRowSerializer(many=True),
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
)
class TeamSkillsApi(ListAPIView):
    """Knowledge, application, retention, stage, diagnosis and the recommended action for
    each member of the caller's team and each skill they have evidence on, ordered by rep
    username, then skill name."""

    permission_classes = [IsManagerOrAdmin]
    serializer_class = TeamSkillRowSerializer

    def get_queryset(self) -> list[dict[str, Any]]:
        """The rows as this endpoint writes them, serialized once per cached matrix; the time
        zone datetimes are written in is part of the key."""
        owner = dashboard_owner_for(
            user=self.request.user, manager_id=self.request.query_params.get("manager")
        )

        def rows() -> list[dict[str, Any]]:
            matrix: list[SkillRow] = team_skill_matrix_cached(manager=owner)
            return list(self.get_serializer(matrix, many=True).data)

        kind = f"skills-api:{timezone.get_current_timezone_name()}"
        return team_cached(owner=owner, kind=kind, build=rows)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.get_paginated_response(self.paginate_queryset(self.get_queryset()))
