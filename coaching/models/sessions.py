"""Coaching plans, sessions, observations and commitments (DESIGN §4)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from coaching.models.querysets import (
    CoachingPlanQuerySet,
    CoachingSessionQuerySet,
    CommitmentQuerySet,
)

RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]
# The longest text anyone writes into coaching (notes, reflections, commitments, evidence), on a
# page or through the API.
TEXT_MAX = 5000
# A commitment marked kept by mistake can be set open again for this long; then it stands.
KEPT_UNDO_WINDOW = dt.timedelta(days=1)

# Written anchors for the 1-5 rubric, shown wherever a rating is given or read.
RUBRIC_ANCHORS = {
    1: "Not yet: does not attempt the skill, or attempts it in a way that hurts the call.",
    2: "Emerging: attempts it when prompted; misses most openings.",
    3: "Developing: uses it unprompted on some calls; uneven under pressure.",
    4: "Proficient: uses it on most calls, adapts it to the buyer.",
    5: "Role model: consistent under pressure; could coach a peer on it.",
}


class CoachingPlan(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coaching_plans"
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coached_plans",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    focus_skills = models.ManyToManyField("lms.Skill", blank=True, related_name="+")
    goals = models.TextField(blank=True, help_text="The rep's own goals, in their words.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CoachingPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rep"], condition=Q(status="active"), name="one_active_plan_per_rep"
            ),
        ]

    def __str__(self) -> str:
        return f"Coaching plan for {self.rep}"


class CoachingSession(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Held"
        MISSED = "missed", "Missed"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        AFTER_TRAINING = "after_training", "After training"
        MANUAL = "manual", "Booked by hand"
        DECAY = "decay", "Skill fading"
        # A rep strong on a skill practises it with a teammate (DESIGN §13): no manager time;
        # the session's coach is the mentor, a rep.
        PEER = "peer", "Peer practice"

    plan = models.ForeignKey(CoachingPlan, on_delete=models.CASCADE, related_name="sessions")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coaching_sessions"
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coaching_sessions_led",
    )
    scheduled_for = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(default=30)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    # One follow-up per completion: the unique one-to-one is the database's guarantee.
    completion = models.OneToOneField(
        "lms.ModuleCompletion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_up_session",
    )
    module = models.ForeignKey(
        "lms.Module", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    focus_skill = models.ForeignKey(
        "lms.Skill", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agenda = models.JSONField(default=dict, blank=True)
    late = models.BooleanField(
        default=False, help_text="No slot fitted the follow-up window; booked after it."
    )
    reflection = models.TextField(
        blank=True, help_text="The rep's preparation, before the session."
    )
    shared_notes = models.TextField(blank=True, help_text="Notes the rep sees.")
    private_notes = models.TextField(blank=True, help_text="Only the coach (and admins) see these.")
    held_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(
        blank=True, help_text="Why it was cancelled, as told to the other person."
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sequence = models.PositiveIntegerField(
        default=0,
        help_text="The iCalendar SEQUENCE, raised on every change the attendees must see.",
    )
    # A calendar read after booking found one of the two people busy at this time (DESIGN §11):
    # the session keeps its time until someone acts; ``proposed_for`` is the next free slot.
    conflict_found_at = models.DateTimeField(null=True, blank=True)
    proposed_for = models.DateTimeField(null=True, blank=True)
    # The coach kept the time despite the clash: the same clash is not raised again.
    conflict_dismissed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CoachingSessionQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_for"]
        indexes = [
            models.Index(fields=["coach", "scheduled_for"], name="session_coach_time"),
            models.Index(fields=["rep", "scheduled_for"], name="session_rep_time"),
        ]

    def __str__(self) -> str:
        return f"Coaching for {self.rep} at {self.scheduled_for:%Y-%m-%d %H:%M}"

    @property
    def ends_at(self) -> dt.datetime:
        """When the session ends; ``querysets.SESSION_ENDS_AT`` is the same rule for filters."""
        return self.scheduled_for + dt.timedelta(minutes=self.duration_minutes)


class RescheduleRequest(models.Model):
    """A rep asks their coach to move a session, with a reason; the coach moves it or keeps
    the time. A rep never moves or cancels a session with a coach on their own."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the coach"
        MOVED = "moved", "Moved"
        KEPT = "kept", "Time kept"
        CLOSED = "closed", "Session cancelled"

    session = models.ForeignKey(
        CoachingSession, on_delete=models.CASCADE, related_name="reschedule_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField()
    # A free time the rep picked (one that fits both people when asked); the coach takes it
    # with one click, or picks another.
    proposed_for = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(blank=True, help_text="The coach's word on keeping the time.")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"], condition=Q(status="open"), name="one_open_request_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"Request to move {self.session_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Observation(models.Model):
    class Source(models.TextChoices):
        LIVE = "live", "Live call"
        CALL_REVIEW = "call_review", "Call review"
        ROLE_PLAY = "role_play", "Role-play"
        SESSION = "session", "Coaching session"
        PEER = "peer", "Peer practice"

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="observations"
    )
    observer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    session = models.ForeignKey(
        CoachingSession,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="observations",
    )
    skill = models.ForeignKey("lms.Skill", on_delete=models.PROTECT, related_name="observations")
    rating = models.PositiveSmallIntegerField(validators=RATING_VALIDATORS)
    self_rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=RATING_VALIDATORS
    )
    evidence = models.TextField(blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.SESSION)
    observed_at = models.DateTimeField()

    class Meta:
        ordering = ["-observed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="observation_rating_range"
            ),
            models.CheckConstraint(
                condition=Q(self_rating__isnull=True) | Q(self_rating__gte=1, self_rating__lte=5),
                name="observation_self_rating_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill_id} rated {self.rating} for {self.rep}"

    @property
    def anchor(self) -> str:
        return RUBRIC_ANCHORS[self.rating]


class Commitment(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        KEPT = "kept", "Kept"
        MISSED = "missed", "Missed"

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="commitments"
    )
    session = models.ForeignKey(
        CoachingSession,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="commitments",
    )
    text = models.TextField()
    skill = models.ForeignKey(
        "lms.Skill", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    note = models.TextField(blank=True, help_text="The rep's note when marking it kept.")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["status", "due_date"], name="commitment_status_due")]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def kept_undo_until(self) -> dt.datetime | None:
        """Until when marking it kept may be undone; None unless it is kept."""
        if self.status != self.Status.KEPT or self.resolved_at is None:
            return None
        return self.resolved_at + KEPT_UNDO_WINDOW

    @property
    def kept_undoable(self) -> bool:
        until = self.kept_undo_until
        return until is not None and timezone.now() < until
