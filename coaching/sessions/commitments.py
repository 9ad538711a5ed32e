"""Commitments: what a rep promised at a session, kept or missed, and reviewed by the coach."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from coaching.changes import team_version_bump
from coaching.models import Commitment, Reminder
from coaching.reminders.schedule import reminder_schedule, reminders_cancel, reminders_restore
from coaching.sessions.agenda import agenda_commitments_refresh
from coaching.sessions.permissions import (
    can_mark_commitment_kept,
    can_review_commitment,
    can_undo_commitment_kept,
)
from coaching.sessions.plans import coach_of
from config.errors import Conflict, DomainError

# A commitment is reminded of at this hour, in the rep's time zone, the day before it is due.
COMMITMENT_REMINDER_HOUR = 9


def _lock(commitment: Commitment) -> Commitment:
    # of=self: the session and its coach are outer joins, which PostgreSQL will not lock.
    return (
        Commitment.objects.select_for_update(of=("self",))
        .select_related("rep__manager", "session__coach")
        .get(pk=commitment.pk)
    )


def _resolve(commitment: Commitment, status: str, note: str | None = None) -> None:
    commitment.status = status
    commitment.resolved_at = None if status == Commitment.Status.OPEN else timezone.now()
    fields = ["status", "resolved_at"]
    if note is not None:
        commitment.note = note.strip()
        fields.append("note")
    commitment.save(update_fields=fields)
    team_version_bump(rep_ids=[commitment.rep_id])
    if status != Commitment.Status.OPEN:
        # Resolved: a reminder that it is due would be noise now.
        reminders_cancel(reminders=commitment.reminders.filter(kind=Reminder.Kind.COMMITMENT_DUE))


def commitment_due_at(*, commitment: Commitment, rep: User) -> dt.datetime:
    """09:00 in the rep's time zone on the day before the commitment is due, and never in
    the past (a commitment due tomorrow, made in the afternoon, is reminded of at once)."""
    day = commitment.due_date - dt.timedelta(days=1)
    local = dt.datetime.combine(day, dt.time(COMMITMENT_REMINDER_HOUR), tzinfo=rep.tzinfo)
    return max(local.astimezone(dt.UTC), timezone.now())


def commitment_reminder_schedule(*, commitment: Commitment) -> None:
    """The rep's reminder that a commitment falls due, written when the commitment is made."""
    reminder_schedule(
        recipient=commitment.rep,
        kind=Reminder.Kind.COMMITMENT_DUE,
        due_at=commitment_due_at(commitment=commitment, rep=commitment.rep),
        key=f"commitment:{commitment.pk}:due",
        commitment=commitment,
        payload={"due_date": commitment.due_date.isoformat()},
    )


def commitment_coach(commitment: Commitment) -> User | None:
    """Who follows the commitment up: the coach of its session, else the rep's coach."""
    session = commitment.session
    if session is not None and session.coach is not None:
        return session.coach
    return coach_of(commitment.rep)


@transaction.atomic
def commitment_mark_kept(*, rep: User, commitment: Commitment, note: str = "") -> Commitment:
    """The rep ticks off a commitment they kept, with an optional note on how it went.

    Raises DomainError when someone other than the rep tries, Conflict when it is no longer
    open (kept already, or marked missed).
    """
    if not can_mark_commitment_kept(rep, commitment):
        raise DomainError("Only the rep can mark their commitment kept.")
    commitment = _lock(commitment)
    if commitment.status != Commitment.Status.OPEN:
        raise Conflict(f"This commitment is {commitment.get_status_display().lower()} already.")
    _resolve(commitment, Commitment.Status.KEPT, note)
    agenda_commitments_refresh(rep=commitment.rep)
    return commitment


@transaction.atomic
def commitment_undo_kept(
    *, actor: User, commitment: Commitment, now: dt.datetime | None = None
) -> Commitment:
    """Set a commitment marked kept open again, within a day of the marking
    (``Commitment.kept_undo_until``): the rep or their coach took it for done too soon. The
    note on how it went goes with the mark, and the reminder that it falls due comes back.

    Raises DomainError when the actor is neither the rep nor someone who reviews the
    commitment, Conflict when it is not kept or the day has passed.
    """
    if not can_undo_commitment_kept(actor, commitment):
        raise DomainError("Only the rep or their coach can undo marking this commitment kept.")
    commitment = _lock(commitment)
    if commitment.status != Commitment.Status.KEPT:
        raise Conflict(f"This commitment is {commitment.get_status_display().lower()}, not kept.")
    until = commitment.kept_undo_until
    if until is None or (now or timezone.now()) >= until:
        raise Conflict("Marking a commitment kept can be undone only within a day; this stands.")
    _resolve(commitment, Commitment.Status.OPEN, note="")
    reminders_restore(
        reminders=commitment.reminders.filter(kind=Reminder.Kind.COMMITMENT_DUE),
        due_at=commitment_due_at(commitment=commitment, rep=commitment.rep),
    )
    agenda_commitments_refresh(rep=commitment.rep)
    return commitment


@transaction.atomic
def commitments_mark_missed(*, today: dt.date | None = None) -> int:
    """Mark missed every open commitment due before ``today``; tell the rep and the coach.

    Each missed commitment joins the agenda of the rep's next session. Returns how many it
    marked; running it again marks nothing twice.
    """
    today = today or timezone.localdate()
    overdue = list(
        Commitment.objects.open()
        .filter(due_date__lt=today)
        .select_for_update(of=("self",))
        .select_related("rep__manager", "session__coach")
    )
    reps: dict[int, User] = {}
    for commitment in overdue:
        _resolve(commitment, Commitment.Status.MISSED)
        coach = commitment_coach(commitment)
        for person in (commitment.rep, coach):
            if person is None:
                continue
            reminder_schedule(
                recipient=person,
                kind=Reminder.Kind.COMMITMENT_MISSED,
                due_at=timezone.now(),
                key=f"commitment:{commitment.pk}:missed",
                commitment=commitment,
                payload={"due_date": commitment.due_date.isoformat()},
            )
        reps[commitment.rep_id] = commitment.rep
    for rep in reps.values():
        agenda_commitments_refresh(rep=rep)
    return len(overdue)


@transaction.atomic
def commitment_review(*, actor: User, commitment: Commitment, status: str) -> Commitment:
    """The coach settles a commitment's outcome: kept, missed, or open again.

    Raises DomainError when the actor is not the coach of its session, the rep's manager or
    an admin, or the status is not one of open, kept, missed.
    """
    if status not in Commitment.Status.values:
        raise DomainError(f"{status!r} is not a commitment status.")
    commitment = _lock(commitment)
    if not can_review_commitment(actor, commitment):
        raise DomainError("Only the rep's coach or an admin can review this commitment.")
    if commitment.status != status:
        _resolve(commitment, status)
        agenda_commitments_refresh(rep=commitment.rep)
    return commitment
