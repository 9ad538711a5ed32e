"""The one signal accounts sends for others to act on (lms and coaching sit above accounts).

``manager_changed`` is sent by ``accounts.services.user_set_manager`` inside the transaction that
saves the new reporting line, with ``user`` (the person who moved, saved already), ``previous``
(their former manager, or None), ``manager`` (the new one, or None) and ``actor`` (who made the
change, or None for a command). Receivers do their part in that same transaction, so a receiver
that fails rolls the move back with it.
"""

from django.dispatch import Signal

manager_changed = Signal()
