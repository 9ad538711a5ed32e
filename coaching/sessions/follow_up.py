"""The follow-up: every completed module books a coaching session with an agenda (DESIGN §5).

``follow_up_book`` runs inside the transaction that records the completion (through the
``module_completed`` receiver), so a rolled-back completion leaves no session, no reminder
and nothing enqueued behind it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import IntegrityError, transaction

from accounts.models import User
from coaching.models import CoachingSession
from coaching.sessions.agenda import agenda_build, quiz_misses
from coaching.sessions.booking import session_create_in_slot
from coaching.sessions.plans import plan_for_rep
from coaching.sessions.slots import (
    NoSlotFound,
    Slot,
    SlotRules,
    calendar_lock,
    pair_load,
    slot_find,
    without_time_off,
)
from lms.models import Module, ModuleCompletion, QuizAttempt


def _follow_up_slot(*, coach: User | None, rep: User, after: dt.datetime, rules: SlotRules) -> Slot:
    pair = pair_load(coach=coach, rep=rep, after=after, rules=rules)
    try:
        return slot_find(
            after=after, people=pair.people, sessions_per_day=pair.sessions_per_day, rules=rules
        )
    except NoSlotFound:
        pass
    # Booked solid for weeks, away for as long, or hours that never meet: double-book the
    # first working slot (of both, else of the coach alone), flagged late, rather than drop
    # the follow-up. The coach moves it.
    idle = [dataclasses.replace(person, busy=()) for person in pair.people]
    present = [without_time_off(person) for person in idle]
    for people in (idle, present, present[:1]):
        try:
            first = slot_find(after=after, people=people, sessions_per_day={}, rules=rules)
        except NoSlotFound:
            continue
        return Slot(start=first.start, late=True)
    raise NoSlotFound("No working hours in the coming weeks; book one by hand.")


@transaction.atomic
def follow_up_book(
    *, completion: ModuleCompletion, attempt: QuizAttempt | None = None
) -> CoachingSession:
    """Book the coaching follow-up of a completed module; the same session on every call.

    Finds or opens the rep's active plan (coach: their manager), books the first slot free
    for both (``slots``: their working hours, time off, sessions and calendars; or, for a rep
    with no manager, a session with no coach in the rep's own hours, which admins see),
    writes the agenda and the reminders: booking notices with a calendar invite, 24 h and
    1 h before, the coach's hold-overdue nudge. ``attempt`` is the quiz attempt that
    completed the module, if any. The rep's first reinforcement follows from the skill memory
    this completion feeds, once forecast recall dips below target
    (``coaching.skills.refreshers``).
    """
    existing = CoachingSession.objects.filter(completion=completion).first()
    if existing is not None:
        return existing
    rep = completion.user
    # The completing submit hands over the module with its course loaded; others load it here.
    if ModuleCompletion.module.is_cached(completion) and Module.course.is_cached(completion.module):
        module = completion.module
    else:
        module = Module.objects.select_related("course").get(pk=completion.module_id)
    skills = list(module.skills.all())
    plan = plan_for_rep(rep=rep, focus_skills=skills)
    coach = plan.coach
    calendar_lock(coach or rep)
    rules = SlotRules.from_settings()
    slot = _follow_up_slot(coach=coach, rep=rep, after=completion.completed_at, rules=rules)
    score = attempt.score if attempt is not None and attempt.score is not None else completion.score
    agenda = agenda_build(
        rep=rep,
        source=CoachingSession.Source.AFTER_TRAINING,
        skills=skills,
        module=module,
        score=score,
        missed=quiz_misses(rep=rep, module=module),
    )
    # The first skill the rep got wrong, else the module's first.
    focus = next(iter([*agenda.missed_skills, *agenda.skills]), None)
    try:
        with transaction.atomic():
            session = session_create_in_slot(
                plan=plan,
                rep=rep,
                slot=slot,
                rules=rules,
                source=CoachingSession.Source.AFTER_TRAINING,
                agenda=agenda,
                module=module,
                focus_skill_id=focus.id if focus else None,
                completion=completion,
            )
    except IntegrityError:
        # A concurrent call booked it first; the one-to-one on completion keeps it single.
        return CoachingSession.objects.get(completion=completion)
    return session
