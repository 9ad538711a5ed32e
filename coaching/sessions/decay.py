"""Coaching on decay: booking a session on a skill that is fading despite reinforcement.

Which (rep, skill) calls for it is ``coaching.skills.decay``'s rule. A session is proposed at
the first slot free for coach and rep by the booking rules (both people's working hours,
time off and busy times, the coach's daily cap: a full calendar means no proposal until a
later run), with source "decay", the skill as focus and the reason on its agenda; at most
one per rep a run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from coaching.models import CoachingSession
from coaching.models.agenda import DecayFacts
from coaching.sessions.agenda import agenda_build, refresher_misses
from coaching.sessions.booking import session_create_in_slot
from coaching.sessions.plans import plan_for_rep
from coaching.sessions.slots import NoSlotFound, SlotRules, calendar_lock, coach_slot_find
from coaching.skills.decay import DecayTrigger, decay_triggers
from coaching.skills.refreshers import reinforcements_due, reinforcements_expire, teaching_modules
from lms.models import Module, ModuleCompletion, Skill

logger = logging.getLogger(__name__)


def _focus_module(*, rep: User, skill: Skill) -> Module | None:
    """The module behind the session: the rep's latest completed one on the skill, or the first."""
    modules = teaching_modules(skill=skill)
    if not modules:
        return None
    latest = (
        ModuleCompletion.objects.filter(user=rep, module__in=modules)
        .order_by("-completed_at")
        .values_list("module_id", flat=True)
        .first()
    )
    return next((m for m in modules if m.pk == latest), modules[0])


def _decay_rules() -> SlotRules:
    # Fading skills are not as urgent as a fresh completion: a wider window before "late".
    return dataclasses.replace(
        SlotRules.from_settings(),
        window=dt.timedelta(hours=settings.DECAY_COACHING_WINDOW_HOURS),
    )


def decay_session_book(*, trigger: DecayTrigger, now: dt.datetime) -> CoachingSession | None:
    """Book the session for one trigger; None when the coach has no free slot in reach."""
    with transaction.atomic():
        rep, skill = trigger.rep, trigger.skill
        plan = plan_for_rep(rep=rep)
        coach = plan.coach
        # One booking at a time per calendar, as the follow-up does, so two never share a slot.
        calendar_lock(coach or rep)
        if CoachingSession.objects.scheduled().filter(rep=rep, focus_skill=skill).exists():
            return None
        rules = _decay_rules()
        try:
            slot = coach_slot_find(coach=coach, rep=rep, after=now, rules=rules)
        except NoSlotFound:
            logger.info("No slot for decay coaching of rep %s on skill %s", rep.pk, skill.pk)
            return None
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


def decay_coaching_propose(*, now: dt.datetime | None = None) -> list[CoachingSession]:
    """Propose a coaching session for each rep with a skill that is fading (see the module doc).

    Each booking is its own transaction, so one rep's failure does not undo another's.
    Running it again at once books nothing more.
    """
    now = now or timezone.now()
    sessions = []
    for trigger in decay_triggers(now=now):
        session = decay_session_book(trigger=trigger, now=now)
        if session is not None:
            sessions.append(session)
    return sessions


def skill_upkeep_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic pass over skill memory, in order: close expired reinforcements (they count
    as misses), open the ones now due, then propose coaching where a skill is fading."""
    now = now or timezone.now()
    expired = reinforcements_expire(now=now)
    opened = reinforcements_due(now=now)
    proposed = decay_coaching_propose(now=now)
    return {"expired": expired, "opened": len(opened), "proposed": len(proposed)}
