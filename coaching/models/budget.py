"""What a manager's weekly coaching budget could not take (DESIGN §13): listed, never dropped."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class DeferredCoaching(models.Model):
    """A need for the manager's time that did not fit the week, with the alternative offered.

    It stays on the manager's dashboard until it is pulled into the week (a session is booked
    over the budget, by the manager's choice), met another way, or no longer needed.
    """

    class Kind(models.TextChoices):
        FOLLOW_UP = "follow_up", "Follow-up after training"
        DECAY = "decay", "Skill fading"

    class Alternative(models.TextChoices):
        PEER = "peer", "Peer practice"
        REFRESHER = "refresher", "Refresher questions"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        PULLED = "pulled", "Pulled into the week"
        RESOLVED = "resolved", "Met another way"
        EXPIRED = "expired", "No longer needed"

    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deferred_coaching"
    )
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    completion = models.OneToOneField(
        "lms.ModuleCompletion",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deferred_follow_up",
    )
    module = models.ForeignKey(
        "lms.Module", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    skill = models.ForeignKey(
        "lms.Skill", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    week_start = models.DateField(help_text="Monday of the week whose budget was full.")
    reason = models.CharField(max_length=300, help_text="The ranking rule's words, as shown.")
    alternative = models.CharField(max_length=16, choices=Alternative.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    session = models.ForeignKey(
        "coaching.CoachingSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The session booked when the manager pulled this into the week.",
    )
    note = models.CharField(
        max_length=200,
        blank=True,
        help_text="What was done instead, as shown: the alternative the manager took.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["week_start", "created_at", "pk"]
        indexes = [models.Index(fields=["coach", "status"])]
        constraints = [
            # A fading skill is listed once while it waits, however often the decay job runs.
            models.UniqueConstraint(
                fields=["rep", "skill"],
                condition=Q(status="waiting", kind="decay"),
                name="deferred_coaching_one_waiting_decay",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.rep} ({self.status})"
