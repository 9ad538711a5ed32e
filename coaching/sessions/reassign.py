"""A rep moves to another manager: their coaching moves with the reporting line (DESIGN §6).

``coaching_hand_over`` runs inside the transaction that saves the new line (``accounts.services.
user_set_manager`` sends ``manager_changed``, ``coaching.receivers`` calls this), so a failure
here leaves the rep with their former manager and nothing moved. Held sessions and their
observations stay as they are: history, which the former coach keeps reading and the new one
sees (``coaching.sessions.permissions``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.availability import availability_of
from accounts.models import User
from coaching.changes import team_version_bump
from coaching.models import CoachingPlan, CoachingSession, DeferredCoaching, Reminder
from coaching.reminders.schedule import (
    reminder_schedule,
    session_notice,
    session_reminders_hand_over,
)
from coaching.sessions.busy import busy_intervals
from coaching.sessions.plans import coach_of
from coaching.sessions.slots import (
    NoSlotFound,
    SlotRules,
    calendar_lock,
    coach_slot_find,
    working_hours_problem,
)


@dataclass
class HandOver:
    rep: User
    previous: User | None
    coach: User | None
    plan_moved: bool = False
    kept: list[CoachingSession] = field(default_factory=list)  # same time, new coach
    # Moved to the new coach's first free slot: (session, the time it had).
    moved: list[tuple[CoachingSession, dt.datetime]] = field(default_factory=list)


def _new_time(
    session: CoachingSession, *, coach: User, now: dt.datetime, rules: SlotRules
) -> dt.datetime:
    """The session's own time when the new coach is free then (no other session, inside their
    working hours), else their first free slot from that time on under the booking rules; the
    own time again when nothing is free for weeks (the coach moves it by hand, as with a
    follow-up that found no slot)."""
    start, end = session.scheduled_for, session.ends_at
    if start <= now:
        return start  # under way or waiting to be recorded: it happened then
    clashes = busy_intervals(people=[coach], start=start, end=end, exclude=session.pk)
    if not clashes and not working_hours_problem(
        start=start, end=end, availability=availability_of([coach])[coach.pk]
    ):
        return start
    # The search starts a lead time after ``after``: at the session's own time, or a lead time
    # from now when that is sooner.
    after = max(now, start - rules.lead)
    try:
        return coach_slot_find(coach=coach, rep=session.rep, after=after, rules=rules).start
    except NoSlotFound:
        return start


def _follow_up_late(session: CoachingSession) -> bool:
    """Whether a follow-up at its new time is past its window (as when a coach moves it)."""
    completion = session.completion
    if completion is None:
        return session.late
    deadline = completion.completed_at + dt.timedelta(hours=settings.COACHING_FOLLOW_UP_HOURS)
    return session.scheduled_for > deadline


def _session_hand_over(
    session: CoachingSession, *, coach: User | None, now: dt.datetime, rules: SlotRules
) -> dt.datetime | None:
    """Give one scheduled session to ``coach``; the time it had when it moved, else None."""
    previous_coach = session.coach
    previous_time = session.scheduled_for
    new_time = _new_time(session, coach=coach, now=now, rules=rules) if coach else previous_time
    session.coach = coach
    if new_time != previous_time:
        session.scheduled_for = new_time
        session.late = _follow_up_late(session)
    session.sequence += 1  # the attendees changed: calendars must replace the event
    session.save(update_fields=["coach", "scheduled_for", "late", "sequence", "updated_at"])
    session_reminders_hand_over(session=session, previous=previous_coach)
    calendar = {"calendar_invite": True}
    occasion = f"handover:{session.sequence}"
    if coach is not None:
        session_notice(
            session=session,
            kind=Reminder.Kind.SESSION_BOOKED,
            recipients=[coach],
            occasion=occasion,
            payload=calendar,
        )
    if previous_coach is not None:
        # The invite cancels the event in the former coach's calendar; the words say why.
        session_notice(
            session=session,
            kind=Reminder.Kind.SESSION_CANCELLED,
            recipients=[previous_coach],
            occasion=occasion,
            payload={**calendar, "handed_to": str(coach) if coach else ""},
        )
    if new_time == previous_time:
        return None
    session_notice(
        session=session,
        kind=Reminder.Kind.SESSION_RESCHEDULED,
        recipients=[session.rep],
        occasion=occasion,
        payload={**calendar, "previous": previous_time.isoformat()},
    )
    return previous_time


def _tell(hand_over: HandOver, *, actor: User | None, now: dt.datetime) -> None:
    """One notice each to the rep, the former and the new coach (never to whoever moved them)."""
    rep, previous, coach = hand_over.rep, hand_over.previous, hand_over.coach
    payload = {
        "rep": rep.pk,
        "rep_name": str(rep),
        "previous": previous.pk if previous else None,
        "previous_name": str(previous) if previous else "",
        "coach": coach.pk if coach else None,
        "coach_name": str(coach) if coach else "",
        "plan_moved": hand_over.plan_moved,
        "kept": len(hand_over.kept),
        "moved": [
            {"from": before.isoformat(), "to": session.scheduled_for.isoformat()}
            for session, before in hand_over.moved
        ],
    }
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S.%f")
    for person in (rep, previous, coach):
        if person is None or (actor is not None and person.pk == actor.pk):
            continue
        reminder_schedule(
            recipient=person,
            kind=Reminder.Kind.COACH_CHANGED,
            due_at=now,
            key=f"coach_changed:{rep.pk}:{stamp}",
            payload=payload,
        )


@transaction.atomic
def coaching_hand_over(*, rep: User, previous: User | None, actor: User | None = None) -> HandOver:
    """Move ``rep``'s coaching to their current manager (``rep.manager``, saved already).

    The active plan takes the new coach. Every scheduled session does too: one still to come
    keeps its time when the new coach is free then, inside their working hours, and otherwise
    moves to the new coach's first free slot from that time on (``slots``, ``busy``: the
    booking rules); one under way or
    waiting to be recorded keeps its time, for the new coach to record. The former coach's
    pending reminders of those sessions go to the new coach. Held, missed and cancelled
    sessions, observations and commitments stay as they are. Rep, former and new coach are
    told in-app and by email; calendar invites add the sessions to the new coach's calendar,
    remove them from the former's and move the rep's where the time changed. With no manager
    now, the sessions wait without a coach, for an admin.
    """
    now = timezone.now()
    coach = coach_of(rep)
    hand_over = HandOver(rep=rep, previous=previous, coach=coach)
    if coach is not None:
        calendar_lock(coach)
    plans = CoachingPlan.objects.active().filter(rep=rep)
    hand_over.plan_moved = plans.update(coach=coach) > 0
    # What the former coach's budget deferred for the rep is the new coach's to weigh now; with
    # no manager, no one's (DESIGN §13).
    deferred = DeferredCoaching.objects.filter(rep=rep, status=DeferredCoaching.Status.WAITING)
    if coach is not None:
        deferred.update(coach=coach)
    else:
        deferred.update(status=DeferredCoaching.Status.EXPIRED, resolved_at=now)
    sessions = (
        CoachingSession.objects.scheduled()
        .filter(rep=rep)
        # Peer practice is led by the mentor, not the manager: it stays as it is.
        .exclude(source=CoachingSession.Source.PEER)
        .select_for_update(of=("self",))
        .select_related("rep", "coach", "completion", "module")
        .order_by("scheduled_for", "pk")
    )
    rules = SlotRules.from_settings()
    for session in sessions:
        if session.coach_id == (coach.pk if coach else None):
            continue
        before = _session_hand_over(session, coach=coach, now=now, rules=rules)
        if before is None:
            hand_over.kept.append(session)
        else:
            hand_over.moved.append((session, before))
    team_version_bump(rep_ids=[rep.pk])
    _tell(hand_over, actor=actor, now=now)
    return hand_over
