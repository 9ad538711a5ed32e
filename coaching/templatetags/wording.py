"""Words for numbers people read: the recall thresholds as percentages, and a deadline that is
a day in someone's calendar named with that person's time zone.

``{% load wording %}``, then ``{% refresher_target %}`` ("90 %"), ``{% coaching_threshold %}``
("70 %") and ``{{ commitment.due_date|deadline:commitment.rep }}`` ("Fri 11 Dec 2026, London
time").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.conf import settings

from coaching.reminders.messages import local_day

register = template.Library()


def _percent(recall: float) -> str:
    return f"{round(100 * recall)} %"


@register.simple_tag
def refresher_target() -> str:
    """The recall below which a skill gets a refresher."""
    return _percent(settings.REINFORCEMENT_TARGET_RECALL)


@register.simple_tag
def coaching_threshold() -> str:
    """The recall below which coaching steps in for a fading skill."""
    return _percent(settings.DECAY_COACHING_RECALL)


@register.filter
def deadline(value: Any, person: Any) -> str:
    """A due date (a day in ``person``'s calendar) with the time zone the day is counted in."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, dt.date):
        return "" if value is None else str(value)
    return local_day(value, person)
