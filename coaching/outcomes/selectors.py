"""One rep's sales outcomes as their page shows them: the latest period of each metric and
how it moved since the period before. The caller has checked who may see the rep."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from accounts.models import User
from coaching.models import SalesOutcome

RECENT = 6  # periods shown per metric, newest last


def metric_label(metric: str) -> str:
    """``win_rate`` → "Win rate"."""
    return metric.replace("_", " ").capitalize()


@dataclass(frozen=True)
class MetricTrend:
    metric: str
    recent: list[SalesOutcome]  # up to RECENT periods, oldest first; the last is the latest
    periods: int  # every period imported for this metric

    @property
    def label(self) -> str:
        return metric_label(self.metric)

    @property
    def latest(self) -> SalesOutcome:
        return self.recent[-1]

    @property
    def previous(self) -> SalesOutcome | None:
        return self.recent[-2] if len(self.recent) > 1 else None

    @property
    def change(self) -> Decimal | None:
        """The latest value less the period before's; None for a first period."""
        return self.latest.value - self.previous.value if self.previous else None

    @property
    def direction(self) -> str:
        """ "up", "down", "flat", or "" for a first period."""
        change = self.change
        if change is None:
            return ""
        return "up" if change > 0 else "down" if change < 0 else "flat"


def rep_outcomes(*, rep: User) -> list[MetricTrend]:
    """Each metric imported for ``rep``, by name: one query."""
    by_metric: dict[str, list[SalesOutcome]] = defaultdict(list)
    for outcome in SalesOutcome.objects.filter(rep=rep).order_by("metric", "period_start"):
        by_metric[outcome.metric].append(outcome)
    return [
        MetricTrend(metric=metric, recent=rows[-RECENT:], periods=len(rows))
        for metric, rows in sorted(by_metric.items())
    ]
