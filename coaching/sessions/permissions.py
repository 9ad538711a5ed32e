"""Who may see and do what in coaching (DESIGN §6): the one place for these rules.

The predicates answer for one object; ``coaching_scope`` and ``session_scope`` answer the same
question as filters, so that querysets in ``coaching.sessions.selectors`` and checks in services
and views agree.

Rights follow the **current** reporting line, never the ``coach`` stored on a row: a rep sees
their own coaching, their manager today sees and acts on all of it, an admin on everyone's.
The one thing a row's coach keeps is history: a session they held stays readable to them (with
their private notes and their observations) after the rep has moved to another manager, and
nothing else does: not the rep's plan, commitments, reminders or sessions still to come, and
nothing they may write. Only the session's coach (and admins) read private notes.

Peer practice (``CoachingSession.Source.PEER``, DESIGN §13) is led by a rep, the mentor, who is
stored as the session's coach: the mentor sees and records the peer sessions they lead and
nothing else of the mentee's (no plan, commitments or other sessions); the managers of either
rep see them; a peer session has no private notes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from accounts.permissions import can_coach, can_view_person, is_admin

if TYPE_CHECKING:
    from collections.abc import Iterable

    from accounts.models import User
    from coaching.models import CoachingPlan, CoachingSession, Commitment

NOTHING = Q(pk__in=[])
PEER = "peer"  # CoachingSession.Source.PEER, without importing the models here


def _is_peer(session: CoachingSession) -> bool:
    return session.source == PEER


def _leads_peer_session(user: User, session: CoachingSession) -> bool:
    """``user`` is the mentor of this peer session (stored as its coach)."""
    return _is_peer(session) and session.coach_id is not None and session.coach_id == user.pk


def _manages_mentor(user: User, session: CoachingSession) -> bool:
    """``user`` coaches the mentor of this peer session (their manager, or an admin)."""
    return _is_peer(session) and session.coach is not None and can_coach(user, session.coach)


def coaching_scope(user: User, *, rep: str) -> Q:
    """A filter for rows about people's coaching that ``user`` may see by the reporting line
    today (``accounts.permissions.can_view_person`` as a filter): ``rep`` names the field that
    holds the rep (``"rep"``)."""
    if not user.is_authenticated:
        return NOTHING
    if is_admin(user):
        return Q()
    scope = Q(**{rep: user})
    if user.is_manager:
        scope |= Q(**{f"{rep}__manager": user})
    return scope


def session_scope(user: User) -> Q:
    """Sessions ``user`` may see: by the reporting line, the held ones they coached, the peer
    sessions they lead as a mentor, and (a manager) those their reports lead."""
    if not user.is_authenticated or is_admin(user):
        return coaching_scope(user, rep="rep")  # nothing, or everything
    scope = coaching_scope(user, rep="rep") | Q(coach=user, status="held")
    scope |= Q(source=PEER, coach=user)
    if user.is_manager:
        scope |= Q(source=PEER, coach__manager=user)
    return scope


def observation_scope(user: User) -> Q:
    """Observations ``user`` may see: by the reporting line, and those they recorded."""
    if not user.is_authenticated or is_admin(user):
        return coaching_scope(user, rep="rep")  # nothing, or everything
    return coaching_scope(user, rep="rep") | Q(observer=user)


def _coached_and_held(user: User, session: CoachingSession) -> bool:
    return session.coach_id == user.pk and session.status == "held"


def can_see_session(user: User, session: CoachingSession) -> bool:
    if not user.is_authenticated:
        return False
    return (
        can_view_person(user, session.rep)
        or _coached_and_held(user, session)
        or _leads_peer_session(user, session)
        or _manages_mentor(user, session)
    )


def can_see_private_notes(user: User, session: CoachingSession) -> bool:
    """The session's coach and admins; never the rep, not even a rep who is an admin's report.
    A peer session has none: what its mentor writes is shared with the mentee."""
    if not user.is_authenticated or user.pk == session.rep_id or _is_peer(session):
        return False
    return is_admin(user) or (user.pk == session.coach_id and can_see_session(user, session))


def can_hold_session(user: User, session: CoachingSession) -> bool:
    """Record a session as held (notes, ratings, commitments): the rep's manager or an admin;
    a peer session, its mentor alone."""
    if _is_peer(session):
        return bool(user.is_authenticated and user.is_active and _leads_peer_session(user, session))
    return bool(
        user.is_authenticated and user.pk != session.rep_id and can_coach(user, session.rep)
    )


def can_amend_record(user: User, session: CoachingSession) -> bool:
    """Change a held session's record (its private notes included): the coach who wrote it,
    while the rep still reports to them, or an admin. A new manager reads the record but does
    not rewrite what someone else recorded. A peer session's record: its mentor."""
    if _is_peer(session):
        return can_hold_session(user, session)
    if not can_hold_session(user, session):
        return False
    return is_admin(user) or user.pk == session.coach_id


def can_change_session(user: User, session: CoachingSession) -> bool:
    """Move or cancel a session: the rep's manager, an admin; the rep only while
    the session has no coach (with one, the rep asks to reschedule instead). A peer session
    also its mentor, who leads it, and the mentor's manager."""
    if not user.is_authenticated:
        return False
    if user.pk == session.rep_id:
        return session.coach_id is None
    if _leads_peer_session(user, session) or _manages_mentor(user, session):
        return True
    return can_coach(user, session.rep)


def can_request_reschedule(user: User, session: CoachingSession) -> bool:
    """Ask the coach to move a session: its rep, when it has a coach to ask."""
    return bool(
        user.is_authenticated and user.pk == session.rep_id and session.coach_id is not None
    )


def can_answer_reschedule_request(user: User, session: CoachingSession) -> bool:
    """Keep the time a rep asked to move: whoever may move the session, but the rep."""
    return user.pk != session.rep_id and can_change_session(user, session)


def can_see_free_slots(user: User, session: CoachingSession) -> bool:
    """See the next times free for both people, to pick one: whoever may move the session or
    ask to (its coach, the rep, an admin). Busy times stay bare: no calendar's titles."""
    return can_change_session(user, session) or can_request_reschedule(user, session)


def can_reflect_on_session(user: User, session: CoachingSession) -> bool:
    """Write the preparation before a session: its rep alone."""
    return bool(user.is_authenticated and user.pk == session.rep_id)


def can_book_session(user: User, rep: User) -> bool:
    """Book a session by hand: a manager for a direct report, an admin for anyone."""
    return user.pk != rep.pk and can_coach(user, rep)


def can_see_plan(user: User, plan: CoachingPlan) -> bool:
    return can_view_person(user, plan.rep)


def can_write_goals(user: User, plan: CoachingPlan) -> bool:
    """Write a plan's goals: the rep, in their own words."""
    return bool(user.is_authenticated and user.pk == plan.rep_id)


def can_steer_plan(user: User, plan: CoachingPlan) -> bool:
    """Choose focus skills or archive a plan: the rep's manager, an admin."""
    if not user.is_authenticated or user.pk == plan.rep_id:
        return False
    return can_coach(user, plan.rep)


def can_see_commitment(user: User, commitment: Commitment) -> bool:
    return can_view_person(user, commitment.rep)


def can_mark_commitment_kept(user: User, commitment: Commitment) -> bool:
    """Tick a commitment off as kept: the rep who made it."""
    return bool(user.is_authenticated and user.pk == commitment.rep_id)


def can_review_commitment(user: User, commitment: Commitment) -> bool:
    """Set a commitment's outcome: the rep's manager, an admin."""
    if not user.is_authenticated or user.pk == commitment.rep_id:
        return False
    return can_coach(user, commitment.rep)


def can_undo_commitment_kept(user: User, commitment: Commitment) -> bool:
    """The rep who marked it, or whoever reviews it, may take back a "kept" within its day."""
    return can_mark_commitment_kept(user, commitment) or can_review_commitment(user, commitment)


def commitments_reviewable_by(user: User, commitments: Iterable[Commitment]) -> set[int]:
    """The ids of those of ``commitments`` whose outcome ``user`` may set."""
    return {commitment.pk for commitment in commitments if can_review_commitment(user, commitment)}
