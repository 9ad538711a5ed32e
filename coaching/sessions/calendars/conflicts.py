"""A booked session a calendar now says clashes with something else: flagged, a new time
proposed, both people told once; the coach moves it with one click or keeps the time. Nothing
moves on its own.

``conflicts_flag`` runs in the transaction that stores a person's freshly read calendar. A
clash that went away (the meeting was removed, the session moved) is unflagged there too; a clash
the coach chose to keep (``conflict_dismiss``) is not raised again while the session keeps its
time.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from coaching.models import CoachingSession, Reminder
from coaching.reminders.schedule import session_notice
from coaching.sessions.busy import overlaps
from coaching.sessions.calendars.selectors import busy_merged_by_person
from coaching.sessions.permissions import can_change_session
from coaching.sessions.services import session_reschedule
from coaching.sessions.slots import session_free_times
from coaching.sessions.state import ensure_scheduled, session_lock
from config.errors import Conflict, DomainError

Interval = tuple[dt.datetime, dt.datetime]


def _clashes(session: CoachingSession, start: dt.datetime, busy: list[Interval]) -> bool:
    """Whether ``session``, starting at ``start``, overlaps one of ``busy``: the overlap test
    booking uses (``busy.overlaps``, half-open)."""
    end = start + dt.timedelta(minutes=session.duration_minutes)
    return any(overlaps(start, end, s, e) for s, e in busy)


def _proposal(session: CoachingSession, *, now: dt.datetime) -> dt.datetime | None:
    """The next time the session could move to, as the session page offers it
    (``slots.session_free_times``): free for both people by the booking rules, for the
    session's own length, clear of the busy times just stored from their calendars."""
    free = session_free_times(session=session, now=now, count=1)
    return free[0].start if free else None


def conflicts_flag(*, user: User, now: dt.datetime | None = None) -> int:
    """Flag ``user``'s scheduled sessions that now clash with a busy time in either person's
    calendar, propose a time and tell both; unflag those that no longer clash. Returns how many
    it newly flagged. Runs inside the caller's transaction."""
    now = now or timezone.now()
    sessions = list(
        CoachingSession.objects.scheduled()
        .involving([user])
        .filter(scheduled_for__gt=now)
        .select_for_update(of=("self",))
        .select_related("coach", "rep")
        .order_by("scheduled_for", "pk")
    )
    if not sessions:
        return 0
    people = {p for s in sessions for p in (s.coach_id, s.rep_id) if p is not None}
    latest = max(s.ends_at for s in sessions)
    busy = busy_merged_by_person(user_ids=sorted(people), start=now, end=latest)
    flagged = 0
    for session in sessions:
        mine = sorted(
            interval
            for p in (session.coach_id, session.rep_id)
            if p
            for interval in busy.get(p, [])
        )
        if not _clashes(session, session.scheduled_for, mine):
            if session.conflict_found_at or session.conflict_dismissed_at:
                session.conflict_found_at = session.proposed_for = None
                session.conflict_dismissed_at = None
                session.save(
                    update_fields=[
                        "conflict_found_at",
                        "proposed_for",
                        "conflict_dismissed_at",
                        "updated_at",
                    ]
                )
            continue
        if session.conflict_dismissed_at is not None:
            continue
        if (
            session.conflict_found_at is not None
            and session.proposed_for
            and session.proposed_for > now
            and not _clashes(session, session.proposed_for, mine)
        ):
            continue  # told once already; the proposal still stands
        first_time = session.conflict_found_at is None
        session.conflict_found_at = session.conflict_found_at or now
        session.proposed_for = _proposal(session, now=now)
        session.save(update_fields=["conflict_found_at", "proposed_for", "updated_at"])
        if first_time:
            flagged += 1
            stamp = session.scheduled_for.astimezone(dt.UTC).strftime("%Y%m%dT%H%M")
            session_notice(
                session=session,
                kind=Reminder.Kind.SESSION_CONFLICT,
                recipients=[p for p in (session.coach, session.rep) if p is not None],
                occasion=f"conflict:{stamp}",
                payload={
                    "proposed_for": session.proposed_for.isoformat()
                    if session.proposed_for
                    else "",
                },
            )
    return flagged


def _ensure_may_answer(actor: User, session: CoachingSession) -> None:
    if not can_change_session(actor, session):
        raise DomainError("Only the coach or an admin can answer a calendar clash.")
    if session.conflict_found_at is None:
        raise Conflict("This session has no calendar clash to answer.")


@transaction.atomic
def conflict_accept(*, actor: User, session: CoachingSession) -> CoachingSession:
    """Move the session to the proposed time (``session_reschedule``: the other person hears of
    it, with the updated invite). Raises DomainError when the actor may not move it or no time
    is proposed, Conflict when there is no clash or the session is no longer scheduled, and what
    ``session_reschedule`` raises (the time passed, or is taken since)."""
    session = session_lock(session)
    ensure_scheduled(session, "moved")
    _ensure_may_answer(actor, session)
    if session.proposed_for is None:
        raise DomainError("No free time was found to propose; choose a time by hand.")
    session = session_reschedule(actor=actor, session=session, scheduled_for=session.proposed_for)
    CoachingSession.objects.filter(pk=session.pk).update(
        conflict_found_at=None, proposed_for=None, conflict_dismissed_at=None
    )
    session.conflict_found_at = session.proposed_for = session.conflict_dismissed_at = None
    return session


@transaction.atomic
def conflict_dismiss(*, actor: User, session: CoachingSession) -> CoachingSession:
    """Keep the session's time despite the clash; the same clash is not raised again while the
    session keeps this time. Raises as ``conflict_accept`` does."""
    session = session_lock(session)
    ensure_scheduled(session, "changed")
    _ensure_may_answer(actor, session)
    session.conflict_dismissed_at = timezone.now()
    session.conflict_found_at = session.proposed_for = None
    session.save(
        update_fields=["conflict_dismissed_at", "conflict_found_at", "proposed_for", "updated_at"]
    )
    return session
