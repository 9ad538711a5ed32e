"""What a world is judged on: its numbers, counted from the rows the services wrote."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from accounts.models import User
from coaching.models import CoachingSession, Commitment, Reinforcement, Reminder, SkillMemory
from coaching.simulation.profiles import RepProfile
from coaching.skills.memory import retention_forecast
from lms.models import ModuleCompletion

WITH, WITHOUT = "with_follow_ups", "without_follow_ups"
LABELS = {WITH: "with follow-ups", WITHOUT: "without"}


@dataclass
class WorldResult:
    name: str
    completions: int = 0
    coached_within_48h: float = 0.0  # share of completions, 0-1
    sessions_booked: int = 0
    follow_up_sessions: int = 0
    decay_sessions: int = 0
    sessions_held: int = 0
    sessions_missed: int = 0
    late_bookings: int = 0
    reminders_sent: int = 0
    reinforcements_opened: int = 0
    reinforcements_answered: int = 0
    commitments_kept: int = 0
    manager_hours: float = 0.0
    forecast_retention: dict[str, float | None] = field(default_factory=dict)  # by skill slug
    true_recall: dict[str, float | None] = field(default_factory=dict)  # by skill slug
    # What the machine spent, which the seed does not decide.
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    seconds_by_event: dict[str, float] = field(default_factory=dict)

    def numbers(self) -> dict[str, Any]:
        """What the seed decides: everything but the time it took."""
        values = dataclasses.asdict(self)
        for name in ("seconds", "cpu_seconds", "seconds_by_event"):
            values.pop(name)
        return values


@dataclass
class SimulationResult:
    reps: int
    days: int
    seed: int
    start: dt.datetime
    teams: int
    kept: bool
    worlds: dict[str, WorldResult]
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "reps": self.reps,
            "days": self.days,
            "seed": self.seed,
            "start": self.start.isoformat(),
            "teams": self.teams,
            "kept": self.kept,
            "worlds": {name: world.numbers() for name, world in self.worlds.items()},
            "seconds": {
                "total": round(self.seconds, 1),
                **{
                    name: {
                        "wall": round(world.seconds, 1),
                        "cpu": round(world.cpu_seconds, 1),
                        "by_event": world.seconds_by_event,
                    }
                    for name, world in self.worlds.items()
                },
            },
        }


def world_measure(
    *,
    name: str,
    prefix: str,
    end: dt.datetime,
    profiles: Iterable[RepProfile],
    skill_slugs: list[str],
) -> WorldResult:
    """Count what happened to the people whose usernames begin with ``prefix``."""
    people = User.objects.filter(username__startswith=prefix)
    reps = people.filter(role=User.Role.REP)
    result = WorldResult(name=name)
    completed_at = dict(
        ModuleCompletion.objects.filter(user__in=reps).values_list("pk", "completed_at")
    )
    result.completions = len(completed_at)
    sessions = list(
        CoachingSession.objects.filter(rep__in=reps).values(
            "completion_id", "scheduled_for", "duration_minutes", "status", "source", "late"
        )
    )
    held = [s for s in sessions if s["status"] == CoachingSession.Status.HELD]
    window = dt.timedelta(hours=settings.COACHING_FOLLOW_UP_HOURS)
    coached = sum(
        1
        for s in held
        if s["completion_id"] in completed_at
        and s["scheduled_for"] - completed_at[s["completion_id"]] <= window
    )
    result.coached_within_48h = coached / len(completed_at) if completed_at else 0.0
    sources = Counter(s["source"] for s in sessions)
    result.sessions_booked = len(sessions)
    result.follow_up_sessions = sources[CoachingSession.Source.AFTER_TRAINING]
    result.decay_sessions = sources[CoachingSession.Source.DECAY]
    result.sessions_held = len(held)
    result.sessions_missed = sum(
        1 for s in sessions if s["status"] == CoachingSession.Status.MISSED
    )
    result.late_bookings = sum(1 for s in sessions if s["late"])
    result.manager_hours = round(sum(s["duration_minutes"] for s in held) / 60, 1)
    result.reminders_sent = Reminder.objects.filter(
        recipient__in=people, status=Reminder.Status.SENT
    ).count()
    reinforcements = Counter(
        Reinforcement.objects.filter(rep__in=reps).values_list("status", flat=True)
    )
    result.reinforcements_opened = sum(reinforcements.values())
    result.reinforcements_answered = reinforcements[Reinforcement.Status.ANSWERED]
    result.commitments_kept = Commitment.objects.filter(
        rep__in=reps, status=Commitment.Status.KEPT
    ).count()

    forecasts: dict[str, list[float]] = defaultdict(list)
    for memory in SkillMemory.objects.filter(rep__in=reps).select_related("skill"):
        forecasts[memory.skill.slug].append(retention_forecast(memory=memory, at=end))
    truths: dict[str, list[float]] = defaultdict(list)
    for profile in profiles:
        for slug, truth in profile.skills.items():
            if truth.last is not None:
                truths[slug].append(truth.recall(end))
    for slug in skill_slugs:
        result.forecast_retention[slug] = _mean(forecasts.get(slug))
        result.true_recall[slug] = _mean(truths.get(slug))
    return result


def _mean(values: list[float] | None) -> float | None:
    return round(sum(values) / len(values), 3) if values else None
