"""The simulated people: what each rep really knows, and how they learn and forget it.

Only the people are simulated (docs/simulation.md, "The forgetting model"). Each rep has, per
skill, an aptitude and a true recall that decays exponentially since they last practised it;
practice (a quiz, a reinforcement, a held session, a kept commitment) resets the decay and
slows it. How they answer questions and how their coach rates them follows from that recall.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

# Chance of a right answer with nothing remembered (a multiple-choice guess).
GUESS = 0.2
# Days for true recall to fall to 1/e after first learning a skill: the rep's forgetting rate.
STABILITY_MEDIAN_DAYS = 10.0
STABILITY_SPREAD = 0.4  # log-normal sigma
MAX_STABILITY_DAYS = 365.0
# How much each kind of practice slows forgetting. Retrieving what was half forgotten helps
# most (the spacing effect), hence a gain that grows with what had been lost.
RESTUDY_GAIN = 1.2
RETRIEVAL_GAIN, RETRIEVAL_GAIN_PER_LOSS, FAILED_RETRIEVAL_GAIN = 1.3, 1.5, 1.1
COACHING_GAIN, COACHING_GAIN_PER_LOSS, COACHING_APTITUDE = 1.5, 1.5, 0.02
COMMITMENT_GAIN, COMMITMENT_APTITUDE = 1.2, 0.01
# Peer practice with a teammate: less than a manager's session, more than a quiz; the mentor's
# own skill is reinforced by teaching it.
PEER_GAIN, PEER_GAIN_PER_LOSS, PEER_APTITUDE = 1.3, 1.0, 0.01
TEACHING_GAIN = 1.2
MAX_APTITUDE = 0.98
RATING_NOISE = 0.6  # standard deviation of a coach's rating, in rubric points
PEER_RATING_NOISE = 0.9  # a mentor's rating is less sure than a manager's
COMMITMENT_RATE = 0.6  # share of held sessions that end with a commitment
COMMITMENT_DAYS = 7
WORKDAY_START_HOUR, WORKDAY_END_HOUR = 9, 17


@dataclass
class SkillTruth:
    """What a rep really knows of one skill; the platform sees it only through evidence."""

    aptitude: float  # chance of applying it right when fully remembered
    prior: float  # recall before any training, and the floor it decays to
    stability: float  # days for recall above the floor to fall to 1/e
    last: dt.datetime | None = None

    def recall(self, at: dt.datetime) -> float:
        if self.last is None:
            return self.prior
        days = max((at - self.last).total_seconds(), 0.0) / 86400
        return self.prior + (1 - self.prior) * math.exp(-days / self.stability)

    def p_correct(self, at: dt.datetime) -> float:
        return GUESS + (1 - GUESS) * self.aptitude * self.recall(at)

    def rating(self, at: dt.datetime, rng: random.Random, noise: float = RATING_NOISE) -> int:
        """What a coach who watches it being applied gives it on the 1-5 rubric."""
        level = self.aptitude * self.recall(at)
        return min(max(round(1 + 4 * level + rng.gauss(0, noise)), 1), 5)

    def practise(self, at: dt.datetime, gain: float) -> None:
        self.stability = min(self.stability * gain, MAX_STABILITY_DAYS)
        self.last = at

    def study(self, at: dt.datetime, base_stability: float) -> None:
        if self.last is None:
            self.stability, self.last = base_stability, at
        else:
            self.practise(at, RESTUDY_GAIN)

    def retrieve(self, at: dt.datetime, *, succeeded: bool) -> None:
        loss = 1 - self.recall(at)
        if succeeded:
            self.practise(at, RETRIEVAL_GAIN + RETRIEVAL_GAIN_PER_LOSS * loss)
        else:
            self.practise(at, FAILED_RETRIEVAL_GAIN)

    def coached(self, at: dt.datetime) -> None:
        loss = 1 - self.recall(at)
        self.practise(at, COACHING_GAIN + COACHING_GAIN_PER_LOSS * loss)
        self.aptitude = min(self.aptitude + COACHING_APTITUDE, MAX_APTITUDE)

    def peer_practised(self, at: dt.datetime) -> None:
        loss = 1 - self.recall(at)
        self.practise(at, PEER_GAIN + PEER_GAIN_PER_LOSS * loss)
        self.aptitude = min(self.aptitude + PEER_APTITUDE, MAX_APTITUDE)

    def taught(self, at: dt.datetime) -> None:
        self.practise(at, TEACHING_GAIN)

    def applied(self, at: dt.datetime) -> None:
        self.practise(at, COMMITMENT_GAIN)
        self.aptitude = min(self.aptitude + COMMITMENT_APTITUDE, MAX_APTITUDE)


@dataclass
class RepProfile:
    """Drawn from the seed before anything happens, so both worlds start with the same people."""

    index: int
    team: int
    skills: dict[str, SkillTruth]  # by skill slug
    base_stability: float
    engagement: float  # chance of answering a reinforcement
    follow_through: float  # chance of keeping a commitment
    hour: float  # the local hour they like to train at
    gap_days: tuple[int, int]  # working days between two modules
    first_day: int  # working days before their first module
    course_order: list[int]  # indexes into the course list


def profiles_draw(
    *, seed: int, reps: int, team_size: int, skill_slugs: list[str], courses: int
) -> list[RepProfile]:
    rng = random.Random(f"{seed}:profiles")  # noqa: S311 - a simulation, not a secret
    profiles = []
    for index in range(reps):
        base = STABILITY_MEDIAN_DAYS * math.exp(rng.gauss(0, STABILITY_SPREAD))
        skills = {
            slug: SkillTruth(
                aptitude=rng.uniform(0.6, 0.95), prior=rng.uniform(0.0, 0.3), stability=base
            )
            for slug in skill_slugs
        }
        pace = rng.randint(3, 9)
        order = list(range(courses))
        rng.shuffle(order)
        profiles.append(
            RepProfile(
                index=index,
                team=index // team_size,
                skills=skills,
                base_stability=base,
                engagement=rng.uniform(0.6, 0.95),
                follow_through=rng.uniform(0.5, 0.9),
                hour=rng.uniform(WORKDAY_START_HOUR + 0.5, WORKDAY_END_HOUR - 1.5),
                gap_days=(pace, pace + 4),
                first_day=rng.randint(0, 9),
                course_order=order,
            )
        )
    return profiles
