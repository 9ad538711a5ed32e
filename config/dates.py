"""The one range every date or time typed into a page or sent to the API must fall in.

Nobody sets a due date or books coaching years ahead, or decades back: such a date is a typo
(2062 for 2026) or a probe, and one near the end of the calendar would overflow once turned into
the reminders around it. Field validators, so a form shows the message by the field and the API
answers 400 naming it; the services' own rules (today or later, in the future) come after.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

YEARS_AHEAD = 2
YEARS_BACK = 10


def _years_from(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a year that has none
        return day.replace(year=day.year + years, day=28)


def date_in_range(value: dt.date | dt.datetime | None) -> None:
    """Refuse a date (or the day of a time) more than ``YEARS_AHEAD`` years ahead of today or
    more than ``YEARS_BACK`` years before it."""
    if value is None:
        return
    # The day in the value's own offset: a day either way is nothing next to years, and
    # converting a time at the end of the calendar to another zone would overflow.
    day = value.date() if isinstance(value, dt.datetime) else value
    today = timezone.localdate()
    if day > _years_from(today, YEARS_AHEAD):
        raise ValidationError(
            "That date is more than two years ahead; choose a nearer one.", code="too_far_ahead"
        )
    if day < _years_from(today, -YEARS_BACK):
        raise ValidationError(
            "That date is more than ten years ago; check the year.", code="too_far_back"
        )
