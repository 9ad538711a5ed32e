"""A simulated quarter: does coaching after training slow the decay of skills? (docs/simulation.md)

A synthetic organisation (managers with teams of reps) goes through the demo courses while a
simulated clock moves forward (``coaching.simulation.world``). Only the people are simulated
(``coaching.simulation.profiles``); everything they and the periodic jobs do goes through the
real services.

The same organisation runs twice from the same seed: once with ``COACHING_FOLLOW_UPS`` off and
skill upkeep not run (no follow-up sessions, no reinforcements, no coaching on decay), then as
the product works. Each world runs in its own transaction, rolled back once its numbers are
counted, unless it is kept.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import time_machine
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from coaching.models import CoachingSession, Commitment, Reinforcement, Reminder, SkillMemory
from coaching.reminders.schedule import reminders_cancel
from coaching.simulation.content import content_load
from coaching.simulation.people import namesakes_refuse, world_prefix
from coaching.simulation.profiles import profiles_draw
from coaching.simulation.results import LABELS, WITH, WITHOUT, SimulationResult, WorldResult
from coaching.simulation.world import World
from config.errors import DomainError

# A Monday, long before any real data: the simulated jobs never meet live rows.
DEFAULT_START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
# Dirty pages of a whole world stay in memory instead of spilling to disk mid-transaction.
SQLITE_CACHE_KIB = 512 * 1024


@contextmanager
def _quiet() -> Iterator[None]:
    """No per-completion log lines, no real email, no query log, no cache spills.

    The dispatcher is never woken through the broker: a world's transaction is rolled back (or,
    kept, commits once at the end), so the wakes its reminders ask for after commit never run
    while it does; the simulation is the dispatcher, on its own clock.
    """
    loggers = [logging.getLogger(name) for name in ("lms", "coaching")]
    levels = [item.level for item in loggers]
    for item in loggers:
        item.setLevel(logging.WARNING)
    cache_kib = None
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache_kib = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
    try:
        # DEBUG off: the query log alone costs a fifth of the run.
        with override_settings(
            DEBUG=False, EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"
        ):
            yield
    finally:
        if cache_kib is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(cache_kib)}")
        for item, level in zip(loggers, levels, strict=True):
            item.setLevel(level)


def _ensure_clear_for_keeping(*, seed: int, start: dt.datetime, end: dt.datetime) -> None:
    """A kept world commits what the simulated jobs did, and they act on everyone: refuse when
    anyone else has something they would act on before the simulated end."""
    prefix = world_prefix(name=WITH, seed=seed)
    namesakes_refuse(prefix=prefix, seed=seed)
    others = User.objects.exclude(username__startswith=prefix)
    live = {
        "reminders": Reminder.objects.filter(
            recipient__in=others,
            status__in=[Reminder.Status.PENDING, Reminder.Status.QUEUED, Reminder.Status.SENDING],
            due_at__lt=end,
        ),
        "sessions": CoachingSession.objects.scheduled().filter(
            rep__in=others, scheduled_for__lt=end
        ),
        "commitments": Commitment.objects.open().filter(rep__in=others, due_date__lt=end.date()),
        "skill memories": SkillMemory.objects.filter(rep__in=others, next_due_at__lt=end),
        "reinforcements": Reinforcement.objects.filter(
            rep__in=others, status=Reinforcement.Status.PENDING
        ),
    }
    busy = [name for name, rows in live.items() if rows.exists()]
    if busy:
        raise DomainError(
            f"Cannot keep a world from {start:%Y-%m-%d}: the simulated jobs would act on other "
            f"people's {', '.join(busy)} before {end:%Y-%m-%d}. Choose an earlier --start."
        )


def _leftovers_cancel(*, prefix: str) -> None:
    """A kept world's unsent reminders are cancelled: the live dispatcher must not send
    simulated people what was due in the simulated past."""
    reminders_cancel(
        reminders=Reminder.objects.filter(
            recipient__in=User.objects.filter(username__startswith=prefix)
        )
    )


def world_run(
    *,
    name: str,
    reps: int,
    days: int,
    seed: int,
    start: dt.datetime,
    keep: bool,
    team_size: int,
    hold_probability: float,
    progress: Callable[[str], None],
    overrides: dict[str, Any],
    upkeep: bool,
    peer_practice: bool = False,
) -> WorldResult:
    """One world from ``start``, under the settings ``overrides``, in its own transaction:
    rolled back once counted unless ``keep``."""
    with (
        time_machine.travel(start, tick=False) as clock,
        override_settings(**overrides),
        _quiet(),
        transaction.atomic(),
    ):
        content = content_load()
        world = World(
            name=name,
            seed=seed,
            profiles=profiles_draw(
                seed=seed,
                reps=reps,
                team_size=team_size,
                skill_slugs=content.skill_slugs,
                courses=len(content.courses),
            ),
            content=content,
            clock=clock,
            days=days,
            hold_probability=hold_probability,
            progress=progress,
            upkeep=upkeep,
            peer_practice=peer_practice,
        )
        result = world.run()
        if keep:
            _leftovers_cancel(prefix=world.prefix)
        else:
            transaction.set_rollback(True)
    return result


def arguments_check(
    *,
    reps: int,
    days: int,
    team_size: int,
    hold_probability: float,
    start: dt.datetime | None,
) -> dt.datetime:
    """The start to use; raises DomainError for arguments no world can run with."""
    if reps < 1:
        raise DomainError("--reps must be at least 1.")
    if days < 1:
        raise DomainError("--days must be at least 1.")
    if team_size < 1:
        raise DomainError("--team-size must be at least 1.")
    if not 0 <= hold_probability <= 1:
        raise DomainError("--hold-probability must be between 0 and 1.")
    start = start or DEFAULT_START
    if timezone.is_naive(start):
        raise DomainError("The start needs a time zone.")
    return start


def simulation_run(
    *,
    reps: int,
    days: int,
    seed: int,
    start: dt.datetime | None = None,
    keep: bool = False,
    team_size: int = 8,
    hold_probability: float = 0.85,
    progress: Callable[[str], None] | None = None,
) -> SimulationResult:
    """Run the organisation without follow-ups, then with them, and count what happened.

    Each world is one transaction, rolled back once counted. With ``keep`` the world with
    follow-ups is committed (its unsent reminders cancelled); the comparison is always rolled
    back, so the two never meet in the database. Raises DomainError for bad arguments, or when
    a kept world would act on other people's data.
    """
    start = arguments_check(
        reps=reps, days=days, team_size=team_size, hold_probability=hold_probability, start=start
    )
    if keep:
        # Before anything runs: the kept world is the second one.
        _ensure_clear_for_keeping(seed=seed, start=start, end=start + dt.timedelta(days=days))
    progress = progress or (lambda message: None)
    began = time.monotonic()
    teams = math.ceil(reps / team_size)
    worlds = {}
    for name in (WITHOUT, WITH):
        progress(f"{LABELS[name]}: {reps} reps in {teams} teams, {days} days")
        worlds[name] = world = world_run(
            name=name,
            reps=reps,
            days=days,
            seed=seed,
            start=start,
            keep=keep and name == WITH,
            team_size=team_size,
            hold_probability=hold_probability,
            progress=progress,
            overrides={"COACHING_FOLLOW_UPS": name == WITH},
            upkeep=name == WITH,
        )
        busiest = ", ".join(
            f"{event} {seconds:.0f} s" for event, seconds in world.seconds_by_event.items()
        )
        progress(
            f"{LABELS[name]}: done in {world.seconds:.0f} s ({world.cpu_seconds:.0f} s CPU): "
            f"{busiest}"
        )
    return SimulationResult(
        reps=reps,
        days=days,
        seed=seed,
        start=start,
        teams=teams,
        kept=keep,
        worlds={WITH: worlds[WITH], WITHOUT: worlds[WITHOUT]},
        seconds=time.monotonic() - began,
    )
