"""Peer mentoring (DESIGN §13): a rep strong on a skill practises it with a teammate."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class MentorPairing(models.Model):
    """A mentor and a mentee on one skill, as the manager decided on a proposal.

    Proposals themselves are computed from the skill matrix and not stored; a row exists once the
    manager approves (the pair then books peer practice) or declines (the pair is not proposed
    again while the row stands).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DECLINED = "declined", "Declined"
        ENDED = "ended", "Ended"

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentoring"
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentored_by"
    )
    skill = models.ForeignKey("lms.Skill", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(mentor=F("mentee")),
                name="mentor_pairing_two_people",
                violation_error_message="A rep cannot mentor themselves.",
            ),
            # One standing decision per mentee and skill; another mentor waits for it to end.
            models.UniqueConstraint(
                fields=["mentee", "skill"],
                condition=Q(status__in=["active", "declined"]),
                name="mentor_pairing_one_standing_per_mentee_skill",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} mentors {self.mentee} on {self.skill_id} ({self.status})"
