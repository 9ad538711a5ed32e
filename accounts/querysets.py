from __future__ import annotations

from django.db import models


class UserQuerySet(models.QuerySet):
    def reps(self):
        return self.filter(role="rep")

    def managers(self):
        return self.filter(role="manager")

    def active(self):
        return self.filter(is_active=True)
