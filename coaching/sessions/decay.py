"""Coaching on decay: booking a session on a skill that is fading despite reinforcement.

Which (rep, skill) calls for it is ``coaching.skills.decay``'s rule. A session is proposed at
the first slot free for coach and rep by the booking rules (both people's working hours,
time off and busy times, the coach's daily cap: a full calendar means no proposal until a
later run), with source "decay", the skill as focus and the reason on its agenda; at most
one per rep a run. The coach's weekly coaching budget (``coaching.sessions.budget``) ranks a
run's fading skills per coach, the middle of the team first, and books them in that order
while a week the window reaches has room; the rest are written as ``DeferredCoaching`` with
the rule's reason and an alternative (peer practice or refreshers), listed once while they wait.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from coaching.models import CoachingSession, DeferredCoaching
from coaching.models.agenda import DecayFacts
from coaching.sessions.agenda import agenda_build, refresher_misses
from coaching.sessions.booking import session_create_in_slot
from coaching.sessions.budget import (
    Demand,
    WeekSlots,
    budget_minutes_of,
    budget_place,
    deferred_record,
    demand_rank,
    room_of,
    week_slots,
)
from coaching.sessions.plans import plan_for_rep
from coaching.sessions.slots import SlotRules, calendar_lock, pair_load, slots_find
from coaching.skills.decay import DecayTrigger, decay_triggers
from coaching.skills.refreshers import (
    latest_completed,
    reinforcements_due,
    reinforcements_expire,
    teaching_modules,
)
from coaching.skills.standing import skill_standings
from lms.models import Module, Skill

logger = logging.getLogger(__name__)


def _focus_module(*, rep: User, skill: Skill) -> Module | None:
    """The module behind the session: the rep's latest completed one on the skill, or the first."""
    return latest_completed(rep=rep, modules=teaching_modules(skill=skill))


def _decay_rules() -> SlotRules:
    # Fading skills are not as urgent as a fresh completion: a wider window before "late".
    return dataclasses.replace(
        SlotRules.from_settings(),
        window=dt.timedelta(hours=settings.DECAY_COACHING_WINDOW_HOURS),
    )


def decay_demand(*, trigger: DecayTrigger, now: dt.datetime, standing=None) -> Demand:
    """The trigger as a call on the coach's time, for the budget's ranking."""
    return Demand(
        kind=DeferredCoaching.Kind.DECAY,
        rep_id=trigger.rep.pk,
        rep_name=str(trigger.rep),
        skill_id=trigger.skill.pk,
        skill_name=trigger.skill.name,
        minutes=settings.COACHING_SESSION_MINUTES,
        due=now,
        recall=trigger.recall,
        stage=standing.stage if standing is not None else None,
        application=standing.summary.score if standing is not None else None,
    )


def decay_session_book(
    *,
    trigger: DecayTrigger,
    now: dt.datetime,
    demand: Demand | None = None,
    rank: tuple[int, int] = (1, 1),
    budgeted: bool = True,
) -> CoachingSession | DeferredCoaching | None:
    """Book the session for one trigger in the first week its window reaches with room in the
    coach's budget; with none, record it as deferred (``rank``: its place among the run's
    fading skills for this coach, ``demand`` as ranked). None when the coach has no free slot
    in reach at all (a later run tries again) or a session on the skill is already booked.
    ``budgeted`` False books the first slot over the budget: the manager pulled it in."""
    with transaction.atomic():
        rep, skill = trigger.rep, trigger.skill
        plan = plan_for_rep(rep=rep)
        coach = plan.coach
        # One booking at a time per calendar, as the follow-up does, so two never share a slot.
        calendar_lock(coach or rep)
        if CoachingSession.objects.scheduled().filter(rep=rep, focus_skill=skill).exists():
            return None
        rules = _decay_rules()
        pair = pair_load(coach=coach, rep=rep, after=now, rules=rules)
        slots = slots_find(
            after=now, people=pair.people, sessions_per_day=pair.sessions_per_day, rules=rules
        )
        first = next(slots, None)
        if first is None:
            logger.info("No slot for decay coaching of rep %s on skill %s", rep.pk, skill.pk)
            return None
        if coach is None or not budgeted:
            slot = first
        else:
            found = week_slots(
                slots=itertools.chain([first], slots), tz=coach.tzinfo, fallback=first
            )
            demand = demand or decay_demand(trigger=trigger, now=now)
            decision = budget_place(
                item=demand,
                rank=rank[0],
                of=rank[1],
                weeks=found.weeks,
                room=room_of(manager=coach, weeks=found.weeks),
                budget_minutes=budget_minutes_of(coach),
            )
            if decision.week_start is None:
                return _deferred(trigger=trigger, coach=coach, reason=decision.reason, week=found)
            slot = found.first[decision.week_start]
        module = _focus_module(rep=rep, skill=skill)
        agenda = agenda_build(
            rep=rep,
            source=CoachingSession.Source.DECAY,
            skills=[skill],
            module=module,
            missed=refresher_misses(rep=rep, skill=skill),
            reason=trigger.reason,
            decay=DecayFacts(recall=round(trigger.recall, 3), missed_reinforcements=trigger.missed),
        )
        session = session_create_in_slot(
            plan=plan,
            rep=rep,
            slot=slot,
            rules=rules,
            source=CoachingSession.Source.DECAY,
            agenda=agenda,
            module=module,
            focus_skill_id=skill.pk,
        )
    return session


def _deferred(
    *, trigger: DecayTrigger, coach: User, reason: str, week: WeekSlots
) -> DeferredCoaching:
    return deferred_record(
        coach=coach,
        rep=trigger.rep,
        kind=DeferredCoaching.Kind.DECAY,
        week_start=week.weeks[0],
        reason=reason,
        skill_id=trigger.skill.pk,
        skill_name=trigger.skill.name,
        module=_focus_module(rep=trigger.rep, skill=trigger.skill),
    )


def decay_coaching_run(
    *, now: dt.datetime | None = None
) -> tuple[list[CoachingSession], list[DeferredCoaching]]:
    """Rank this run's fading skills per coach by the budget's rule and book them in that
    order: what finds no room in the coach's weeks is deferred, with the reason. A fading skill
    already waiting as deferred, or set aside as met another way within
    ``DECAY_COACHING_COOLDOWN_DAYS``, is not ranked again. Each booking is its own transaction."""
    now = now or timezone.now()
    # Waiting already, or met another way lately (the cooldown a decay session has).
    cooldown = now - dt.timedelta(days=settings.DECAY_COACHING_COOLDOWN_DAYS)
    waiting = set(
        DeferredCoaching.objects.filter(kind=DeferredCoaching.Kind.DECAY)
        .filter(
            Q(status=DeferredCoaching.Status.WAITING)
            | Q(status=DeferredCoaching.Status.RESOLVED, resolved_at__gte=cooldown)
        )
        .values_list("rep_id", "skill_id")
    )
    triggers = [t for t in decay_triggers(now=now) if (t.rep.pk, t.skill.pk) not in waiting]
    if not triggers:
        return [], []
    standings = skill_standings(
        rep_ids={t.rep.pk for t in triggers}, skill_ids={t.skill.pk for t in triggers}, now=now
    )
    by_coach: dict[int | None, list[tuple[Demand, DecayTrigger]]] = defaultdict(list)
    for trigger in triggers:
        demand = decay_demand(
            trigger=trigger, now=now, standing=standings.get((trigger.rep.pk, trigger.skill.pk))
        )
        by_coach[trigger.rep.manager_id].append((demand, trigger))
    sessions: list[CoachingSession] = []
    deferred: list[DeferredCoaching] = []
    for pairs in by_coach.values():
        of_demand = {demand.key: trigger for demand, trigger in pairs}
        ranked = demand_rank(demand for demand, _ in pairs)
        for rank, demand in enumerate(ranked, start=1):
            outcome = decay_session_book(
                trigger=of_demand[demand.key], now=now, demand=demand, rank=(rank, len(ranked))
            )
            if isinstance(outcome, CoachingSession):
                sessions.append(outcome)
            elif isinstance(outcome, DeferredCoaching):
                deferred.append(outcome)
    return sessions, deferred


def decay_coaching_propose(*, now: dt.datetime | None = None) -> list[CoachingSession]:
    """Propose a coaching session for each rep with a skill that is fading (see the module doc);
    the sessions booked (``decay_coaching_run`` also says what was deferred).

    Each booking is its own transaction, so one rep's failure does not undo another's.
    Running it again at once books nothing more.
    """
    sessions, _deferred_items = decay_coaching_run(now=now)
    return sessions


def skill_upkeep_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic pass over skill memory, in order: close expired reinforcements (they count
    as misses), open the ones now due, then propose coaching where a skill is fading."""
    now = now or timezone.now()
    expired = reinforcements_expire(now=now)
    opened = reinforcements_due(now=now)
    proposed = decay_coaching_propose(now=now)
    return {"expired": expired, "opened": len(opened), "proposed": len(proposed)}
