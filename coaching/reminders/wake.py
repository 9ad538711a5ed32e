"""Waking the dispatcher: a reminder that is due at once should not wait for the next beat.

The dispatcher is a Celery task above this part (``coaching.tasks``); it is sent here by its
name, so the reminders part never imports the tasks that call it.
"""

from __future__ import annotations

import logging

from config.celery_app import app

logger = logging.getLogger(__name__)

# The name ``coaching.tasks`` registers the dispatcher under, and beat runs it by.
DISPATCHER_TASK = "coaching.tasks.dispatch_due_reminders"
# An unreachable broker is given this long before the wake gives up and leaves it to beat.
CONNECT_TIMEOUT_SECONDS = 2


def dispatcher_wake() -> bool:
    """Run the dispatcher now rather than at its next beat; False when the broker is down.

    Called after a commit that wrote a reminder due at once, so it must never raise into the
    caller nor keep them waiting: one connection attempt with no retries, and on failure a
    warning. The reminder is a row already; the next beat claims it. The connection comes from
    the app's pool and stays open for the next wake: opening one per wake cost a broker
    handshake on every booking request.
    """
    try:
        with app.connection_or_acquire() as conn:
            # A pooled connection left on its own would retry for the whole connect timeout.
            conn.ensure_connection(max_retries=0, timeout=CONNECT_TIMEOUT_SECONDS)
            app.send_task(DISPATCHER_TASK, retry=False, connection=conn, ignore_result=True)
    except Exception:
        logger.warning("Could not wake the reminder dispatcher; beat will run it.", exc_info=True)
        return False
    return True
