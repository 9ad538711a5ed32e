"""The signals accounts sends for others to act on (lms and coaching sit above accounts).

``manager_changed`` is sent by ``accounts.services.user_set_manager`` inside the transaction that
saves the new reporting line, with ``user`` (the person who moved, saved already), ``previous``
(their former manager, or None), ``manager`` (the new one, or None) and ``actor`` (who made the
change, or None for a command). Receivers do their part in that same transaction, so a receiver
that fails rolls the move back with it.
"""

from django.dispatch import Signal

manager_changed = Signal()

user_deactivated = Signal()
"""Sent by ``accounts.offboarding.user_deactivate`` inside the transaction that turns a person's
sign-in off, with ``user`` (saved already with ``is_active`` False) and ``actor`` (the admin).
Before it, nothing else has changed; after it, the person's reports are moved to nobody
(``user_set_manager``, which sends ``manager_changed`` for each). Receivers end the person's
open work: coaching cancels their scheduled sessions (telling the other person), archives their
open plan and cancels the reminders still to reach them."""
