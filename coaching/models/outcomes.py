"""The numbers training is bought for (DESIGN §13): sales outcomes per rep and period."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class SalesOutcome(models.Model):
    """One metric's value for one rep over one period, as an admin imported it."""

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sales_outcomes"
    )
    metric = models.CharField(
        max_length=64, help_text="A short name such as win_rate or quota_attainment."
    )
    period_start = models.DateField()
    period_end = models.DateField(help_text="Last day of the period, inclusive.")
    value = models.DecimalField(max_digits=16, decimal_places=4)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rep", "metric", "period_start"]
        constraints = [
            # Importing the same figure again replaces it: one value per rep, period and metric.
            models.UniqueConstraint(
                fields=["rep", "metric", "period_start", "period_end"],
                name="sales_outcome_one_per_rep_period_metric",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="sales_outcome_period_ends_after_start",
                violation_error_message="A period must end on or after its first day.",
            ),
        ]
        indexes = [models.Index(fields=["metric", "period_start"])]

    def __str__(self) -> str:
        return f"{self.rep} {self.metric} {self.period_start}..{self.period_end} = {self.value}"
