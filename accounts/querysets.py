"""Plain, chainable filters on people: ``User.objects.active_reps()``."""

from __future__ import annotations

from django.db import models


class UserQuerySet(models.QuerySet):
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
