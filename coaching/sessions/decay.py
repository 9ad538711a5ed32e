"""Coaching on decay: a session focused on a skill that is fading despite reinforcement.

A (rep, skill) triggers when forecast recall is below ``DECAY_COACHING_RECALL``, or when the
rep's last ``DECAY_COACHING_MISSES`` reinforcements on it were all missed (expired, or answered
half right or worse) since the last decay session for it. A session is proposed at the coach's
first free slot by the booking rules (their working hours and daily cap: a full calendar means
no proposal until a later run), with source "decay", the skill as focus and the reason on its
agenda. Never while a session focused on that skill is scheduled, nor within
``DECAY_COACHING_COOLDOWN_DAYS`` of the last decay session for it; at most one per rep a run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from coaching.models import CoachingSession, Reinforcement, ReinforcementAnswer, SkillMemory
from coaching.sessions.booking import session_create
from coaching.sessions.follow_up import agenda_commitments
from coaching.sessions.plans import plan_for_rep
from coaching.sessions.slots import (
    NoSlotFound,
    SlotRules,
    calendar_lock,
    coach_slot_find,
)
from coaching.skills.memory import retention_forecast
from coaching.skills.refreshers import (
    is_missed,
    reinforcements_due,
    reinforcements_expire,
    teaching_modules,
)
from lms.models import Module, ModuleCompletion, Skill

logger = logging.getLogger(__name__)

# Misses older than this no longer count towards a streak.
MISSES_LOOK_BACK = dt.timedelta(days=90)


@dataclass
class DecayTrigger:
    rep: User
    skill: Skill
    recall: float
    missed: int  # reinforcements missed in a row
    reason: str


def _percent(value: float) -> str:
    return f"{round(value * 100)} %"


def _reason(*, skill: Skill, recall: float, missed: int) -> str:
    parts = []
    if recall < settings.DECAY_COACHING_RECALL:
        parts.append(
            f"Forecast recall of {skill.name} has fallen to {_percent(recall)}, below the "
            f"{_percent(settings.DECAY_COACHING_RECALL)} at which coaching steps in."
        )
    if missed >= settings.DECAY_COACHING_MISSES:
        parts.append(
            f"The last {missed} refreshers on {skill.name} were missed: left to expire, "
            "or half right at best."
        )
    return " ".join(parts)


def _missed_in_a_row(outcomes: list[tuple[dt.datetime, bool]]) -> int:
    """How many of the latest outcomes, counting back from the newest, were misses."""
    count = 0
    for _at, missed in sorted(outcomes, reverse=True):
        if not missed:
            break
        count += 1
    return count


def decay_triggers(*, now: dt.datetime) -> list[DecayTrigger]:
    """Every (rep, skill) that calls for coaching now, weakest recall first, one per rep."""
    threshold = settings.DECAY_COACHING_RECALL
    horizon = now - dt.timedelta(days=settings.DECAY_COACHING_COOLDOWN_DAYS)
    # Only a skill past its reinforcement due date can be below the (lower) coaching threshold.
    low = {
        (memory.rep_id, memory.skill_id)
        for memory in SkillMemory.objects.filter(next_due_at__lte=now, rep__is_active=True)
        if retention_forecast(memory=memory, at=now) < threshold
    }

    last_decay = {
        (rep_id, skill_id): last
        for rep_id, skill_id, last in CoachingSession.objects.filter(
            source=CoachingSession.Source.DECAY, focus_skill__isnull=False
        )
        .order_by()
        .values("rep_id", "focus_skill_id")
        .annotate(last=Max("created_at"))
        .values_list("rep_id", "focus_skill_id", "last")
    }
    # Resolved reinforcements of the last months, after the last decay session for their skill.
    resolved: dict[tuple[int, int], list[tuple[dt.datetime, bool]]] = defaultdict(list)
    rows = (
        Reinforcement.objects.exclude(status=Reinforcement.Status.PENDING)
        .filter(rep__is_active=True, expires_at__gte=now - MISSES_LOOK_BACK)
        .annotate(resolved_at=Coalesce("answered_at", "expires_at"))
        .values_list("rep_id", "skill_id", "resolved_at", "status", "score")
    )
    for rep_id, skill_id, resolved_at, status, score in rows:
        since = last_decay.get((rep_id, skill_id))
        if since is None or resolved_at > since:
            resolved[(rep_id, skill_id)].append((resolved_at, is_missed(status, score)))
    streaks = {}
    for key, outcomes in resolved.items():
        missed = _missed_in_a_row(outcomes)
        if missed >= settings.DECAY_COACHING_MISSES:
            streaks[key] = missed

    keys = low | set(streaks)
    if not keys:
        return []
    blocked = set(
        CoachingSession.objects.filter(
            rep_id__in={rep_id for rep_id, _ in keys},
            status=CoachingSession.Status.SCHEDULED,
            focus_skill__isnull=False,
        ).values_list("rep_id", "focus_skill_id")
    ) | {key for key, last in last_decay.items() if last > horizon}
    keys -= blocked
    people = User.objects.in_bulk({rep_id for rep_id, _ in keys})
    skills = Skill.objects.in_bulk({skill_id for _, skill_id in keys})
    memories = {
        (m.rep_id, m.skill_id): m
        for m in SkillMemory.objects.filter(
            rep_id__in=list(people), skill_id__in=list(skills)
        ).select_related("rep", "skill")
    }

    triggers: dict[int, DecayTrigger] = {}
    for rep_id, skill_id in sorted(keys):
        rep, skill = people[rep_id], skills[skill_id]
        if not rep.is_active:
            continue
        memory = memories.get((rep_id, skill_id))
        recall = retention_forecast(memory=memory, at=now) if memory else 0.0
        missed = streaks.get((rep_id, skill_id), 0)
        trigger = DecayTrigger(
            rep=rep,
            skill=skill,
            recall=recall,
            missed=missed,
            reason=_reason(skill=skill, recall=recall, missed=missed),
        )
        best = triggers.get(rep_id)
        if best is None or (trigger.recall, trigger.skill.pk) < (best.recall, best.skill.pk):
            triggers[rep_id] = trigger
    return sorted(triggers.values(), key=lambda t: (t.recall, t.rep.pk))


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


def decay_agenda(*, trigger: DecayTrigger, module: Module | None) -> dict[str, Any]:
    """The agenda of a decay session, in the follow-up's shape plus ``reason`` and ``decay``."""
    skill = trigger.skill
    missed = (
        ReinforcementAnswer.objects.filter(
            reinforcement__rep=trigger.rep, reinforcement__skill=skill, is_correct=False
        )
        .select_related("question")
        .order_by("-reinforcement__answered_at", "question__position")
    )
    seen: set[int] = set()
    missed_questions = []
    for answer in missed:
        if answer.question_id in seen:
            continue
        seen.add(answer.question_id)
        missed_questions.append(
            {
                "id": answer.question_id,
                "prompt": answer.question.prompt,
                "explanation": answer.question.explanation,
                "skill": {"id": skill.pk, "name": skill.name},
            }
        )
    return {
        "reason": trigger.reason,
        "decay": {"recall": round(trigger.recall, 3), "missed_reinforcements": trigger.missed},
        "module": (
            {"id": module.pk, "title": module.title, "course": module.course.title}
            if module
            else None
        ),
        "skills": [{"id": skill.pk, "name": skill.name}],
        "questions_to_ask": list(module.coaching_questions or []) if module else [],
        "behaviours_to_observe": list(module.coaching_behaviours or []) if module else [],
        "practice_task": module.practice_task if module else "",
        "missed_questions": missed_questions[:5],
        "commitments": agenda_commitments(rep=trigger.rep),
    }


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
        if CoachingSession.objects.filter(
            rep=rep, focus_skill=skill, status=CoachingSession.Status.SCHEDULED
        ).exists():
            return None
        rules = _decay_rules()
        try:
            slot = coach_slot_find(coach=coach, rep=rep, after=now, rules=rules)
        except NoSlotFound:
            logger.info("No slot for decay coaching of rep %s on skill %s", rep.pk, skill.pk)
            return None
        module = _focus_module(rep=rep, skill=skill)
        session = session_create(
            plan=plan,
            rep=rep,
            coach=coach,
            scheduled_for=slot.start,
            duration_minutes=rules.session_minutes,
            source=CoachingSession.Source.DECAY,
            module=module,
            focus_skill_id=skill.pk,
            agenda=decay_agenda(trigger=trigger, module=module),
            late=slot.late,
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
