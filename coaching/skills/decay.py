"""Which reps' skills are fading despite reinforcement, so that coaching should step in.

A (rep, skill) triggers when forecast recall is below ``DECAY_COACHING_RECALL``, or when the
rep's last ``DECAY_COACHING_MISSES`` reinforcements on it were all missed (expired, or answered
half right or worse) since the last decay session for it. Never while a session focused on that
skill is scheduled, nor within ``DECAY_COACHING_COOLDOWN_DAYS`` of the last decay session for
it; at most one skill per rep, the weakest. Booking the sessions is
``coaching.sessions.decay``'s.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.db.models.functions import Coalesce

from accounts.models import User
from coaching.models import CoachingSession, Reinforcement, SkillMemory
from coaching.skills.memory import retention_forecast
from coaching.skills.refreshers import is_missed
from lms.models import Skill

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
        CoachingSession.objects.scheduled()
        .filter(rep_id__in={rep_id for rep_id, _ in keys}, focus_skill__isnull=False)
        .values_list("rep_id", "focus_skill_id")
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
