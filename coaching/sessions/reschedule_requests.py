"""A rep asks to reschedule a session; the coach moves it or keeps the time.

A rep never moves or cancels a session that has a coach: they ask, with a reason and perhaps
a free time they picked (``slots.session_free_times``), and the coach hears of it (in the app
and by email, through the reminder outbox). The coach answers by moving the session
(``services.session_reschedule``, which settles the request; to the proposed time in one
click) or by keeping the time (``reschedule_request_keep``); either way the rep is told.
Cancelling the session closes the request. One open request per session (a database constraint).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from coaching.models import CoachingSession, Reminder, RescheduleRequest
from coaching.reminders.schedule import session_notice
from coaching.sessions.booking import ensure_free, hours_problem
from coaching.sessions.permissions import can_answer_reschedule_request, can_request_reschedule
from coaching.sessions.state import ensure_scheduled, other_parties, session_lock
from config.errors import Conflict, DomainError


def _open_request(session: CoachingSession) -> RescheduleRequest | None:
    return (
        RescheduleRequest.objects.select_for_update()
        .filter(session=session, status=RescheduleRequest.Status.OPEN)
        .first()
    )


def _ensure_proposable(rep: User, session: CoachingSession, when: dt.datetime) -> None:
    """A time the rep proposes must be one the booking would take: in the future, free for
    both and inside both people's working hours."""
    if timezone.is_naive(when):
        raise DomainError("Give the proposed time with its time zone.")
    if when <= timezone.now():
        raise DomainError("That time has passed; pick one of the free times.")
    people = [person for person in (session.coach, session.rep) if person is not None]
    end = when + dt.timedelta(minutes=session.duration_minutes)
    ensure_free(actor=rep, people=people, start=when, end=end, exclude=session.pk)
    problem = hours_problem(actor=rep, people=people, start=when, end=end)
    if problem:
        raise DomainError(f"{problem.message}; pick one of the free times.")


@transaction.atomic
def reschedule_request_create(
    *,
    rep: User,
    session: CoachingSession,
    reason: str,
    proposed_for: dt.datetime | None = None,
) -> RescheduleRequest:
    """The rep asks their coach for another time; only the coach is told, with the reason
    and the time the rep proposes, if any (the coach moves the session there in one click).

    Raises DomainError when someone other than the rep asks, the session has no coach (the
    rep then moves it themselves), the reason is empty, the session has started, or the
    proposed time has passed, clashes with either one's sessions or calendar or is outside
    their working hours; Conflict when the session is no longer scheduled or a request is
    already waiting.
    """
    if not can_request_reschedule(rep, session):
        if session.rep_id == rep.pk and session.coach_id is None:
            raise DomainError("This session has no coach yet; move it yourself.")
        raise DomainError("Only the rep asks to reschedule their session.")
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why you need another time; your coach will read it.")
    session = session_lock(session)
    ensure_scheduled(session, "rescheduled")
    if session.scheduled_for <= timezone.now():
        raise DomainError("This session has started; talk to your coach instead.")
    if _open_request(session) is not None:
        raise Conflict("You have asked to reschedule this session already; your coach will answer.")
    if proposed_for is not None:
        _ensure_proposable(rep, session, proposed_for)
    request = RescheduleRequest.objects.create(
        session=session, requested_by=rep, reason=reason, proposed_for=proposed_for
    )
    payload: dict[str, object] = {"reason": reason, "by": rep.pk}
    if proposed_for is not None:
        payload["proposed_for"] = proposed_for.isoformat()
    session_notice(
        session=session,
        kind=Reminder.Kind.RESCHEDULE_REQUESTED,
        recipients=other_parties(rep, session),
        occasion=f"reschedule_requested:{request.pk}",
        payload=payload,
    )
    return request


@transaction.atomic
def reschedule_request_keep(
    *, actor: User, session: CoachingSession, answer: str = ""
) -> RescheduleRequest:
    """The coach (or the rep's manager, or an admin) keeps the time: the request is answered
    and the others on the session are told, with the answer if one is given.

    Raises DomainError when the actor may not answer; Conflict when the session is no longer
    scheduled or no request is waiting.
    """
    if not can_answer_reschedule_request(actor, session):
        raise DomainError("Only the coach or an admin answers a request to reschedule.")
    session = session_lock(session)
    ensure_scheduled(session, "rescheduled")
    request = reschedule_request_settle(
        session=session, actor=actor, status=RescheduleRequest.Status.KEPT, answer=answer
    )
    if request is None:
        raise Conflict("There is no request to reschedule this session waiting for an answer.")
    session_notice(
        session=session,
        kind=Reminder.Kind.RESCHEDULE_KEPT,
        recipients=other_parties(actor, session),
        occasion=f"reschedule_kept:{request.pk}",
        payload={"answer": request.answer, "by": actor.pk},
    )
    return request


def reschedule_request_settle(
    *, session: CoachingSession, actor: User, status: str, answer: str = ""
) -> RescheduleRequest | None:
    """Mark the session's open request, if any, as answered with ``status``; inside the
    caller's transaction, which has locked the session. Returns it, or None."""
    request = _open_request(session)
    if request is None:
        return None
    request.status = status
    request.answer = answer.strip()
    request.resolved_by = actor
    request.resolved_at = timezone.now()
    request.save(update_fields=["status", "answer", "resolved_by", "resolved_at"])
    return request
