"""Demo of today (DESIGN §10): what the demo people find waiting on their first page load.

The history (``coaching.demo.history``) ends in the past; this adds what is due now, so each
feature shows before any beat or worker has run:

- maria's session with john that started earlier today and is not recorded yet: she can hold
  it at once (and the dashboard lists it once it has ended);
- refreshers due now for the reps whose skills the history left fading (sheila's prospecting,
  nina's): opened by the same service the beat runs, then made due at once rather than at the
  start of the rep's working day.

Idempotent: the session is booked only with john's history, and a skill never gets a second
pending refresher.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from coaching.models import CoachingSession, Reinforcement, Reminder
from coaching.sessions.agenda import agenda_build
from coaching.sessions.booking import session_create
from coaching.sessions.plans import plan_for_rep
from coaching.skills.refreshers import reinforcements_due
from lms.models import Skill

# The session to hold today: who, on what, and how long ago it started.
TODAY_COACH, TODAY_REP, TODAY_SKILL = "maria", "john", "closing"
TODAY_STARTED_AGO = dt.timedelta(minutes=45)
TODAY_MINUTES = 30
TODAY_NOTE = "Call review: the close on Tuesday's call with Northwind."


def _start_today(*, coach: User, now: dt.datetime) -> dt.datetime:
    """A while ago, but today in the coach's time zone (seeding just after midnight)."""
    local = now.astimezone(coach.tzinfo)
    midnight = dt.datetime.combine(local.date(), dt.time(), tzinfo=coach.tzinfo)
    return max(now - TODAY_STARTED_AGO, midnight.astimezone(dt.UTC))


def _session_to_hold(*, coach: User, rep: User, now: dt.datetime) -> CoachingSession:
    skill = Skill.objects.filter(slug=TODAY_SKILL).first()
    skills = [skill] if skill else []
    return session_create(
        plan=plan_for_rep(rep=rep),
        rep=rep,
        coach=coach,
        scheduled_for=_start_today(coach=coach, now=now),
        duration_minutes=TODAY_MINUTES,
        source=CoachingSession.Source.MANUAL,
        agenda=agenda_build(
            rep=rep, source=CoachingSession.Source.MANUAL, skills=skills, note=TODAY_NOTE
        ),
        focus_skill_id=skill.pk if skill else None,
        booked_by=coach,
    )


def _refreshers_due_now(*, now: dt.datetime) -> list[Reinforcement]:
    opened = reinforcements_due(now=now)
    for reinforcement in opened:
        if reinforcement.due_at <= now:
            continue
        Reinforcement.objects.filter(pk=reinforcement.pk).update(due_at=now)
        Reminder.objects.filter(
            kind=Reminder.Kind.REINFORCEMENT_DUE,
            status=Reminder.Status.PENDING,
            dedupe_key__startswith=f"reinforcement:{reinforcement.pk}:",
        ).update(due_at=now)
    return opened


@transaction.atomic
def demo_today_seed(people: dict[str, User], *, fresh: set[str]) -> dict[str, int]:
    """Add today's demo: ``fresh`` names the reps whose history was seeded just now. Returns
    how many sessions to hold and refreshers it opened."""
    now = timezone.now()
    coach, rep = people.get(TODAY_COACH), people.get(TODAY_REP)
    sessions = 0
    if coach is not None and rep is not None and TODAY_REP in fresh:
        _session_to_hold(coach=coach, rep=rep, now=now)
        sessions = 1
    return {"sessions": sessions, "refreshers": len(_refreshers_due_now(now=now))}
