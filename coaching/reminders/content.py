"""Content that other parts of coaching compute for a kind of reminder, when it is delivered.

The reminders part sits below the parts that know, say, a manager's week (``insights``), so it
never imports them. They register a provider for their kind in ``CoachingConfig.ready()``, and
the outbox asks it once per message, when it writes the message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from coaching.models import Reminder

# Called with the reminder being written and the moment of delivery.
ContentProvider = Callable[[Reminder, dt.datetime], object]

_providers: dict[str, ContentProvider] = {}


def reminder_content_register(*, kind: str, provider: ContentProvider) -> None:
    """Make ``provider`` the source of what reminders of ``kind`` carry (the last one wins)."""
    _providers[kind] = provider


def reminder_content(reminder: Reminder, *, now: dt.datetime) -> object:
    """What the provider registered for the reminder's kind computes for it now.

    Raises LookupError when nothing is registered for that kind: the message cannot be written,
    and the outbox fails that reminder alone.
    """
    provider = _providers.get(reminder.kind)
    if provider is None:
        raise LookupError(f"Nothing provides the content of {reminder.kind} reminders.")
    return provider(reminder, now)
