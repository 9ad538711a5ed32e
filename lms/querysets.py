from __future__ import annotations

from django.db import models
from django.utils import timezone


class CourseQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status="published")


class EnrolmentQuerySet(models.QuerySet):
    def overdue(self, *, today=None):
        today = today or timezone.localdate()
        return self.filter(due_date__lt=today)
