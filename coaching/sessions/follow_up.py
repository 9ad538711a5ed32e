"""The follow-up: every completed module books a coaching session with an agenda (DESIGN §5).

``follow_up_book`` runs inside the transaction that records the completion (through the
``module_completed`` receiver), so a rolled-back completion leaves no session, no reminder
and nothing enqueued behind it. The coach's weekly coaching budget (``coaching.sessions.budget``)
decides the week: the first week the follow-up window reaches with room; when every such week
is full, the follow-up is written as a ``DeferredCoaching`` with the reason and an alternative,
listed on the coach's dashboard, instead of a session.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import IntegrityError, transaction

from accounts.models import User
from coaching.models import CoachingSession, DeferredCoaching
from coaching.sessions.agenda import agenda_build, quiz_misses
from coaching.sessions.booking import session_create_in_slot
from coaching.sessions.budget import (
    Demand,
    budget_allocate,
    budget_minutes_of,
    deferred_record,
    room_of,
    week_slots,
)
from coaching.sessions.plans import plan_for_rep
from coaching.sessions.slots import (
    NoSlotFound,
    Pair,
    Slot,
    SlotRules,
    calendar_lock,
    pair_load,
    slot_find,
    slots_find,
    without_time_off,
)
from lms.models import Module, ModuleCompletion, QuizAttempt


def _follow_up_slot(*, pair: Pair, after: dt.datetime, rules: SlotRules) -> Slot:
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


def _budgeted_slot(
    *, coach: User, rep: User, after: dt.datetime, rules: SlotRules, demand: Demand
) -> tuple[Slot | None, str, dt.date]:
    """The slot in the first week the window reaches with room in ``coach``'s budget, or
    None with the ranking rule's reason and the week that was full (``budget_allocate``)."""
    pair = pair_load(coach=coach, rep=rep, after=after, rules=rules)
    found = week_slots(
        slots=slots_find(
            after=after, people=pair.people, sessions_per_day=pair.sessions_per_day, rules=rules
        ),
        tz=coach.tzinfo,
    )
    if not found.first:
        late = _follow_up_slot(pair=pair, after=after, rules=rules)
        found = week_slots(slots=[], tz=coach.tzinfo, fallback=late)
        demand = dataclasses.replace(demand, in_window=False)
    (decision,) = budget_allocate(
        items=[demand],
        room=room_of(manager=coach, weeks=found.weeks),
        weeks_of={demand.key: found.weeks},
        budget_minutes=budget_minutes_of(coach),
    )
    if decision.week_start is not None:
        return found.first[decision.week_start], decision.reason, decision.week_start
    return None, decision.reason, found.weeks[0]


# No savepoint of its own: what it raises ends the completing transaction (no caller catches it
# to carry on), so a savepoint would add two round trips to every completing submit for nothing.
@transaction.atomic(savepoint=False)
def follow_up_book(
    *, completion: ModuleCompletion, attempt: QuizAttempt | None = None
) -> CoachingSession | DeferredCoaching:
    """Book the coaching follow-up of a completed module; the same outcome on every call.

    Finds or opens the rep's active plan (coach: their manager), books the first slot free
    for both (``slots``: their working hours, time off, sessions and calendars; or, for a rep
    with no manager, a session with no coach in the rep's own hours, which admins see),
    writes the agenda and the reminders: booking notices with a calendar invite, 24 h and
    1 h before, the coach's hold-overdue nudge. ``attempt`` is the quiz attempt that
    completed the module, if any. The rep's first reinforcement follows from the skill memory
    this completion feeds, once forecast recall dips below target
    (``coaching.skills.refreshers``).

    When the coach's budget is full in every week the follow-up window reaches, no session is
    booked: the follow-up is recorded as a ``DeferredCoaching`` (returned) with the rule's
    reason and an alternative, for the coach to pull into the week or meet another way.
    """
    # One read says whether this completion already has its session, or its deferral.
    done = (
        ModuleCompletion.objects.filter(pk=completion.pk)
        .values_list("follow_up_session", "deferred_follow_up")
        .first()
    )
    if done and done[0] is not None:
        return CoachingSession.objects.get(pk=done[0])
    if done and done[1] is not None:
        return DeferredCoaching.objects.get(pk=done[1])
    return _follow_up_make(
        completion=completion, attempt=attempt, after=completion.completed_at, budgeted=True
    )


@transaction.atomic
def follow_up_pull(*, completion: ModuleCompletion, now: dt.datetime) -> CoachingSession:
    """Book a deferred follow-up now, by the manager's choice: the first slot free for both
    from ``now`` by the same slot rules, over the budget. Its session if it already has one."""
    existing = CoachingSession.objects.filter(completion=completion).first()
    if existing is not None:
        return existing
    session = _follow_up_make(completion=completion, attempt=None, after=now, budgeted=False)
    if not isinstance(session, CoachingSession):  # unbudgeted, it is always a session
        raise TypeError("A follow-up pulled into the week books a session.")
    return session


def _follow_up_make(
    *,
    completion: ModuleCompletion,
    attempt: QuizAttempt | None,
    after: dt.datetime,
    budgeted: bool,
) -> CoachingSession | DeferredCoaching:
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
    if coach is None or not budgeted:
        pair = pair_load(coach=coach, rep=rep, after=after, rules=rules)
        slot = _follow_up_slot(pair=pair, after=after, rules=rules)
    else:
        demand = Demand(
            kind=DeferredCoaching.Kind.FOLLOW_UP,
            rep_id=rep.pk,
            rep_name=str(rep),
            skill_id=focus.id if focus else None,
            skill_name=focus.name if focus else module.title,
            minutes=rules.session_minutes,
            due=after + rules.lead + rules.window,
        )
        found, reason, week = _budgeted_slot(
            coach=coach, rep=rep, after=after, rules=rules, demand=demand
        )
        if found is None:
            return deferred_record(
                coach=coach,
                rep=rep,
                kind=DeferredCoaching.Kind.FOLLOW_UP,
                week_start=week,
                reason=reason,
                skill_id=focus.id if focus else None,
                skill_name=focus.name if focus else "",
                module=module,
                completion=completion,
            )
        slot = found
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
