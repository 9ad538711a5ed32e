"""The one place a coaching session comes into being: the row and its reminders together.

Callers (the follow-up, a manager booking by hand, decay coaching) choose the time under
``slots.calendar_lock`` and build the agenda; every booked session then gets the same
reminder set, whoever booked it.
"""

from __future__ import annotations

import datetime as dt

from accounts.models import User
from coaching.changes import team_version_bump
from coaching.models import CoachingPlan, CoachingSession
from coaching.models.agenda import Agenda
from coaching.reminders.schedule import session_reminders_schedule
from coaching.sessions.slots import Slot, SlotRules
from lms.models import Module, ModuleCompletion


def session_create(
    *,
    plan: CoachingPlan,
    rep: User,
    coach: User | None,
    scheduled_for: dt.datetime,
    duration_minutes: int,
    source: str,
    agenda: Agenda,
    late: bool = False,
    module: Module | None = None,
    focus_skill_id: int | None = None,
    completion: ModuleCompletion | None = None,
) -> CoachingSession:
    session = CoachingSession.objects.create(
        plan=plan,
        rep=rep,
        coach=coach,
        scheduled_for=scheduled_for,
        duration_minutes=duration_minutes,
        source=source,
        agenda=agenda.to_json(),
        late=late,
        module=module,
        focus_skill_id=focus_skill_id,
        completion=completion,
    )
    session_reminders_schedule(session=session)
    team_version_bump(rep_ids=[rep.pk])
    return session


def session_create_in_slot(
    *,
    plan: CoachingPlan,
    rep: User,
    slot: Slot,
    rules: SlotRules,
    source: str,
    agenda: Agenda,
    module: Module | None,
    focus_skill_id: int | None,
    completion: ModuleCompletion | None = None,
) -> CoachingSession:
    """A session at a slot the search found under ``rules``: led by the plan's coach, as long
    as the rules say, late when the slot fell past the window."""
    return session_create(
        plan=plan,
        rep=rep,
        coach=plan.coach,
        scheduled_for=slot.start,
        duration_minutes=rules.session_minutes,
        late=slot.late,
        source=source,
        agenda=agenda,
        module=module,
        focus_skill_id=focus_skill_id,
        completion=completion,
    )
