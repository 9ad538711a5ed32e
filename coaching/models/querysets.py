"""Chainable filters for coaching rows: the one spelling of each plain rule about their status.

Reads that scope by viewer, join or prefetch stay in the selectors; these only name a filter so
that "scheduled", "occupying a person's time" or "ended and not recorded" mean one thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, IntegerField, Q

if TYPE_CHECKING:
    from accounts.models import User

# A session's end, for filters; ``CoachingSession.ends_at`` is the same rule on one row. (Types
# spelled out: SQLite multiplies a duration only by a plain IntegerField, and Django cannot
# tell on its own that the product is a duration.)
SESSION_ENDS_AT = ExpressionWrapper(
    F("scheduled_for")
    + ExpressionWrapper(
        ExpressionWrapper(F("duration_minutes"), output_field=IntegerField())
        * dt.timedelta(minutes=1),
        output_field=DurationField(),
    ),
    output_field=DateTimeField(),
)


class CoachingPlanQuerySet(models.QuerySet):
    def active(self) -> Self:
        return self.filter(status="active")


class CoachingSessionQuerySet(models.QuerySet):
    def scheduled(self) -> Self:
        return self.filter(status="scheduled")

    def held(self) -> Self:
        return self.filter(status="held")

    def concluded(self) -> Self:
        """No longer scheduled: held, missed or cancelled."""
        return self.exclude(status="scheduled")

    def occupying(self) -> Self:
        """Sessions that take up their people's time: all but cancelled ones, which free it."""
        return self.filter(status__in=("scheduled", "held", "missed"))

    def involving(self, people: Iterable[User | None]) -> Self:
        """Sessions with any of ``people`` as coach or as rep."""
        ids = [person.pk for person in people if person is not None]
        return self.filter(Q(coach_id__in=ids) | Q(rep_id__in=ids))

    def with_ends_at(self) -> Self:
        """``ends_at`` usable in filters and ordering (not loaded onto the rows)."""
        return self.alias(ends_at=SESSION_ENDS_AT)

    def overlapping(self, *, start: dt.datetime, end: dt.datetime) -> Self:
        """Sessions that share some of the half-open interval [start, end): back to back does
        not overlap."""
        return self.with_ends_at().filter(scheduled_for__lt=end, ends_at__gt=start)

    def ended_unrecorded(self, *, now: dt.datetime) -> Self:
        """Still scheduled although they ended by ``now``: held or missed, nobody said which."""
        # Started by then too: a bound the (coach|rep, scheduled_for) indexes can use.
        return self.scheduled().with_ends_at().filter(scheduled_for__lte=now, ends_at__lte=now)

    def upcoming(self, *, now: dt.datetime) -> Self:
        """Scheduled and not yet ended: a session under way is still to come."""
        return self.scheduled().with_ends_at().filter(ends_at__gt=now)


class CommitmentQuerySet(models.QuerySet):
    def open(self) -> Self:
        return self.filter(status="open")

    def open_or_missed(self) -> Self:
        """What a rep still has to keep or to talk through."""
        return self.filter(status__in=("open", "missed"))
