from __future__ import annotations

import zoneinfo
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

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
