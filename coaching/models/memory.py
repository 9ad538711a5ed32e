"""Skill memory and reinforcement: how well each rep still recalls each skill (docs/skills.md).

``SkillMemory.state`` is an FSRS card (``fsrs.Card.to_dict()``); the columns beside it copy what
queries filter on, so finding due skills never parses JSON.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

__all__ = ["Reinforcement", "ReinforcementAnswer", "SkillMemory"]


class SkillMemory(models.Model):
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skill_memories"
    )
    skill = models.ForeignKey("lms.Skill", on_delete=models.PROTECT, related_name="memories")
    state = models.JSONField(default=dict, help_text="The FSRS card, as fsrs.Card.to_dict().")
    stability = models.FloatField(
        null=True, blank=True, help_text="Days until recall falls to 90 %; copied from state."
    )
    reviews = models.PositiveIntegerField(default=0)
    last_review_at = models.DateTimeField(null=True, blank=True)
    # When forecast recall first falls below REINFORCEMENT_TARGET_RECALL.
    next_due_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "skill memories"
        constraints = [
            models.UniqueConstraint(fields=["rep", "skill"], name="skill_memory_unique"),
        ]
        indexes = [models.Index(fields=["next_due_at"], name="skill_memory_due")]

    def __str__(self) -> str:
        return f"{self.rep} · {self.skill}"


class Reinforcement(models.Model):
    """A short quiz on one skill, drawn from the modules that taught it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ANSWERED = "answered", "Answered"
        EXPIRED = "expired", "Expired"

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reinforcements"
    )
    skill = models.ForeignKey("lms.Skill", on_delete=models.PROTECT, related_name="+")
    question_ids = models.JSONField(default=list, help_text="Question ids, in the order shown.")
    due_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    score = models.PositiveIntegerField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-due_at", "-pk"]
        constraints = [
            # One open reinforcement per skill: a rep never has two on the same thing waiting.
            models.UniqueConstraint(
                fields=["rep", "skill"],
                condition=Q(status="pending"),
                name="one_pending_reinforcement_per_skill",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100),
                name="reinforcement_score_range",
            ),
        ]
        indexes = [
            models.Index(fields=["rep", "due_at"], name="reinforcement_rep_due"),
            models.Index(
                fields=["expires_at"],
                condition=Q(status="pending"),
                name="reinforcement_pending_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"Reinforcement on {self.skill} for {self.rep} ({self.status})"


class ReinforcementAnswer(models.Model):
    reinforcement = models.ForeignKey(
        Reinforcement, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        "lms.Question", on_delete=models.PROTECT, related_name="reinforcement_answers"
    )
    choice_ids = models.JSONField(default=list)
    is_correct = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reinforcement", "question"], name="reinforcement_answer_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question_id} in reinforcement {self.reinforcement_id}"
