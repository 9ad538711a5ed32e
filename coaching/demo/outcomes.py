"""Demo sales outcomes (DESIGN §13): sixteen weeks of win rate and quota attainment for the
demo reps, week by week, so the outcomes report has something to show.

Each rep has a level of their own and a small, fixed wobble per week. From the day a skill
first reached applied in the demo history (``coaching.skills.milestones``), their figures rise
in the weeks that begin after it: by most for rapport (john, priya and nina reach it: enough
reps for the report to state the change), a little for closing (sheila and tom: too few reps
to say). Everything is a function of the rep, the metric and the calendar week, so it is
deterministic; the figures go in through the import service like an admin's file. Weeks are
counted from a fixed Monday, so a seed on a later day adds the newer weeks and never overlaps
the earlier ones; a week already imported stays as it is.
"""

from __future__ import annotations

import datetime as dt
import zlib

from django.utils import timezone

from accounts.models import User
from coaching.models import SalesOutcome
from coaching.outcomes.importing import outcomes_import_apply
from coaching.skills.milestones import applied_since
from lms.models import Skill

EPOCH = dt.date(2024, 1, 1)  # a Monday: weeks start here
WEEKS = 16
# Each rep's level without the lift: (win rate %, quota attainment %).
LEVELS = {
    "john": (18, 74),
    "sheila": (27, 95),
    "liam": (15, 62),
    "priya": (21, 82),
    "nina": (24, 88),
    "tom": (22, 84),
    "zoe": (19, 76),
}
# How much a skill at applied adds, per metric, in the fortnights after it got there.
LIFT = {"rapport": (5, 8), "closing": (2, 3)}
METRICS = ("win_rate", "quota_attainment")


def _weeks(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The last WEEKS whole weeks (Monday to Sunday) before ``today``'s, oldest first."""
    done = (today - EPOCH).days // 7  # weeks wholly before today's
    starts = [EPOCH + dt.timedelta(days=7 * n) for n in range(done - WEEKS, done)]
    return [(start, start + dt.timedelta(days=6)) for start in starts]


def _wobble(*parts: object) -> int:
    """-2 to +2, the same for the same rep, metric and week."""
    return zlib.crc32(":".join(str(part) for part in parts).encode()) % 5 - 2


def demo_outcomes_rows(people: dict[str, User], *, today: dt.date | None = None) -> list[dict]:
    today = today or timezone.localdate()
    reps = {name: people[name] for name in LEVELS if name in people}
    reached = applied_since(rep_ids=[rep.pk for rep in reps.values()])
    slugs = dict(
        Skill.objects.filter(pk__in={skill for _, skill in reached}).values_list("pk", "slug")
    )
    rows = []
    for name, rep in reps.items():
        days = {
            slugs[skill_id]: timezone.localdate(when)
            for (rep_id, skill_id), when in reached.items()
            if rep_id == rep.pk
        }
        for start, end in _weeks(today):
            for index, metric in enumerate(METRICS):
                value = LEVELS[name][index] + _wobble(name, metric, start)
                for slug, day in days.items():
                    if start >= day:
                        value += LIFT.get(slug, (0, 0))[index]
                rows.append(
                    {
                        "rep": rep.username,
                        "period_start": start.isoformat(),
                        "period_end": end.isoformat(),
                        "metric": metric,
                        "value": value,
                    }
                )
    return rows


def demo_outcomes_seed(people: dict[str, User]) -> int:
    """Import the demo figures not imported yet; returns how many were added."""
    rows = demo_outcomes_rows(people)
    have = set(
        SalesOutcome.objects.filter(rep__username__in=LEVELS).values_list(
            "rep__username", "metric", "period_start"
        )
    )
    new = [
        row
        for row in rows
        if (row["rep"], row["metric"], dt.date.fromisoformat(row["period_start"])) not in have
    ]
    if new:
        outcomes_import_apply(records=new, actor=None)
    return len(new)
