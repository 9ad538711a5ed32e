"""Where coaching time pays: the same organisation under three policies (docs/simulation.md).

``simulate_quarter --policies`` runs the synthetic organisation three times from the same seed
(the same people, the same courses, the same random streams per rep), each world in its own
transaction, rolled back once counted:

1. **training only**: no manager time at all. No follow-up on completion
   (``COACHING_FOLLOW_UPS`` off) and no coaching on decay (its triggers set out of reach); skill
   upkeep still opens refreshers, which take no manager time.
2. **every completion**: the product as it was before the budget: a follow-up for every
   completion and coaching on decay, under a budget that never binds (``COACHING_BUDGET_HOURS``
   at the most the setting allows, far above what the daily cap of sessions lets a week hold).
3. **budgeted + peers**: ``COACHING_BUDGET_HOURS`` binding; the ranking service decides what
   gets the manager's time and records the rest with its alternative; the simulated managers
   approve the mentor pairs the skill matrix proposes and book peer practice for what did not
   fit, the mentors hold it and rate it.

The policies differ only by settings (``override_settings``) and by what the simulated people
do through the services' public functions; nothing in the product knows it is simulated.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from coaching.simulation.results import (
    BUDGETED,
    EVERY_COMPLETION,
    LABELS,
    TRAINING_ONLY,
    WorldResult,
    seconds_json,
)
from coaching.simulation.run import arguments_check, world_run
from config.errors import DomainError

POLICIES = (TRAINING_ONLY, EVERY_COMPLETION, BUDGETED)
# The most COACHING_BUDGET_HOURS may be (config/settings.py): a budget that never binds, as the
# daily cap of sessions (COACHING_MAX_SESSIONS_PER_DAY) keeps a week far below it.
UNBOUND_BUDGET_HOURS = 40.0
# Decay coaching triggers below this forecast recall, or after this many missed refreshers in
# a row: neither is ever reached, so training only books no session on decay.
NEVER_RECALL, NEVER_MISSES = 1e-9, 10**9


@dataclass(frozen=True)
class Policy:
    name: str
    overrides: dict[str, Any]  # settings for the run
    peer_practice: bool = False


def policies_for(*, budget_hours: float) -> list[Policy]:
    """The three policies, in the order they run and print."""
    return [
        Policy(
            name=TRAINING_ONLY,
            overrides={
                "COACHING_FOLLOW_UPS": False,
                "DECAY_COACHING_RECALL": NEVER_RECALL,
                "DECAY_COACHING_MISSES": NEVER_MISSES,
            },
        ),
        Policy(
            name=EVERY_COMPLETION,
            overrides={"COACHING_FOLLOW_UPS": True, "COACHING_BUDGET_HOURS": UNBOUND_BUDGET_HOURS},
        ),
        Policy(
            name=BUDGETED,
            overrides={"COACHING_FOLLOW_UPS": True, "COACHING_BUDGET_HOURS": budget_hours},
            peer_practice=True,
        ),
    ]


@dataclass
class PolicyComparison:
    reps: int
    days: int
    seed: int
    start: dt.datetime
    teams: int
    team_size: int
    budget_hours: float
    hold_probability: float
    worlds: dict[str, WorldResult] = field(default_factory=dict)  # by policy name
    seconds: float = 0.0

    def recall_gained(self, name: str, measure: str = "mean_true_recall") -> float | None:
        """Mean true recall (or another mean of ``WorldResult``) at the end above training
        only's, over every rep and skill."""
        this = getattr(self.worlds[name], measure)
        base = getattr(self.worlds[TRAINING_ONLY], measure)
        if this is None or base is None:
            return None
        return this - base

    def gained_per_manager_hour(self, name: str, measure: str = "mean_true_recall") -> float | None:
        """Recall gained over training only, summed over every rep and skill, per manager hour:
        how many rep-skills' worth of recall (1.0 = one rep's skill from nothing to full) an
        hour of a manager's time bought. None without manager hours."""
        world, gained = self.worlds[name], self.recall_gained(name, measure)
        if gained is None or world.manager_hours <= 0:
            return None
        return gained * world.rep_skills / world.manager_hours

    def manager_hours_per_week(self, name: str) -> float:
        """Manager hours per manager per week, on average over the period."""
        return self.worlds[name].manager_hours / self.teams / (self.days / 7)

    def as_json(self) -> dict[str, Any]:
        return {
            "reps": self.reps,
            "days": self.days,
            "seed": self.seed,
            "start": self.start.isoformat(),
            "teams": self.teams,
            "team_size": self.team_size,
            "budget_hours": self.budget_hours,
            "hold_probability": self.hold_probability,
            "policies": {
                name: {
                    **world.numbers(),
                    "recall_gained": _rounded(self.recall_gained(name)),
                    "gained_per_manager_hour": _rounded(self.gained_per_manager_hour(name)),
                    "skill_gained_per_manager_hour": _rounded(
                        self.gained_per_manager_hour(name, "mean_true_skill")
                    ),
                }
                for name, world in self.worlds.items()
            },
            "seconds": seconds_json(total=self.seconds, worlds=self.worlds),
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def policies_run(
    *,
    reps: int,
    days: int,
    seed: int,
    start: dt.datetime | None = None,
    team_size: int = 8,
    hold_probability: float = 0.85,
    budget_hours: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> PolicyComparison:
    """Run the same organisation under each policy and count what happened; nothing is kept.

    ``budget_hours``: the budgeted policy's weekly hours per manager (the setting's default when
    None). Raises DomainError for bad arguments.
    """
    start = arguments_check(
        reps=reps, days=days, team_size=team_size, hold_probability=hold_probability, start=start
    )
    if budget_hours is None:
        budget_hours = float(settings.COACHING_BUDGET_HOURS)
    if not 0 < budget_hours <= UNBOUND_BUDGET_HOURS:
        raise DomainError(
            f"--budget-hours must be more than 0 and at most {UNBOUND_BUDGET_HOURS:g}."
        )
    progress = progress or (lambda message: None)
    began = time.monotonic()
    comparison = PolicyComparison(
        reps=reps,
        days=days,
        seed=seed,
        start=start,
        teams=math.ceil(reps / team_size),
        team_size=team_size,
        budget_hours=budget_hours,
        hold_probability=hold_probability,
    )
    for policy in policies_for(budget_hours=budget_hours):
        progress(f"{LABELS[policy.name]}: {reps} reps in {comparison.teams} teams, {days} days")
        world = world_run(
            name=policy.name,
            reps=reps,
            days=days,
            seed=seed,
            start=start,
            keep=False,
            team_size=team_size,
            hold_probability=hold_probability,
            progress=progress,
            overrides=policy.overrides,
            upkeep=True,
            peer_practice=policy.peer_practice,
        )
        comparison.worlds[policy.name] = world
        progress(f"{LABELS[policy.name]}: done in {world.seconds:.0f} s")
    comparison.seconds = time.monotonic() - began
    return comparison
