"""``/api/v1/team/mentoring/`` (DESIGN §13): peer mentoring for a manager's team.

``GET`` lists the proposed pairs (mentor, mentee, skill, why) and the active pairings with their
next peer practice; ``POST {mentee, mentor, skill, decision}`` approves (booking the first peer
practice session, returned) or declines one. A manager decides for their direct reports, an
admin for anyone; a rep is refused (403), another manager's rep is a 404. The rules are
docs/skills.md §7; the peer sessions themselves are in ``/api/v1/coaching/sessions/`` with
source "peer".
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsManagerOrAdmin
from coaching.api.skills import TeamSkillRepSerializer, TeamSkillSkillSerializer
from coaching.insights.dashboard import dashboard_owner_for
from coaching.sessions.mentoring import pairing_approve, pairing_decline
from coaching.sessions.pairing import mentoring_overview
from lms.api.serializers import ErrorSerializer


class ProposalSerializer(serializers.Serializer):
    mentor = TeamSkillRepSerializer()
    mentee = TeamSkillRepSerializer()
    skill = TeamSkillSkillSerializer()
    # Plain strings: the same values as the skills API's stage and diagnosis enums.
    mentor_stage = serializers.CharField(help_text="The mentor's stage: applied or mastered.")
    mentee_diagnosis = serializers.CharField(
        help_text="The mentee's need on the skill: coaching_gap or practice_gap."
    )


class PairingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mentor = TeamSkillRepSerializer()
    mentee = TeamSkillRepSerializer()
    skill = TeamSkillSkillSerializer()
    status = serializers.CharField(help_text="active, declined or ended.")
    created_at = serializers.DateTimeField()


class ActivePairingSerializer(serializers.Serializer):
    pairing = PairingSerializer()
    next_session = serializers.IntegerField(
        source="next_session.pk", allow_null=True, help_text="The next peer practice's id."
    )


class MentoringSerializer(serializers.Serializer):
    proposals = ProposalSerializer(many=True)
    active = ActivePairingSerializer(many=True)


class DecisionInputSerializer(serializers.Serializer):
    mentee = serializers.IntegerField()
    mentor = serializers.IntegerField()
    skill = serializers.IntegerField()
    decision = serializers.ChoiceField(choices=["approve", "decline"])


class DecisionSerializer(serializers.Serializer):
    pairing = PairingSerializer()
    session = serializers.IntegerField(
        allow_null=True, help_text="The peer practice booked on approval; null on decline."
    )


class TeamMentoringApi(APIView):
    permission_classes = [IsManagerOrAdmin]

    @extend_schema(
        operation_id="team_mentoring",
        responses={200: MentoringSerializer, 403: ErrorSerializer},
        description="The pairs proposed for the caller's team and the active pairings.",
    )
    def get(self, request: Request) -> Response:
        owner = dashboard_owner_for(user=request.user, manager_id=None)
        return Response(MentoringSerializer(mentoring_overview(manager=owner)).data)

    @extend_schema(
        operation_id="team_mentoring_decide",
        request=DecisionInputSerializer,
        responses={
            201: DecisionSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
        description=(
            "Approve (the pairing is stored and the first peer practice booked at the first "
            "time both reps have) or decline (not proposed again while the decision stands). "
            "400 when the mentor does not qualify or no time fits; 409 when a decision on this "
            "mentee and skill stands."
        ),
    )
    def post(self, request: Request) -> Response:
        payload = DecisionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        parties = {"mentee_id": data["mentee"], "mentor_id": data["mentor"]}
        parties["skill_id"] = data["skill"]
        session = None
        if data["decision"] == "approve":
            approved = pairing_approve(actor=request.user, **parties)
            pairing, session = approved.pairing, approved.session.pk
        else:
            pairing = pairing_decline(actor=request.user, **parties)
        body = DecisionSerializer({"pairing": pairing, "session": session}).data
        return Response(body, status=status.HTTP_201_CREATED)
