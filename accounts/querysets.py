"""Plain, chainable filters on people: ``User.objects.active_reps()``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from accounts.models import User  # noqa: F401 - it types the quoted base below


class UserQuerySet(models.QuerySet["User"]):
    def active(self) -> UserQuerySet:
        return self.filter(is_active=True)

    def reps(self) -> UserQuerySet:
        return self.filter(role=self.model.Role.REP)

    def managers(self) -> UserQuerySet:
        return self.filter(role=self.model.Role.MANAGER)

    def active_reps(self) -> UserQuerySet:
        return self.active().reps()

    def active_managers(self) -> UserQuerySet:
        return self.active().managers()
