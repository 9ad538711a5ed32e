"""The simulated organisation: managers with teams of reps, each rep with a true profile.

People are bulk-created with one unusable password (nobody signs in as a simulated person);
from then on everything goes through the services, starting with each manager assigning their
reps every course.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password

from accounts.models import User
from coaching.simulation.content import Content
from coaching.simulation.profiles import RepProfile
from coaching.simulation.results import BUDGETED, EVERY_COMPLETION, TRAINING_ONLY, WITH, WITHOUT
from config.errors import DomainError
from lms.models import Module
from lms.services import enrolment_assign

TEAM_TIME_ZONES = ("Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago")
# How a world's usernames tell it apart: sim-<seed>-<tag>-r0001.
WORLD_TAGS = {
    WITH: "on",
    WITHOUT: "off",
    TRAINING_ONLY: "train",
    EVERY_COMPLETION: "every",
    BUDGETED: "budget",
}


@dataclass
class SimulatedRep:
    profile: RepProfile
    user: User
    coach: User
    tz: ZoneInfo
    curriculum: list[Module]
    # One stream per kind of decision, so that what differs between the worlds (refreshers,
    # sessions) does not reshuffle what does not (when they train, how they answer quizzes).
    plan: random.Random
    answers: random.Random
    refreshers: random.Random
    coaching: random.Random
    peers: random.Random  # peer practice, which only one policy has
    next_module: int = 0


def world_prefix(*, name: str, seed: int) -> str:
    """How the usernames of a world's people begin."""
    return f"sim-{seed}-{WORLD_TAGS[name]}-"


def namesakes_refuse(*, prefix: str, seed: int) -> None:
    """Raises DomainError when people of a kept world with this seed exist already."""
    if User.objects.filter(username__startswith=prefix).exists():
        raise DomainError(
            f"People named {prefix}… exist already, from a kept simulation with seed {seed}. "
            "Choose another --seed."
        )


def _person(
    *, username: str, role: str, tz: str, password: str, joined: dt.datetime, **extra
) -> User:
    return User(
        username=username,
        email=f"{username}@example.test",  # a reserved domain: nothing ever arrives
        role=role,
        timezone=tz,
        password=password,
        date_joined=joined,
        **extra,
    )


def _stream(seed: int, kind: str, profile: RepProfile) -> random.Random:
    return random.Random(f"{seed}:{kind}:{profile.index}")  # noqa: S311 - not a secret


def people_create(
    *,
    prefix: str,
    seed: int,
    profiles: list[RepProfile],
    content: Content,
    start: dt.datetime,
    end: dt.datetime,
) -> dict[int, SimulatedRep]:
    """The managers and reps of one world, by the reps' user ids; every course assigned."""
    namesakes_refuse(prefix=prefix, seed=seed)
    password = make_password(None)  # hashed once; nobody signs in as a simulated person
    teams = max(profile.team for profile in profiles) + 1
    zones = [TEAM_TIME_ZONES[team % len(TEAM_TIME_ZONES)] for team in range(teams)]
    User.objects.bulk_create(
        _person(
            username=f"{prefix}m{team + 1:03d}",
            role=User.Role.MANAGER,
            tz=zones[team],
            password=password,
            joined=start,
            first_name="Coach",
            last_name=f"{team + 1:03d}",
        )
        for team in range(teams)
    )
    managers = list(User.objects.filter(username__startswith=prefix).order_by("username"))
    User.objects.bulk_create(
        _person(
            username=f"{prefix}r{profile.index + 1:04d}",
            role=User.Role.REP,
            tz=zones[profile.team],
            password=password,
            joined=start,
            manager=managers[profile.team],
            first_name="Rep",
            last_name=f"{profile.index + 1:04d}",
        )
        for profile in profiles
    )
    users = User.objects.filter(username__startswith=f"{prefix}r").in_bulk(field_name="username")
    courses = content.courses
    reps = {}
    for profile in profiles:
        user = users[f"{prefix}r{profile.index + 1:04d}"]
        coach = managers[profile.team]
        user.manager = coach  # the services read it: no query per call
        reps[user.pk] = SimulatedRep(
            profile=profile,
            user=user,
            coach=coach,
            tz=user.tzinfo,
            curriculum=[m for index in profile.course_order for m in courses[index]],
            plan=_stream(seed, "plan", profile),
            answers=_stream(seed, "answers", profile),
            refreshers=_stream(seed, "refreshers", profile),
            coaching=_stream(seed, "coaching", profile),
            peers=_stream(seed, "peers", profile),
        )
        # Their manager assigns every course, due by the end of the quarter.
        for index in profile.course_order:
            enrolment_assign(
                actor=coach, user=user, course=courses[index][0].course, due_date=end.date()
            )
    return reps
