"""Plain, chainable filters (``Course.objects.published()``, ``QuizAttempt.objects.passed()``)
and the query expressions the selectors share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Count, IntegerField, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce

if TYPE_CHECKING:
    from lms.models import Course, Module, QuizAttempt  # noqa: F401 - they type the quoted bases


class CourseQuerySet(models.QuerySet["Course"]):
    def published(self) -> CourseQuerySet:
        return self.filter(status=self.model.Status.PUBLISHED)


class ModuleQuerySet(models.QuerySet["Module"]):
    def with_content(self) -> ModuleQuerySet:
        """In order, each with its skills, lessons and quiz, and the quiz's questions with their
        skill and choices: all that a course file holds of a module."""
        from lms.models import Question  # lms.models imports this module first

        questions = Question.objects.select_related("skill").prefetch_related("choices")
        return (
            self.select_related("quiz")
            .prefetch_related("skills", "lessons", Prefetch("quiz__questions", queryset=questions))
            .order_by("position")
        )


class QuizAttemptQuerySet(models.QuerySet["QuizAttempt"]):
    def submitted(self) -> QuizAttemptQuerySet:
        return self.filter(submitted_at__isnull=False)

    def open(self) -> QuizAttemptQuerySet:
        """Started and not submitted yet."""
        return self.filter(submitted_at__isnull=True)

    def passed(self) -> QuizAttemptQuerySet:
        return self.filter(passed=True)


def count_of(queryset: models.QuerySet, *, group_by: str) -> Coalesce:
    """A correlated ``COUNT`` of ``queryset`` (already filtered on ``OuterRef``), 0 when empty."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def sum_of(queryset: models.QuerySet, *, field: str, group_by: str) -> Coalesce:
    """A correlated ``SUM`` of ``field`` over ``queryset`` (filtered on ``OuterRef``), 0 if none."""
    summed = queryset.order_by().values(group_by).annotate(n=Sum(field)).values("n")
    return Coalesce(Subquery(summed, output_field=IntegerField()), 0)
