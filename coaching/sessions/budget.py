"""A manager's weekly coaching budget (DESIGN §13, docs/skills.md "The coaching budget").

The accounting: a manager's week runs Monday 00:00 to the next Monday 00:00 in the manager's
own time zone; it counts the minutes of every session they lead that starts in it and is not
cancelled (scheduled, held or missed: the time was set aside), except peer practice, which
takes no manager time. A moved session counts in the week it now sits in; a cancelled one
frees its time. The budget is ``User.coaching_budget_hours``, or
``settings.COACHING_BUDGET_HOURS`` when the manager has set none.

The ranking, the one rule that decides what gets the manager's time when a week's demand
exceeds the budget (``demand_rank`` and ``budget_allocate``, both pure):

1. follow-ups after training still inside their follow-up window, the soonest due first;
2. then sessions on a fading skill, the middle of the team first: a rep at "learned" (knows it,
   one step from "applied"), then "applied" (there, and slipping), then "introduced" (training
   comes before coaching), then "mastered"; within a stage the higher risk (lower forecast
   recall) first, then the application score closer to "applied";
3. then follow-ups past their window.

Each item takes the first week its window reaches that has room left for it. What finds no
room is written as a ``DeferredCoaching`` with the rule's reason in words and an alternative
instead of the manager's time: peer practice when a teammate could mentor the rep on the skill
(``coaching.sessions.pairing.mentor_proposed``), else refresher questions. Nothing is dropped.
Sessions the manager books by hand are the manager's choice: they count, and are never refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, Sum

from accounts.models import User
from coaching.changes import team_version_bump
from coaching.models import CoachingSession, DeferredCoaching
from coaching.sessions.pairing import mentor_proposed
from coaching.sessions.slots import Slot
from coaching.skills.rules import APPLICATION_APPLIED, Stage
from lms.models import Module, ModuleCompletion

WEEK = dt.timedelta(days=7)
REASON_MAX = 300

# --- accounting ---------------------------------------------------------------------------


def budget_hours_of(manager: User) -> Decimal:
    """The manager's weekly coaching hours: their own, else the organisation's default."""
    if manager.coaching_budget_hours is not None:
        return Decimal(manager.coaching_budget_hours)
    return Decimal(str(settings.COACHING_BUDGET_HOURS))


def budget_minutes_of(manager: User) -> int:
    return int(budget_hours_of(manager) * 60)


def week_start_of(at: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The Monday of the week ``at`` falls in, in ``tz``."""
    local = at.astimezone(tz).date()
    return local - dt.timedelta(days=local.weekday())


def week_bounds(week_start: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """Monday 00:00 to the next Monday 00:00 in ``tz``, as aware instants (a week with a
    clock change is an hour longer or shorter, as the manager lives it)."""
    start = dt.datetime.combine(week_start, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(week_start + WEEK, dt.time(), tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def counted_sessions(manager: User) -> Q:
    """The sessions that take ``manager``'s time: theirs to lead, not cancelled, not peer."""
    return (
        Q(coach=manager)
        & ~Q(status=CoachingSession.Status.CANCELLED)
        & ~Q(source=CoachingSession.Source.PEER)
    )


def _hours(minutes: int) -> str:
    hours = Decimal(minutes) / 60
    text = f"{hours:.2f}".rstrip("0").rstrip(".")
    return f"{text}\N{NO-BREAK SPACE}h"


@dataclass(frozen=True)
class BudgetWeek:
    week_start: dt.date
    used_minutes: int
    budget_minutes: int

    @property
    def left_minutes(self) -> int:
        return max(self.budget_minutes - self.used_minutes, 0)

    @property
    def over(self) -> bool:
        return self.used_minutes > self.budget_minutes

    @property
    def percent(self) -> int:
        """Used as a share of the budget, past 100 when over it."""
        if self.budget_minutes <= 0:
            return 100
        return round(100 * self.used_minutes / self.budget_minutes)

    @property
    def bar_width(self) -> int:
        """The bar's width in steps of 5 %, full when over the budget."""
        return min(5 * round(self.percent / 5), 100)

    @property
    def used_label(self) -> str:
        return _hours(self.used_minutes)

    @property
    def budget_label(self) -> str:
        return _hours(self.budget_minutes)

    def has_room(self, minutes: int) -> bool:
        return self.used_minutes + minutes <= self.budget_minutes


def budget_weeks(*, manager: User, week_starts: Sequence[dt.date]) -> list[BudgetWeek]:
    """Minutes used against the budget in each of ``week_starts`` (Mondays in the manager's
    time zone), in that order. One query."""
    if not week_starts:
        return []
    tz = manager.tzinfo
    bounds = {week: week_bounds(week, tz) for week in week_starts}
    sums = {
        f"w{index}": Sum(
            "duration_minutes",
            filter=Q(scheduled_for__gte=start, scheduled_for__lt=end),
            default=0,
        )
        for index, (start, end) in enumerate(bounds.values())
    }
    first = min(start for start, _ in bounds.values())
    last = max(end for _, end in bounds.values())
    used = CoachingSession.objects.filter(
        counted_sessions(manager), scheduled_for__gte=first, scheduled_for__lt=last
    ).aggregate(**sums)
    budget = budget_minutes_of(manager)
    return [
        BudgetWeek(week_start=week, used_minutes=int(used[f"w{index}"]), budget_minutes=budget)
        for index, week in enumerate(bounds)
    ]


def budget_week(*, manager: User, week_start: dt.date) -> BudgetWeek:
    """Minutes used / budget for ``manager``'s week starting ``week_start``. One query."""
    return budget_weeks(manager=manager, week_starts=[week_start])[0]


def over_budget_note(*, session: CoachingSession) -> str:
    """For a session just booked by hand: words saying its week is now over the coach's budget,
    or "" (a booking by hand is never refused for the budget; the coach is told). One query."""
    if session.coach is None or session.source == CoachingSession.Source.PEER:
        return ""
    coach = session.coach
    week = budget_week(manager=coach, week_start=week_start_of(session.scheduled_for, coach.tzinfo))
    if not week.over:
        return ""
    return (
        f"This takes you over your coaching budget for the week of {week.week_start.day} "
        f"{week.week_start:%b}: {week.used_label} of {week.budget_label}."
    )


# --- the ranking ------------------------------------------------------------------------------

# "The middle of the team first" (see the module doc): smaller comes first.
DECAY_STAGE_ORDER = {Stage.LEARNED: 0, Stage.APPLIED: 1, Stage.INTRODUCED: 2, Stage.MASTERED: 3}


@dataclass(frozen=True)
class Demand:
    """One call on the manager's time: a follow-up after training or a fading skill."""

    kind: str  # DeferredCoaching.Kind
    rep_id: int
    rep_name: str
    skill_id: int | None
    skill_name: str
    minutes: int
    due: dt.datetime  # a follow-up: the end of its window; decay: when it was found
    in_window: bool = True  # a follow-up still inside its follow-up window
    recall: float | None = None  # decay: forecast recall now, 0-1
    stage: Stage | None = None  # decay: the rep's stage on the skill
    application: float | None = None  # decay: the rep's application score, 0-100

    @property
    def key(self) -> tuple[str, int, int | None]:
        return (self.kind, self.rep_id, self.skill_id)


def demand_rank_key(item: Demand) -> tuple:
    """Smaller comes first: the rule of the module doc, in one place."""
    if item.kind == DeferredCoaching.Kind.FOLLOW_UP:
        return (0 if item.in_window else 2, item.due, 0, 0.0, 0.0, item.rep_id)
    stage = DECAY_STAGE_ORDER.get(item.stage, len(DECAY_STAGE_ORDER)) if item.stage else 4
    risk = 1 - (item.recall if item.recall is not None else 0.0)
    distance = abs(APPLICATION_APPLIED - item.application) if item.application is not None else 100
    return (1, dt.datetime.min.replace(tzinfo=dt.UTC), stage, -risk, distance, item.rep_id)


def demand_rank(items: Iterable[Demand]) -> list[Demand]:
    return sorted(items, key=demand_rank_key)


@dataclass(frozen=True)
class Decision:
    item: Demand
    rank: int  # 1-based, among the items ranked together
    of: int
    week_start: dt.date | None  # the week it is booked in; None: deferred
    reason: str  # why, in words: for a deferred item, the rule that left it out

    @property
    def booked(self) -> bool:
        return self.week_start is not None


def _weeks_label(weeks: Sequence[dt.date]) -> str:
    labels = [f"{week.day} {week:%b}" for week in weeks]
    if not labels:
        return "no week with a free slot"
    if len(labels) == 1:
        return f"the week of {labels[0]}"
    return f"the weeks of {', '.join(labels[:-1])} and {labels[-1]}"


def deferral_reason(
    *, item: Demand, rank: int, of: int, weeks: Sequence[dt.date], budget_minutes: int
) -> str:
    """The ranking rule's words for an item that found no room."""
    full = f"{_weeks_label(weeks)}, {_hours(budget_minutes)} budget"
    if item.kind == DeferredCoaching.Kind.FOLLOW_UP:
        if item.in_window:
            text = (
                "Follow-ups after training come first, but every week its follow-up window "
                f"reaches is full ({full})."
            )
        else:
            text = f"Past its follow-up window, it comes after fading skills; no room ({full})."
    else:
        recall = f"{round(item.recall * 100)} %" if item.recall is not None else "unknown"
        stage = item.stage.value if item.stage else "no evidence yet"
        text = (
            f"Ranked {rank} of {of}: follow-ups come first, then fading skills by stage "
            f"(learned, applied, introduced, mastered) and risk. {item.skill_name}: {stage}, "
            f"recall {recall}; no room ({full})."
        )
    return text[:REASON_MAX]


def budget_allocate(
    *,
    items: Iterable[Demand],
    room: dict[dt.date, int],
    weeks_of: dict[tuple, Sequence[dt.date]],
    budget_minutes: int,
) -> list[Decision]:
    """Rank ``items`` and give each, in turn, the first of its weeks (``weeks_of[item.key]``,
    the weeks its window reaches with a free slot, soonest first) with room for it (``room``:
    minutes left per week, consumed as items are placed). An item with no such week is
    deferred with the rule's reason. Every item comes back, booked or deferred. Pure."""
    ranked = demand_rank(items)
    room = dict(room)
    decisions = []
    for rank, item in enumerate(ranked, start=1):
        decision = budget_place(
            item=item,
            rank=rank,
            of=len(ranked),
            weeks=weeks_of.get(item.key, ()),
            room=room,
            budget_minutes=budget_minutes,
        )
        if decision.week_start is not None:
            room[decision.week_start] -= item.minutes
        decisions.append(decision)
    return decisions


def budget_place(
    *,
    item: Demand,
    rank: int,
    of: int,
    weeks: Sequence[dt.date],
    room: dict[dt.date, int],
    budget_minutes: int,
) -> Decision:
    """The first of ``weeks`` with room for ``item`` (``rank`` of ``of`` by ``demand_rank``),
    or its deferral with the rule's reason. Pure; the caller consumes the room."""
    chosen = next((week for week in weeks if room.get(week, 0) >= item.minutes), None)
    if chosen is not None:
        reason = f"Ranked {rank} of {of}; fits the week of {chosen.day} {chosen:%b}."
    else:
        reason = deferral_reason(
            item=item, rank=rank, of=of, weeks=weeks, budget_minutes=budget_minutes
        )
    return Decision(item=item, rank=rank, of=of, week_start=chosen, reason=reason)


# --- where the slot search meets the budget ---------------------------------------------------


@dataclass
class WeekSlots:
    """The first free slot in each week a window reaches, by the manager's weeks."""

    tz: ZoneInfo
    first: dict[dt.date, Slot] = field(default_factory=dict)

    @property
    def weeks(self) -> list[dt.date]:
        return list(self.first)


def week_slots(*, slots: Iterable[Slot], tz: ZoneInfo, fallback: Slot | None = None) -> WeekSlots:
    """The first slot of each week among ``slots`` that are inside the window (not late);
    when none is, ``fallback`` (the first slot past the window) alone."""
    found = WeekSlots(tz=tz)
    for slot in slots:
        if slot.late:
            break
        found.first.setdefault(week_start_of(slot.start, tz), slot)
    if not found.first and fallback is not None:
        found.first[week_start_of(fallback.start, tz)] = fallback
    return found


def room_of(*, manager: User, weeks: Sequence[dt.date]) -> dict[dt.date, int]:
    """Minutes left in each of ``weeks``. One query."""
    weeks_used = budget_weeks(manager=manager, week_starts=weeks)
    return {week.week_start: week.left_minutes for week in weeks_used}


# --- what did not fit ---------------------------------------------------------------------------


def alternative_for(*, rep: User, skill_id: int | None, skill_name: str) -> tuple[str, str]:
    """Peer practice when a teammate could mentor ``rep`` on the skill, else refresher
    questions; with the words that say so."""
    mentor = mentor_proposed(rep_id=rep.pk, skill_id=skill_id) if skill_id is not None else None
    if mentor is not None:
        return DeferredCoaching.Alternative.PEER, f"Instead: peer practice with {mentor}."
    on = f" on {skill_name}" if skill_id is not None else ""
    return DeferredCoaching.Alternative.REFRESHER, f"Instead: refresher questions{on}."


def deferred_record(
    *,
    coach: User,
    rep: User,
    kind: str,
    week_start: dt.date,
    reason: str,
    skill_id: int | None,
    skill_name: str = "",
    module: Module | None = None,
    completion: ModuleCompletion | None = None,
) -> DeferredCoaching:
    """Write what did not fit, with the rule's reason and the alternative offered. A follow-up
    is recorded once per completion, a fading skill once per rep and skill while it waits:
    the same row comes back on a second call."""
    if completion is not None:
        existing = DeferredCoaching.objects.filter(completion=completion).first()
    else:
        waiting = DeferredCoaching.objects.filter(
            rep=rep, kind=kind, status=DeferredCoaching.Status.WAITING
        )
        if skill_id is None:
            existing = waiting.filter(skill__isnull=True).first()
        else:
            existing = waiting.filter(skill_id=skill_id).first()
    if existing is not None:
        return existing
    alternative, words = alternative_for(rep=rep, skill_id=skill_id, skill_name=skill_name)
    text = f"{reason} {words}"
    if len(text) > REASON_MAX:
        text = f"{reason[: REASON_MAX - len(words) - 2]}… {words}"
    item = DeferredCoaching.objects.create(
        coach=coach,
        rep=rep,
        kind=kind,
        completion=completion,
        module=module,
        skill_id=skill_id,
        week_start=week_start,
        reason=text,
        alternative=alternative,
    )
    team_version_bump(rep_ids=[rep.pk])  # the coach's dashboard lists it
    return item
