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
from coaching.models import (
    CoachingSession,
    Commitment,
    DeferredCoaching,
    MentorPairing,
    Reinforcement,
    Reminder,
    SkillMemory,
)
from coaching.simulation.profiles import RepProfile
from coaching.skills.memory import retention_forecast
from lms.models import ModuleCompletion

WITH, WITHOUT = "with_follow_ups", "without_follow_ups"
# The three policies ``simulate_quarter --policies`` compares (coaching.simulation.policies).
TRAINING_ONLY, EVERY_COMPLETION, BUDGETED = "training_only", "every_completion", "budgeted"
LABELS = {
    WITH: "with follow-ups",
    WITHOUT: "without",
    TRAINING_ONLY: "training only",
    EVERY_COMPLETION: "every completion",
    BUDGETED: "budgeted + peers",
}


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
    manager_hours: float = 0.0  # held sessions led by a manager (peer practice takes none)
    peer_sessions_booked: int = 0
    peer_sessions_held: int = 0
    pairings_approved: int = 0
    deferred: dict[str, int] = field(default_factory=dict)  # not taken by the budget, by status
    deferred_kinds: dict[str, int] = field(default_factory=dict)  # the same, by kind
    # The most manager hours booked into one manager's week (their own Monday to Sunday), not
    # counting the sessions they pulled into it over the budget.
    busiest_week_hours: float = 0.0
    # Over every rep and every skill of the courses (a skill not yet studied at its prior).
    mean_true_recall: float | None = None
    # The same, of aptitude x recall: the share of the skill a rep applies (what a coach rates).
    mean_true_skill: float | None = None
    mean_forecast_retention: float | None = None  # over every skill memory
    rep_skills: int = 0
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
            "seconds": seconds_json(total=self.seconds, worlds=self.worlds),
        }


def seconds_json(*, total: float, worlds: dict[str, WorldResult]) -> dict[str, Any]:
    """Where a run's time went, overall and per world and event, for its JSON."""
    return {
        "total": round(total, 1),
        **{
            name: {
                "wall": round(world.seconds, 1),
                "cpu": round(world.cpu_seconds, 1),
                "by_event": world.seconds_by_event,
            }
            for name, world in worlds.items()
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
            "pk",
            "coach_id",
            "completion_id",
            "scheduled_for",
            "duration_minutes",
            "status",
            "source",
            "late",
        )
    )
    peer = [s for s in sessions if s["source"] == CoachingSession.Source.PEER]
    sessions = [s for s in sessions if s["source"] != CoachingSession.Source.PEER]
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
    result.peer_sessions_booked = len(peer)
    result.peer_sessions_held = sum(1 for s in peer if s["status"] == CoachingSession.Status.HELD)
    result.pairings_approved = MentorPairing.objects.filter(
        mentee__in=reps, status__in=[MentorPairing.Status.ACTIVE, MentorPairing.Status.ENDED]
    ).count()
    deferred = DeferredCoaching.objects.filter(rep__in=reps)
    result.deferred = dict(Counter(deferred.values_list("status", flat=True)))
    result.deferred_kinds = dict(Counter(deferred.values_list("kind", flat=True)))
    pulled = set(deferred.filter(session__isnull=False).values_list("session_id", flat=True))
    zones = {pk: user.tzinfo for pk, user in people.in_bulk().items()}
    weeks: dict[tuple[int, dt.date], int] = Counter()
    for s in sessions:
        if s["status"] == CoachingSession.Status.CANCELLED or s["pk"] in pulled:
            continue
        if s["coach_id"] not in zones:
            continue
        day = s["scheduled_for"].astimezone(zones[s["coach_id"]]).date()
        weeks[(s["coach_id"], day - dt.timedelta(days=day.weekday()))] += s["duration_minutes"]
    result.busiest_week_hours = round(max(weeks.values(), default=0) / 60, 2)
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
    everything: list[float] = []
    applied: list[float] = []
    for profile in profiles:
        for slug, truth in profile.skills.items():
            everything.append(truth.recall(end))
            applied.append(truth.aptitude * truth.recall(end))
            if truth.last is not None:
                truths[slug].append(truth.recall(end))
    result.rep_skills = len(everything)
    result.mean_true_recall = _mean(everything, digits=4)
    result.mean_true_skill = _mean(applied, digits=4)
    result.mean_forecast_retention = _mean(
        [value for values in forecasts.values() for value in values], digits=4
    )
    for slug in skill_slugs:
        result.forecast_retention[slug] = _mean(forecasts.get(slug))
        result.true_recall[slug] = _mean(truths.get(slug))
    return result


def _mean(values: list[float] | None, digits: int = 3) -> float | None:
    return round(sum(values) / len(values), digits) if values else None
