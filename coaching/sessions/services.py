"""A coaching session's life: booked by hand, moved, cancelled, prepared for, or missed (holding
it, and its record, are ``records.py``).

Every function is one transaction; a session's reminders move, or are cancelled, in the same
transaction as the change that causes it. Refusals raise DomainError (400) or Conflict (409)
with a message for the person who asked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from coaching.changes import team_version_bump
from coaching.models import CoachingSession, Reminder, RescheduleRequest
from coaching.reminders.schedule import (
    session_notice,
    session_reminders_cancel,
    session_reminders_move,
)
from coaching.sessions.agenda import agenda_build
from coaching.sessions.booking import ensure_bookable_by_hand, session_create
from coaching.sessions.permissions import (
    can_book_session,
    can_change_session,
    can_reflect_on_session,
)
from coaching.sessions.plans import plan_for_rep
from coaching.sessions.reschedule_requests import reschedule_request_settle
from coaching.sessions.slots import calendar_lock
from coaching.sessions.state import ensure_scheduled as _ensure_scheduled
from coaching.sessions.state import other_parties as _other_parties
from coaching.sessions.state import session_lock as _lock
from config.errors import DomainError
from lms.models import Skill

MIN_MINUTES, MAX_MINUTES = 10, 240
# Nobody plans coaching a decade ahead: a time past this is a typo (and one near the end of the
# calendar would overflow when the reminders around it are worked out).
MAX_DAYS_AHEAD = 3653


# --- checks shared by the services --------------------------------------------------------------


def _ensure_future(when: dt.datetime) -> None:
    if timezone.is_naive(when):
        raise DomainError("Give the time with its time zone.")
    if when <= timezone.now():
        raise DomainError("That time has passed; choose a time in the future.")
    if when > timezone.now() + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError("That is more than ten years ahead; choose a nearer time.")


# --- booking, moving, cancelling ----------------------------------------------------------------


@transaction.atomic
def session_book_manual(
    *,
    coach: User,
    rep: User,
    scheduled_for: dt.datetime,
    duration_minutes: int | None = None,
    focus_skill: Skill | None = None,
    note: str = "",
    outside_hours_confirmed: bool = False,
) -> CoachingSession:
    """A coach books a session by hand: a manager for a direct report, an admin for anyone.

    The session joins the rep's active plan (opened if need be), its agenda carries the note,
    the focus skill and the commitments to go over, and the usual reminders are written (the
    rep hears of the booking; the coach, who made it, does not). Raises DomainError when the
    coach may not coach the rep, the time has passed or is not aware, the length is outside
    10-240 minutes, or it overlaps a session of either person; OutsideWorkingHours when it is
    outside the working hours of either person, or in their time off, and
    ``outside_hours_confirmed`` is not set.
    """
    if not can_book_session(coach, rep):
        raise DomainError("You can book sessions only with people who report to you.")
    minutes = duration_minutes or settings.COACHING_SESSION_MINUTES
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise DomainError(f"A session lasts {MIN_MINUTES} to {MAX_MINUTES} minutes.")
    _ensure_future(scheduled_for)
    calendar_lock(coach)
    ensure_bookable_by_hand(
        actor=coach,
        coach=coach,
        rep=rep,
        start=scheduled_for,
        minutes=minutes,
        outside_hours_confirmed=outside_hours_confirmed,
    )
    plan = plan_for_rep(rep=rep)
    return session_create(
        plan=plan,
        rep=rep,
        coach=coach,
        scheduled_for=scheduled_for,
        duration_minutes=minutes,
        source=CoachingSession.Source.MANUAL,
        booked_by=coach,
        focus_skill_id=focus_skill.pk if focus_skill else None,
        agenda=agenda_build(
            rep=rep,
            source=CoachingSession.Source.MANUAL,
            skills=[focus_skill] if focus_skill else [],
            note=note,
        ),
    )


@transaction.atomic
def session_reschedule(
    *,
    actor: User,
    session: CoachingSession,
    scheduled_for: dt.datetime,
    outside_hours_confirmed: bool = False,
) -> CoachingSession:
    """Move a scheduled session; its pending reminders move with it, sent ones stay sent.

    The other party (both, when an admin moves it) hears of the move; the rep's open request
    to reschedule, if any, is answered by it. A follow-up moved outside its window becomes
    late, and back inside it on time again. Raises DomainError when the actor may not change
    the session (a rep asks instead, ``reschedule_requests``), the time has passed or
    overlaps another session; OutsideWorkingHours as booking by hand does; Conflict when the
    session is held, missed or cancelled.
    """
    if not can_change_session(actor, session):
        raise DomainError(
            "Only the coach or an admin can move this session; ask your coach to reschedule it."
        )
    _ensure_future(scheduled_for)
    session = _lock(session)
    _ensure_scheduled(session, "moved")
    if session.scheduled_for == scheduled_for:
        return session
    ensure_bookable_by_hand(
        actor=actor,
        coach=session.coach,
        rep=session.rep,
        start=scheduled_for,
        minutes=session.duration_minutes,
        exclude=session.pk,
        outside_hours_confirmed=outside_hours_confirmed,
    )
    previous = session.scheduled_for
    session.scheduled_for = scheduled_for
    session.sequence += 1
    completion = session.completion
    if completion is not None:
        deadline = completion.completed_at + dt.timedelta(hours=settings.COACHING_FOLLOW_UP_HOURS)
        session.late = scheduled_for > deadline
    # The new time was checked against both calendars just now: a clash found at the old
    # time, and the coach's decision to keep it, no longer apply.
    session.conflict_found_at = session.proposed_for = session.conflict_dismissed_at = None
    session.save(
        update_fields=[
            "scheduled_for",
            "late",
            "sequence",
            "conflict_found_at",
            "proposed_for",
            "conflict_dismissed_at",
            "updated_at",
        ]
    )
    team_version_bump(rep_ids=[session.rep_id])
    session_reminders_move(session=session)
    answered = reschedule_request_settle(
        session=session, actor=actor, status=RescheduleRequest.Status.MOVED
    )
    stamp = scheduled_for.astimezone(dt.UTC).strftime("%Y%m%dT%H%M")
    session_notice(
        session=session,
        kind=Reminder.Kind.SESSION_RESCHEDULED,
        recipients=_other_parties(actor, session),
        occasion=f"rescheduled:{stamp}",
        payload={
            "previous": previous.isoformat(),
            "scheduled_for": scheduled_for.isoformat(),
            "by": actor.pk,
            "calendar_invite": True,
            "answers_request": answered is not None,
        },
    )
    return session


def _session_close(
    session: CoachingSession,
    *,
    status: str,
    notice: str,
    recipients: list[User],
    payload: dict[str, Any] | None = None,
    fields: tuple[str, ...] = (),
) -> None:
    """End a scheduled (and locked) session as cancelled or missed: a change its attendees'
    calendars must see, its reminders cancelled, and ``recipients`` told. ``fields`` names
    what else the caller set on the session, saved with it."""
    session.status = status
    session.sequence += 1
    session.save(update_fields=["status", "sequence", "updated_at", *fields])
    team_version_bump(rep_ids=[session.rep_id])
    session_reminders_cancel(session=session)
    session_notice(
        session=session, kind=notice, recipients=recipients, occasion=status, payload=payload
    )


@transaction.atomic
def session_cancel(*, actor: User, session: CoachingSession, reason: str) -> CoachingSession:
    """Cancel a scheduled session, with the reason stored on it: its outstanding reminders are
    cancelled, an open request to reschedule is closed, and the other party (both, when an
    admin cancels) is told, with the reason.

    Raises DomainError when the actor may not change the session (a rep with a coach asks to
    reschedule instead) or gives no reason, Conflict when it is not scheduled.
    """
    if not can_change_session(actor, session):
        raise DomainError(
            "Only the coach or an admin can cancel this session; ask your coach to reschedule it."
        )
    reason = reason.strip()
    if not reason:
        raise DomainError("Give a reason for cancelling; the other person will read it.")
    session = _lock(session)
    _ensure_scheduled(session, "cancelled")
    session.cancel_reason = reason
    session.cancelled_by = actor
    reschedule_request_settle(session=session, actor=actor, status=RescheduleRequest.Status.CLOSED)
    _session_close(
        session,
        status=CoachingSession.Status.CANCELLED,
        notice=Reminder.Kind.SESSION_CANCELLED,
        recipients=_other_parties(actor, session),
        payload={"reason": reason, "by": actor.pk},
        fields=("cancel_reason", "cancelled_by"),
    )
    return session


@transaction.atomic
def session_reflect(*, rep: User, session: CoachingSession, reflection: str) -> CoachingSession:
    """The rep writes (or rewrites) their preparation before the session.

    Raises DomainError when someone else tries, Conflict once the session is no longer
    scheduled.
    """
    if not can_reflect_on_session(rep, session):
        raise DomainError("Only the rep writes their reflection.")
    session = _lock(session)
    _ensure_scheduled(session, "prepared for")
    session.reflection = reflection.strip()
    session.save(update_fields=["reflection", "updated_at"])
    return session


# --- missed ---------------------------------------------------------------------------------------


@transaction.atomic
def sessions_mark_missed(*, now: dt.datetime | None = None) -> int:
    """Mark missed every scheduled session whose end plus the grace period has passed.

    The coach and the rep are told; the session's outstanding reminders are cancelled.
    Returns how many sessions it marked; running it again marks nothing twice.
    """
    now = now or timezone.now()
    grace = dt.timedelta(hours=settings.COACHING_HOLD_GRACE_HOURS)
    candidates = (
        CoachingSession.objects.ended_unrecorded(now=now - grace)
        .select_for_update(of=("self",))
        .select_related("rep", "coach")
    )
    marked = 0
    for session in candidates:
        _session_close(
            session,
            status=CoachingSession.Status.MISSED,
            notice=Reminder.Kind.SESSION_MISSED,
            recipients=[p for p in (session.coach, session.rep) if p is not None],
        )
        marked += 1
    return marked
