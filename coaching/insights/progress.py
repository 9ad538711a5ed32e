"""One rep's progress, skill by skill: the stage the skill matrix gives, what stands between it
and the next stage, and the step that would move it (a module, a refresher, a commitment).

The numbers and the stage are the matrix's own (``coaching.insights.matrix``), the thresholds
``coaching.skills.rules``'s, so the rep's home, the coach's page on the rep and the team
dashboard never disagree. Each step is worded twice, for the rep and for the coach; numbers
come with their meaning in words. The caller has checked who may see the rep.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from coaching.insights.dashboard import STAGE_ORDER, HeatCell
from coaching.insights.kpis import DECAY_HORIZON, percent
from coaching.insights.matrix import SkillRow, rep_skill_matrix
from coaching.models import CoachingSession, Commitment, Observation, Reinforcement, SkillMemory
from coaching.skills.memory import retention_forecast
from coaching.skills.rules import (
    APPLICATION_APPLIED,
    APPLICATION_MASTERED,
    KNOWLEDGE_LEARNED,
    KNOWLEDGE_MASTERED,
    RETENTION_MASTERED,
    Shortfall,
    Stage,
    next_stage_for,
    rubric_from_score,
)

MEASURES = {
    "knowledge": "Knowledge",
    "application": "Application",
    "retention": "Recall forecast",
}
NO_EVIDENCE = {
    "knowledge": "no quiz or refresher answers yet",
    "application": "not rated in a coaching session yet",
    "retention": "no recall forecast yet",
}


def stages_in_words() -> str:
    """The ladder of stages, with the thresholds ``stage_for`` applies, for the rep."""
    return (
        "Each skill climbs four stages: introduced; learned once you get "
        f"{KNOWLEDGE_LEARNED} % of its quiz and refresher answers right; applied once your "
        f"coach's ratings average {rubric_from_score(APPLICATION_APPLIED):g} of 5; mastered with "
        f"{KNOWLEDGE_MASTERED} % of answers right, ratings averaging "
        f"{rubric_from_score(APPLICATION_MASTERED):g} and a recall forecast of "
        f"{percent(RETENTION_MASTERED)} or more."
    )


def recall_in_words(value: float | None) -> str:
    """What a recall forecast means against the two thresholds the product acts on."""
    if value is None:
        return "no forecast yet: it starts with the first quiz, refresher or rating"
    target, coaching = settings.REINFORCEMENT_TARGET_RECALL, settings.DECAY_COACHING_RECALL
    if value >= target:
        return f"at or above the refresher target ({percent(target)})"
    if value >= coaching:
        return f"recall forecast below the refresher target ({percent(target)}): a refresher is due"
    return f"recall forecast below {percent(coaching)}, where coaching steps in"


def shortfall_in_words(shortfall: Shortfall) -> str:
    """A shortfall as "Knowledge 72 of the 80 needed"; retention in per cent."""
    name = MEASURES[shortfall.measure]
    if shortfall.current is None:
        return f"{name}: {NO_EVIDENCE[shortfall.measure]} ({_needed(shortfall)} needed)"
    current = (
        percent(shortfall.current)
        if shortfall.measure == "retention"
        else f"{round(shortfall.current)}"
    )
    return f"{name} {current} of the {_needed(shortfall)} needed"


def _needed(shortfall: Shortfall) -> str:
    if shortfall.measure == "retention":
        return percent(shortfall.needed)
    return f"{round(shortfall.needed)}"


@dataclass(frozen=True)
class NextStep:
    kind: str  # module, refresher, commitment, keep
    for_rep: str
    for_coach: str
    url: str = ""
    # When it falls due (a commitment's date, a refresher's expected time): the page shows it
    # in the viewer's time zone.
    due: dt.date | dt.datetime | None = None


@dataclass
class SkillProgress:
    row: SkillRow
    next_stage: Stage | None  # None once mastered
    shortfalls: list[str]  # what the next stage needs, in words
    retention_now: float | None
    retention_next_week: float | None
    steps: list[NextStep]
    ratings: list[Observation] = field(default_factory=list)  # oldest first

    @property
    def stage_index(self) -> int:
        return STAGE_ORDER.index(self.row.stage)

    @property
    def stages(self) -> list[tuple[Stage, bool]]:
        """Every stage, and whether this skill has reached it: the steps of the ladder."""
        return [(stage, index <= self.stage_index) for index, stage in enumerate(STAGE_ORDER)]

    @property
    def application_on_rubric(self) -> str:
        """Application as the coach's 1-5 rubric reads it (50 is a 3), for saying it in words."""
        if self.row.application is None:
            return ""
        return f"{rubric_from_score(self.row.application):.1f}".removesuffix(".0")

    @property
    def retention_now_percent(self) -> str:
        return "—" if self.retention_now is None else percent(self.retention_now)

    @property
    def retention_next_week_percent(self) -> str:
        return "—" if self.retention_next_week is None else percent(self.retention_next_week)

    @property
    def retention_now_words(self) -> str:
        return recall_in_words(self.retention_now)

    @property
    def retention_next_week_words(self) -> str:
        return recall_in_words(self.retention_next_week)

    @cached_property
    def cell(self) -> HeatCell:
        """The dashboard's cell of this skill, with its numbers and its recommended action."""
        return HeatCell.of(self.row)


@dataclass
class RepProgress:
    rep: User
    skills: list[SkillProgress]
    sessions_held: int

    @property
    def rated_skills(self) -> list[SkillProgress]:
        return [skill for skill in self.skills if skill.ratings]


def _first_name(rep: User) -> str:
    return rep.first_name or rep.username


def _module_step(row: SkillRow) -> NextStep:
    action = row.training
    name = _first_name(row.rep)
    if action is None:
        return NextStep(
            kind="refresher",
            for_rep=f"Answer the refreshers on {row.skill.name}: each right answer adds to it.",
            for_coach=f"No published module teaches {row.skill.name} yet; refreshers build it.",
        )
    title = action.subject
    retake = action.kind == "reassign_module"
    url = reverse("lms:course", args=[action.course_id]) if action.course_id else ""
    return NextStep(
        kind="module",
        for_rep=f"{'Retake' if retake else 'Take'} {title} and pass its quiz.",
        for_coach=f"{'Re-assign' if retake else 'Assign'} {title} to {name}.",
        url=url,
    )


def _commitment_step(row: SkillRow, commitment: Commitment | None) -> NextStep:
    name = _first_name(row.rep)
    if commitment is not None:
        return NextStep(
            kind="commitment",
            for_rep=f"Keep your commitment “{commitment.text}”: your coach rates how it went.",
            for_coach=f"Check in on {name}'s commitment “{commitment.text}” and rate "
            f"{row.skill.name} when you see it.",
            due=commitment.due_date,
        )
    return NextStep(
        kind="commitment",
        for_rep=f"Agree a commitment on {row.skill.name} with your coach and put it to work: "
        "ratings of 4 or 5 in sessions move it on.",
        for_coach=f"Observe {row.skill.name} at {name}'s next session and agree a commitment "
        "on it.",
    )


def _refresher_step(row: SkillRow, refresher: Reinforcement | None) -> NextStep:
    name = _first_name(row.rep)
    if refresher is not None:
        return NextStep(
            kind="refresher",
            for_rep=f"Answer the refresher on {row.skill.name} waiting for you now.",
            for_coach=f"A refresher on {row.skill.name} is waiting for {name}.",
            url=reverse("coaching:reinforcement", args=[refresher.pk]),
        )
    return NextStep(
        kind="refresher",
        for_rep=f"Answer the next refresher on {row.skill.name} when it comes.",
        for_coach=f"{name} gets a refresher on {row.skill.name} when recall fades.",
        due=row.next_due_at,
    )


def _steps(
    row: SkillRow,
    shortfalls: list[Shortfall],
    *,
    commitment: Commitment | None,
    refresher: Reinforcement | None,
) -> list[NextStep]:
    steps = []
    short = {shortfall.measure for shortfall in shortfalls}
    if "knowledge" in short:
        steps.append(_module_step(row))
    if "application" in short:
        steps.append(_commitment_step(row, commitment))
    # A refresher waiting is always worth answering; otherwise it is the step only when recall
    # is what holds the skill back, or what keeps it mastered.
    if refresher is not None or "retention" in short or row.stage == Stage.MASTERED:
        steps.append(_refresher_step(row, refresher))
    if not steps:
        steps.append(
            NextStep(
                kind="keep",
                for_rep=f"Keep using {row.skill.name}: more evidence firms up the stage.",
                for_coach=f"Keep observing {row.skill.name}.",
            )
        )
    return steps


def rep_progress(
    *,
    rep: User,
    open_commitments: Iterable[Commitment],
    pending_refreshers: Iterable[Reinforcement],
    now: dt.datetime | None = None,
) -> RepProgress:
    """Every skill the rep has evidence on, weakest stage first, with its ratings over time.

    ``open_commitments`` and ``pending_refreshers`` are the rep's, as the page has them already
    (``rep_coaching_overview``, ``reinforcements_pending_for``). The matrix's queries and three
    more, however many skills and ratings there are.
    """
    now = now or timezone.now()
    rows = rep_skill_matrix(rep=rep, now=now)
    memories = {memory.skill_id: memory for memory in SkillMemory.objects.filter(rep=rep)}
    ratings: dict[int, list[Observation]] = defaultdict(list)
    for observation in Observation.objects.filter(rep=rep).order_by("observed_at", "pk"):
        ratings[observation.skill_id].append(observation)
    commitments: dict[int, Commitment] = {}
    for commitment in sorted(open_commitments, key=lambda c: (c.due_date, c.pk)):
        if commitment.skill_id is not None:
            commitments.setdefault(commitment.skill_id, commitment)
    refreshers: dict[int, Reinforcement] = {}
    for refresher in pending_refreshers:
        refreshers.setdefault(refresher.skill_id, refresher)

    skills = []
    for row in rows:
        following, shortfalls = next_stage_for(
            knowledge=row.knowledge, application=row.application, retention=row.retention
        )
        memory = memories.get(row.skill.pk)
        later = (
            retention_forecast(memory=memory, at=now + DECAY_HORIZON)
            if memory is not None and memory.state
            else None
        )
        skills.append(
            SkillProgress(
                row=row,
                next_stage=following,
                shortfalls=[shortfall_in_words(shortfall) for shortfall in shortfalls],
                retention_now=row.retention,
                retention_next_week=later,
                steps=_steps(
                    row,
                    shortfalls,
                    commitment=commitments.get(row.skill.pk),
                    refresher=refreshers.get(row.skill.pk),
                ),
                ratings=ratings.get(row.skill.pk, []),
            )
        )
    skills.sort(key=lambda s: (s.stage_index, s.row.skill.name, s.row.skill.pk))
    held = CoachingSession.objects.held().filter(rep=rep).count()
    return RepProgress(rep=rep, skills=skills, sessions_held=held)
