"""Who may see and do what in coaching (DESIGN §6): the one place for these rules.

The predicates answer for one object; ``coaching_scope`` answers the same question as a
filter, so that querysets in ``coaching.sessions.selectors`` and checks in services and views agree.
A rep sees their own coaching; a manager sees what they coach and their direct reports'
coaching; an admin sees everything. Only the session's coach (and admins) read private notes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from accounts.permissions import can_coach, is_admin

if TYPE_CHECKING:
    from collections.abc import Iterable

    from accounts.models import User
    from coaching.models import CoachingPlan, CoachingSession, Commitment

NOTHING = Q(pk__in=[])


def coaching_scope(user: User, *, rep: str, coach: str | None = None) -> Q:
    """A filter for rows about people's coaching that ``user`` may see.

    ``rep`` names the field that holds the rep (``"rep"``), ``coach`` the one that holds who
    coached it (``"coach"``, ``"session__coach"``), if the model has one.
    """
    if not user.is_authenticated:
        return NOTHING
    if is_admin(user):
        return Q()
    scope = Q(**{rep: user})
    if coach is not None:
        scope |= Q(**{coach: user})
    if user.is_manager:
        scope |= Q(**{f"{rep}__manager": user})
    return scope


def _sees_coaching_of(user: User, rep: User, coach_id: int | None) -> bool:
    if not user.is_authenticated:
        return False
    if is_admin(user) or user.pk == rep.pk or (coach_id is not None and user.pk == coach_id):
        return True
    return bool(user.is_manager and rep.manager_id == user.pk)


def can_see_session(user: User, session: CoachingSession) -> bool:
    return _sees_coaching_of(user, session.rep, session.coach_id)


def can_see_private_notes(user: User, session: CoachingSession) -> bool:
    """The session's coach and admins; never the rep, not even a rep who is an admin's report."""
    if not user.is_authenticated:
        return False
    return user.pk != session.rep_id and (user.pk == session.coach_id or is_admin(user))


def can_hold_session(user: User, session: CoachingSession) -> bool:
    """Record a session as held (notes, ratings, commitments): its coach or an admin."""
    return bool(user.is_authenticated and (user.pk == session.coach_id or is_admin(user)))


def can_change_session(user: User, session: CoachingSession) -> bool:
    """Move or cancel a session: the rep, its coach, the rep's manager, an admin."""
    if not user.is_authenticated:
        return False
    return user.pk in (session.rep_id, session.coach_id) or can_coach(user, session.rep)


def can_reflect_on_session(user: User, session: CoachingSession) -> bool:
    """Write the preparation before a session: its rep alone."""
    return bool(user.is_authenticated and user.pk == session.rep_id)


def can_book_session(user: User, rep: User) -> bool:
    """Book a session by hand: a manager for a direct report, an admin for anyone."""
    return user.pk != rep.pk and can_coach(user, rep)


def can_see_plan(user: User, plan: CoachingPlan) -> bool:
    return _sees_coaching_of(user, plan.rep, plan.coach_id)


def can_write_goals(user: User, plan: CoachingPlan) -> bool:
    """Write a plan's goals: the rep, in their own words."""
    return bool(user.is_authenticated and user.pk == plan.rep_id)


def can_steer_plan(user: User, plan: CoachingPlan) -> bool:
    """Choose focus skills or archive a plan: its coach, the rep's manager, an admin."""
    if not user.is_authenticated or user.pk == plan.rep_id:
        return False
    return user.pk == plan.coach_id or can_coach(user, plan.rep)


def session_coach_id(commitment: Commitment) -> int | None:
    """The coach of the session the commitment was made at, if it came from one."""
    session = commitment.session
    return session.coach_id if session is not None else None


def can_see_commitment(user: User, commitment: Commitment) -> bool:
    return _sees_coaching_of(user, commitment.rep, session_coach_id(commitment))


def can_mark_commitment_kept(user: User, commitment: Commitment) -> bool:
    """Tick a commitment off as kept: the rep who made it."""
    return bool(user.is_authenticated and user.pk == commitment.rep_id)


def can_review_commitment(user: User, commitment: Commitment) -> bool:
    """Set a commitment's outcome: the coach of its session, the rep's manager, an admin."""
    if not user.is_authenticated or user.pk == commitment.rep_id:
        return False
    return user.pk == session_coach_id(commitment) or can_coach(user, commitment.rep)


def can_undo_commitment_kept(user: User, commitment: Commitment) -> bool:
    """The rep who marked it, or whoever reviews it, may take back a "kept" within its day."""
    return can_mark_commitment_kept(user, commitment) or can_review_commitment(user, commitment)


def commitments_reviewable_by(user: User, commitments: Iterable[Commitment]) -> set[int]:
    """The ids of those of ``commitments`` whose outcome ``user`` may set."""
    return {commitment.pk for commitment in commitments if can_review_commitment(user, commitment)}
