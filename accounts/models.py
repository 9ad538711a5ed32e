from __future__ import annotations

import secrets
import zoneinfo
from decimal import Decimal
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.querysets import UserQuerySet


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone, such as Europe/London.")


# django-stubs follows ``from_queryset`` on a plain Manager but not on the generic UserManager.
class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    class Role(models.TextChoices):
        REP = "rep", "Rep"
        MANAGER = "manager", "Manager"
        ADMIN = "admin", "Admin"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REP)
    manager = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_reports",
        help_text="Who this person reports to; their coach.",
    )
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="IANA name, such as Europe/London; sessions are booked in working hours here.",
    )
    # Availability (DESIGN §11). Empty means the organisation's default from settings.
    working_days = models.JSONField(
        default=list,
        blank=True,
        help_text="Weekdays this person works, 0 = Monday to 6 = Sunday; empty: the default.",
    )
    day_start = models.TimeField(
        null=True, blank=True, help_text="Start of the working day; empty: the default."
    )
    day_end = models.TimeField(
        null=True, blank=True, help_text="End of the working day; empty: the default."
    )
    # DESIGN §13: the hours of coaching a manager gives in a week; empty means the default.
    coaching_budget_hours = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("40"))],
        help_text="Hours a week this manager gives to coaching; empty: the organisation's default.",
    )

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(manager__isnull=True) | ~Q(manager=models.F("pk")),
                name="user_not_own_manager",
                violation_error_message="A person cannot be their own manager.",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["rep", "manager", "admin"]), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_rep(self) -> bool:
        return self.role == self.Role.REP

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER

    @property
    def is_org_admin(self) -> bool:
        return self.role == self.Role.ADMIN or self.is_superuser

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def clean(self) -> None:
        super().clean()
        self._clean_role()
        if self.manager_id is None:
            return
        if self.manager is not None and self.manager.is_rep:
            raise ValidationError(
                {
                    "manager": f"{self.manager} is a rep, and a rep has nobody reporting to them; "
                    "choose a manager, or make them a manager first."
                }
            )
        if self.pk is not None and self.manager_id == self.pk:
            raise ValidationError({"manager": "A person cannot be their own manager."})
        # Walk up the proposed reporting line: meeting ourselves means a cycle.
        seen: set[int] = set()
        current = self.manager
        while current is not None and current.pk not in seen:
            if self.pk is not None and current.pk == self.pk:
                raise ValidationError(
                    {"manager": f"{self.manager} already reports to {self}; that would be a cycle."}
                )
            seen.add(current.pk)
            current = current.manager

    def _clean_role(self) -> None:
        """A manager with reports stays a manager until they are moved to someone else."""
        if self.pk is None or self.role != self.Role.REP:
            return
        reports = User.objects.filter(manager_id=self.pk).count()
        if reports:
            people = "person reports" if reports == 1 else "people report"
            raise ValidationError(
                {
                    "role": f"{reports} {people} to {self}; move them to another manager before "
                    f"making {self} a rep."
                }
            )


class ApiToken(models.Model):
    """A credential for the REST API, as DRF's ``authtoken.Token`` with what it lacks: several per
    person (one per client, named by ``label``), an expiry, and when it was last used.

    Revoking a token deletes its row (``accounts.tokens``); the audit trail keeps the record.
    """

    key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(db_index=True)
    last_used = models.DateTimeField(null=True, blank=True)
    label = models.CharField(
        max_length=200, blank=True, help_text="The client, as it named itself."
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.user} · {self.label or 'API token'} · {self.key[:6]}…"

    @staticmethod
    def generate_key() -> str:
        # The same 40 hex characters DRF's Token draws, from the secrets module.
        return secrets.token_hex(20)


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    """Append-only: rows are added and read, never changed. The one delete is retention's."""

    def update(self, **kwargs):
        raise AuditTrailIsAppendOnly("The audit trail is append-only: rows cannot be changed.")

    def delete(self):
        raise AuditTrailIsAppendOnly("The audit trail is append-only: rows cannot be deleted.")

    def bulk_update(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("The audit trail is append-only: rows cannot be changed.")

    def purge_before(self, cutoff) -> int:
        """Delete the rows older than ``cutoff``: only the retention job calls this."""
        deleted, _ = models.QuerySet.delete(self.filter(at__lt=cutoff))
        return deleted


class AuditTrailIsAppendOnly(Exception):
    pass


class AuditEvent(models.Model):
    """Who did what to whom, when, from which address: one security-relevant action."""

    class Action(models.TextChoices):
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        LOCKED_OUT = "locked_out", "Locked out"
        TOKEN_ISSUED = "token_issued", "API token issued"
        TOKEN_REVOKED = "token_revoked", "API token revoked"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        PASSWORD_RESET = "password_reset", "Password reset"
        ROLE_CHANGED = "role_changed", "Role changed"
        MANAGER_CHANGED = "manager_changed", "Reporting line changed"
        DEACTIVATED = "deactivated", "Deactivated"
        REACTIVATED = "reactivated", "Reactivated"
        COURSE_PUBLISHED = "course_published", "Course published"
        COURSE_UNPUBLISHED = "course_unpublished", "Course unpublished"
        DATA_EXPORTED = "data_exported", "Data exported"
        PERSON_ADDED = "person_added", "Person added"
        INVITATION_SENT = "invitation_sent", "Invitation sent"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=32, choices=Action.choices, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Names as they were, so a row still reads after the person is renamed or deleted, and a
    # failed sign-in can name an account that does not exist.
    actor_name = models.CharField(max_length=150, blank=True)
    subject = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_name = models.CharField(max_length=200, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["actor", "-at"], name="audit_actor_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.get_action_display()}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("The audit trail is append-only: rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("The audit trail is append-only: rows cannot be deleted.")


class TimeOff(models.Model):
    """Dated days a person is away (a holiday, a conference): no session is booked on them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateField(help_text="First day away, in the person's time zone.")
    end = models.DateField(help_text="Last day away, inclusive.")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start", "pk"]
        indexes = [models.Index(fields=["user", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")),
                name="time_off_ends_after_start",
                violation_error_message="Time off must end on or after its first day.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.start} to {self.end}"
