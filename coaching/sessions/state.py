"""A session under change: locked for the transaction, still scheduled, and who else to tell.

Shared by the services that change a session (``services``, ``reschedule_requests``,
``records``), so that each locks the same way and refuses a session that is no longer
scheduled with the same words.
"""

from __future__ import annotations

from accounts.models import User
from coaching.models import CoachingSession
from config.errors import Conflict


def session_lock(session: CoachingSession) -> CoachingSession:
    """The session re-read under a row lock, with rep, coach and completion joined."""
    return (
        # of=self: the coach is an outer join, which PostgreSQL will not lock.
        CoachingSession.objects.select_for_update(of=("self",))
        .select_related("rep", "coach", "completion")
        .get(pk=session.pk)
    )


def ensure_scheduled(session: CoachingSession, doing: str) -> None:
    """Raises Conflict when the session is held, missed or cancelled."""
    if session.status != CoachingSession.Status.SCHEDULED:
        raise Conflict(
            f"This session is {session.get_status_display().lower()}; it cannot be {doing}."
        )


def other_parties(actor: User, session: CoachingSession) -> list[User]:
    """Coach and rep but the one who acted: nobody is told of what they just did themselves."""
    return [p for p in (session.coach, session.rep) if p is not None and p.pk != actor.pk]
