"""A coaching session's life: booked by hand, moved, cancelled, prepared for, held or missed.

Every function is one transaction; a session's reminders move, or are cancelled, in the same
transaction as the change that causes it. Refusals raise DomainError (400) or Conflict (409)
with a message for the person who asked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from coaching.changes import team_version_bump
from coaching.models import CoachingSession, Commitment, Observation, Reminder
from coaching.reminders.schedule import (
    SESSION_TIMED_KINDS,
    session_notice,
    session_reminders_cancel,
    session_reminders_move,
)
from coaching.sessions.agenda import agenda_build, agenda_commitments_refresh
from coaching.sessions.booking import session_create
from coaching.sessions.busy import busy_intervals
from coaching.sessions.commitments import commitment_reminder_schedule
from coaching.sessions.permissions import (
    can_book_session,
    can_change_session,
    can_hold_session,
    can_reflect_on_session,
)
from coaching.sessions.plans import plan_for_rep
from coaching.sessions.slots import calendar_lock
from coaching.skills.memory import memory_from_observation
from config.errors import Conflict, DomainError
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


def _ensure_free(
    *, coach: User | None, rep: User, start: dt.datetime, minutes: int, exclude: int | None = None
) -> None:
    end = start + dt.timedelta(minutes=minutes)
    # Only sessions that overlap the interval come back, soonest first.
    clashes = busy_intervals(people=[coach, rep], start=start, end=end, exclude=exclude)
    if clashes:
        # Say when, not with whom: a rep moving their session must not learn who else is coached.
        local = timezone.localtime(clashes[0].start, (coach or rep).tzinfo)
        raise DomainError(
            f"That overlaps another coaching session at {local:%a %d %b %H:%M %Z}; "
            "choose another time."
        )


def _lock(session: CoachingSession) -> CoachingSession:
    return (
        # of=self: the coach is an outer join, which PostgreSQL will not lock.
        CoachingSession.objects.select_for_update(of=("self",))
        .select_related("rep", "coach", "completion")
        .get(pk=session.pk)
    )


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
) -> CoachingSession:
    """A coach books a session by hand: a manager for a direct report, an admin for anyone.

    The session joins the rep's active plan (opened if need be), its agenda carries the note,
    the focus skill and the commitments to go over, and the usual reminders are written.
    Raises DomainError when the coach may not coach the rep, the time has passed or is not
    aware, the length is outside 10-240 minutes, or it overlaps a session of either person.
    """
    if not can_book_session(coach, rep):
        raise DomainError("You can book sessions only with people who report to you.")
    minutes = duration_minutes or settings.COACHING_SESSION_MINUTES
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise DomainError(f"A session lasts {MIN_MINUTES} to {MAX_MINUTES} minutes.")
    _ensure_future(scheduled_for)
    calendar_lock(coach)
    _ensure_free(coach=coach, rep=rep, start=scheduled_for, minutes=minutes)
    plan = plan_for_rep(rep=rep)
    return session_create(
        plan=plan,
        rep=rep,
        coach=coach,
        scheduled_for=scheduled_for,
        duration_minutes=minutes,
        source=CoachingSession.Source.MANUAL,
        focus_skill_id=focus_skill.pk if focus_skill else None,
        agenda=agenda_build(
            rep=rep,
            source=CoachingSession.Source.MANUAL,
            skills=[focus_skill] if focus_skill else [],
            note=note,
        ),
    )


def _other_parties(actor: User, session: CoachingSession) -> list[User]:
    return [p for p in (session.coach, session.rep) if p is not None and p.pk != actor.pk]


def _ensure_scheduled(session: CoachingSession, doing: str) -> None:
    if session.status != CoachingSession.Status.SCHEDULED:
        raise Conflict(
            f"This session is {session.get_status_display().lower()}; it cannot be {doing}."
        )


@transaction.atomic
def session_reschedule(
    *, actor: User, session: CoachingSession, scheduled_for: dt.datetime
) -> CoachingSession:
    """Move a scheduled session; its pending reminders move with it, sent ones stay sent.

    The other party (both, when an admin moves it) hears of the move. A follow-up moved
    outside its window becomes late, and back inside it on time again. Raises DomainError
    when the actor may not change the session, the time has passed or overlaps another
    session, and Conflict when the session is held, missed or cancelled.
    """
    if not can_change_session(actor, session):
        raise DomainError("Only the rep, their coach or an admin can move this session.")
    _ensure_future(scheduled_for)
    session = _lock(session)
    _ensure_scheduled(session, "moved")
    if session.scheduled_for == scheduled_for:
        return session
    _ensure_free(
        coach=session.coach,
        rep=session.rep,
        start=scheduled_for,
        minutes=session.duration_minutes,
        exclude=session.pk,
    )
    previous = session.scheduled_for
    session.scheduled_for = scheduled_for
    session.sequence += 1
    completion = session.completion
    if completion is not None:
        deadline = completion.completed_at + dt.timedelta(hours=settings.COACHING_FOLLOW_UP_HOURS)
        session.late = scheduled_for > deadline
    session.save(update_fields=["scheduled_for", "late", "sequence", "updated_at"])
    team_version_bump(rep_ids=[session.rep_id])
    session_reminders_move(session=session)
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
) -> None:
    """End a scheduled (and locked) session as cancelled or missed: a change its attendees'
    calendars must see, its reminders cancelled, and ``recipients`` told."""
    session.status = status
    session.sequence += 1
    session.save(update_fields=["status", "sequence", "updated_at"])
    team_version_bump(rep_ids=[session.rep_id])
    session_reminders_cancel(session=session)
    session_notice(
        session=session, kind=notice, recipients=recipients, occasion=status, payload=payload
    )


@transaction.atomic
def session_cancel(*, actor: User, session: CoachingSession, reason: str = "") -> CoachingSession:
    """Cancel a scheduled session: its outstanding reminders are cancelled and the other
    party (both, when an admin cancels) is told, with the reason.

    Raises DomainError when the actor may not change the session, Conflict when it is not
    scheduled.
    """
    if not can_change_session(actor, session):
        raise DomainError("Only the rep, their coach or an admin can cancel this session.")
    session = _lock(session)
    _ensure_scheduled(session, "cancelled")
    _session_close(
        session,
        status=CoachingSession.Status.CANCELLED,
        notice=Reminder.Kind.SESSION_CANCELLED,
        recipients=_other_parties(actor, session),
        payload={"reason": reason.strip(), "by": actor.pk},
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


# --- holding ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ObservationIn:
    skill: Skill
    rating: int
    evidence: str
    source: str


@dataclass(frozen=True)
class _CommitmentIn:
    text: str
    skill: Skill | None
    due_date: dt.date


def _skill_id(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, Skill):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(f"{value!r} is not a skill.") from None


def _skills_by_id(ids: set[int]) -> dict[int, Skill]:
    skills = {skill.pk: skill for skill in Skill.objects.filter(pk__in=ids)}
    unknown = ids - skills.keys()
    if unknown:
        raise DomainError(f"Skill {min(unknown)} does not exist.")
    return skills


def _parse_observations(items: list[dict], skills: dict[int, Skill]) -> list[_ObservationIn]:
    parsed = []
    sources = set(Observation.Source.values)
    for number, item in enumerate(items, start=1):
        skill_id = _skill_id(item.get("skill"))
        if skill_id is None:
            raise DomainError(f"Observation {number} needs a skill.")
        rating = item.get("rating")
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise DomainError(f"Observation {number}: a rating is a whole number from 1 to 5.")
        source = item.get("source") or Observation.Source.SESSION
        if source not in sources:
            raise DomainError(f"Observation {number}: {source!r} is not a kind of observation.")
        parsed.append(
            _ObservationIn(
                skill=skills[skill_id],
                rating=rating,
                evidence=str(item.get("evidence") or "").strip(),
                source=source,
            )
        )
    return parsed


def _parse_commitments(
    items: list[dict], skills: dict[int, Skill], today: dt.date
) -> list[_CommitmentIn]:
    parsed = []
    for number, item in enumerate(items, start=1):
        text = str(item.get("text") or "").strip()
        if not text:
            raise DomainError(f"Commitment {number} needs a text.")
        due = item.get("due_date")
        if isinstance(due, str):
            try:
                due = dt.date.fromisoformat(due)
            except ValueError:
                raise DomainError(f"Commitment {number}: {due!r} is not a date.") from None
        if isinstance(due, dt.datetime) or not isinstance(due, dt.date):
            raise DomainError(f"Commitment {number} needs a due date.")
        if due < today:
            raise DomainError(f"Commitment {number}: the due date has passed.")
        skill_id = _skill_id(item.get("skill"))
        parsed.append(
            _CommitmentIn(text=text, skill=skills.get(skill_id) if skill_id else None, due_date=due)
        )
    return parsed


@transaction.atomic
def session_hold(
    *,
    actor: User,
    session: CoachingSession,
    notes: str,
    private_notes: str = "",
    observations: list[dict] | None = None,
    commitments: list[dict] | None = None,
) -> CoachingSession:
    """The coach records a session as held: notes, rubric ratings and the rep's commitments.

    ``observations``: ``[{"skill": id or Skill, "rating": 1-5, "evidence": str,
    "source": "session"|"live"|"call_review"|"role_play"}]`` (source optional).
    ``commitments``: ``[{"text": str, "skill": id or Skill or None, "due_date": date or
    "YYYY-MM-DD"}]``. Each commitment gets a reminder for the rep at 09:00 the day before it
    is due. A session marked missed may still be recorded as held (it happened after all).
    Everything is checked before anything is written. Raises DomainError when the actor is
    not the coach or an admin, a rating is outside 1-5, a skill is unknown or a due date
    has passed; Conflict when the session is held already or was cancelled.
    """
    if not can_hold_session(actor, session):
        raise DomainError("Only the session's coach or an admin can record it as held.")
    session = _lock(session)
    if session.status == CoachingSession.Status.HELD:
        raise Conflict("This session has been recorded as held already.")
    if session.status == CoachingSession.Status.CANCELLED:
        raise Conflict("This session was cancelled; it cannot be held.")
    observations, commitments = observations or [], commitments or []
    ids = {_skill_id(item.get("skill")) for item in [*observations, *commitments]}
    skills = _skills_by_id({pk for pk in ids if pk is not None})
    rep = session.rep
    observation_rows = _parse_observations(observations, skills)
    commitment_rows = _parse_commitments(
        commitments, skills, timezone.localdate(timezone=rep.tzinfo)
    )

    now = timezone.now()
    session.status = CoachingSession.Status.HELD
    session.held_at = now
    session.shared_notes = notes.strip()
    session.private_notes = private_notes.strip()
    session.sequence += 1
    session.save(
        update_fields=[
            "status",
            "held_at",
            "shared_notes",
            "private_notes",
            "sequence",
            "updated_at",
        ]
    )
    team_version_bump(rep_ids=[rep.pk])
    recorded = Observation.objects.bulk_create(
        Observation(
            rep=rep,
            observer=actor,
            session=session,
            skill=row.skill,
            rating=row.rating,
            evidence=row.evidence,
            source=row.source,
            observed_at=now,
        )
        for row in observation_rows
    )
    for observation in recorded:
        memory_from_observation(observation=observation)
    for row in commitment_rows:
        commitment = Commitment.objects.create(
            rep=rep, session=session, text=row.text, skill=row.skill, due_date=row.due_date
        )
        commitment_reminder_schedule(commitment=commitment)
    # Held: nobody needs reminding of it, nor nudging to record it.
    session_reminders_cancel(session=session, kinds=SESSION_TIMED_KINDS)
    agenda_commitments_refresh(rep=rep)
    return session


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
