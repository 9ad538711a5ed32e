"""A team's retention per skill over time: the mean forecast recall, weekly, from the weeks
behind to the weeks ahead (DESIGN §8, docs/skills.md §1).

The past comes from the evidence replayed through FSRS (``coaching.skills.memory``), the
present and future from the stored state, so the chart and the skill matrix never disagree.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from fsrs import Card

from coaching.models import SkillMemory
from coaching.skills.memory import (
    MemoryHistory,
    memory_card,
    memory_history,
    memory_scheduler,
)
from lms.models import Skill

CHART_WEEKS_BACK = 8
CHART_WEEKS_AHEAD = 4


@dataclass
class RetentionLine:
    skill: Skill
    values: list[float | None]  # mean forecast recall (0-1) at each point; None: no data


@dataclass
class RetentionSeries:
    points: list[dt.datetime]  # weekly, oldest first
    now_index: int  # points after this one are forecasts
    lines: list[RetentionLine]

    @property
    def week_offsets(self) -> list[int]:
        return [index - self.now_index for index in range(len(self.points))]


def team_retention_series(
    *, rep_ids: list[int], memories: Iterable[SkillMemory], now: dt.datetime | None = None
) -> RetentionSeries:
    """Mean forecast recall across the team, per skill, weekly: the last ``CHART_WEEKS_BACK``
    weeks and ``CHART_WEEKS_AHEAD`` ahead. From each skill's latest review on, the stored
    state's forecast (as ``retention_forecast`` gives it); before it, the card as it stood
    then. A rep counts towards a week once they have any evidence on the skill. Three queries.
    """
    now = now or timezone.now()
    points = [
        now + dt.timedelta(weeks=offset)
        for offset in range(-CHART_WEEKS_BACK, CHART_WEEKS_AHEAD + 1)
    ]
    memories = [memory for memory in memories if memory.state]
    if not memories:
        return RetentionSeries(points=points, now_index=CHART_WEEKS_BACK, lines=[])
    history = memory_history(rep_ids=rep_ids)
    scheduler = memory_scheduler()
    # Per memory, the cards in force from each moment: replayed ones before the latest review,
    # then the stored card, whose recall is what ``retention_forecast`` gives.
    timelines: dict[int, list[tuple[list[dt.datetime], list[Card]]]] = defaultdict(list)
    skills: dict[int, Skill] = {}
    for memory in memories:
        stored = memory_card(memory)
        if stored is None or stored.last_review is None:
            continue
        past = history.get((memory.rep_id, memory.skill_id), MemoryHistory())
        keep = bisect_left(past.times, stored.last_review)
        timelines[memory.skill_id].append(
            ([*past.times[:keep], stored.last_review], [*past.cards[:keep], stored])
        )
        skills[memory.skill_id] = memory.skill
    lines = []
    for skill_id, skill_timelines in timelines.items():
        values: list[float | None] = []
        for at in points:
            at_utc = at.astimezone(dt.UTC)
            recalls = []
            for times, cards in skill_timelines:
                index = bisect_right(times, at_utc) - 1
                if index >= 0:
                    recalls.append(float(scheduler.get_card_retrievability(cards[index], at_utc)))
            values.append(sum(recalls) / len(recalls) if recalls else None)
        lines.append(RetentionLine(skill=skills[skill_id], values=values))
    lines.sort(key=lambda line: (line.skill.name, line.skill.pk))
    return RetentionSeries(points=points, now_index=CHART_WEEKS_BACK, lines=lines)
