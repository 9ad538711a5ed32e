"""The manager's weekly digest: the week's sessions, what is overdue, and who is losing a skill.

``digests_schedule`` writes one ``weekly_digest`` reminder per manager per ISO week through the
outbox; its content is read by ``digest_for_manager`` when the outbox delivers it, so the email
says what is true when it is sent, not when it was queued.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from accounts.selectors import team_of
from coaching.models import CoachingSession, Commitment, Reminder, SkillMemory
from coaching.reminders.schedule import reminder_schedule
from coaching.sessions.permissions import coaching_scope
from coaching.skills.memory import retention_forecast
from lms.models import Skill

DIGEST_AHEAD = dt.timedelta(days=7)
# How far back a missed session or commitment still makes the digest: the week just gone.
DIGEST_LOOK_BACK = dt.timedelta(days=7)


@dataclass(frozen=True)
class SkillAtRisk:
    skill: Skill
    retention: float  # forecast recall now, 0-1

    @property
    def percent(self) -> int:
        return round(self.retention * 100)


@dataclass(frozen=True)
class RepAtRisk:
    rep: User
    skills: list[SkillAtRisk]  # weakest first


@dataclass(frozen=True)
class ManagerDigest:
    manager: User
    now: dt.datetime
    # Scheduled sessions in the next seven days, soonest first.
    sessions_ahead: list[CoachingSession]
    # Sessions whose time has passed without being recorded as held: still open, or marked
    # missed in the last week.
    sessions_not_held: list[CoachingSession]
    # Commitments past their due date: still open, or marked missed in the last week.
    commitments_overdue: list[Commitment]
    # Team members with a skill whose forecast recall is below DECAY_COACHING_RECALL.
    reps_at_risk: list[RepAtRisk] = field(default_factory=list)

    @property
    def until(self) -> dt.datetime:
        return self.now + DIGEST_AHEAD

    @property
    def threshold_percent(self) -> int:
        """The recall, in percent, under which a rep's skill counts as at risk."""
        return round(settings.DECAY_COACHING_RECALL * 100)

    @property
    def overdue_count(self) -> int:
        return len(self.sessions_not_held) + len(self.commitments_overdue)

    @property
    def is_empty(self) -> bool:
        return not (self.sessions_ahead or self.overdue_count or self.reps_at_risk)

    @property
    def summary(self) -> str:
        """One line: "3 sessions ahead, 2 overdue, 1 rep at risk"."""
        ahead, overdue, risk = len(self.sessions_ahead), self.overdue_count, len(self.reps_at_risk)
        return (
            f"{ahead} session{'s' if ahead != 1 else ''} ahead, {overdue} overdue, "
            f"{risk} rep{'s' if risk != 1 else ''} at risk"
        )


def _reps_at_risk(*, manager: User, now: dt.datetime) -> list[RepAtRisk]:
    threshold = settings.DECAY_COACHING_RECALL
    # Recall below the coaching threshold implies below the (higher) reinforcement target, so
    # only memories past their due date can qualify: no need to forecast the rest.
    memories = SkillMemory.objects.filter(
        rep__in=team_of(manager=manager), next_due_at__lte=now
    ).select_related("rep", "skill")
    by_rep: dict[int, list[SkillAtRisk]] = defaultdict(list)
    reps: dict[int, User] = {}
    for memory in memories:
        recall = retention_forecast(memory=memory, at=now)
        if recall < threshold:
            by_rep[memory.rep_id].append(SkillAtRisk(skill=memory.skill, retention=recall))
            reps[memory.rep_id] = memory.rep
    at_risk = [
        RepAtRisk(
            rep=reps[rep_id],
            skills=sorted(skills, key=lambda s: (s.retention, s.skill.name)),
        )
        for rep_id, skills in by_rep.items()
    ]
    return sorted(at_risk, key=lambda row: (row.skills[0].retention, row.rep.username))


def digest_for_manager(*, manager: User, now: dt.datetime) -> ManagerDigest:
    """What ``manager`` should know this week, about the sessions they coach and their direct
    reports (everyone's, for an admin). Four queries, however big the team."""
    # Only what the reporting line lets them see today: a former report's sessions are gone.
    in_line = coaching_scope(manager, rep="rep")
    responsible = (Q(coach=manager) | Q(rep__in=team_of(manager=manager))) & in_line
    sessions = list(
        CoachingSession.objects.filter(responsible)
        # Peer practice takes none of the manager's time; its mentor is reminded of it.
        .exclude(source=CoachingSession.Source.PEER)
        .filter(
            # Scheduled ones in the past are still unrecorded: they stay until someone acts.
            Q(status=CoachingSession.Status.SCHEDULED, scheduled_for__lt=now + DIGEST_AHEAD)
            | Q(status=CoachingSession.Status.MISSED, scheduled_for__gte=now - DIGEST_LOOK_BACK)
        )
        .select_related("rep", "coach", "module", "focus_skill")
        .order_by("scheduled_for", "pk")
    )
    ahead = [
        s
        for s in sessions
        if s.status == CoachingSession.Status.SCHEDULED and s.scheduled_for >= now
    ]
    not_held = [
        s for s in sessions if s.status == CoachingSession.Status.MISSED or s.ends_at <= now
    ]
    today = timezone.localtime(now, manager.tzinfo).date()
    commitments = list(
        Commitment.objects.filter(
            (Q(session__coach=manager) | Q(rep__in=team_of(manager=manager))) & in_line,
            Q(status=Commitment.Status.OPEN, due_date__lt=today)
            | Q(status=Commitment.Status.MISSED, resolved_at__gte=now - DIGEST_LOOK_BACK),
        )
        .select_related("rep", "skill")
        .order_by("due_date", "pk")
    )
    return ManagerDigest(
        manager=manager,
        now=now,
        sessions_ahead=ahead,
        sessions_not_held=not_held,
        commitments_overdue=commitments,
        reps_at_risk=_reps_at_risk(manager=manager, now=now),
    )


def digest_week(now: dt.datetime) -> str:
    """The ISO week (in UTC) a digest written at ``now`` belongs to: ``2026-W10``."""
    year, week, _ = now.astimezone(dt.UTC).isocalendar()
    return f"{year}-W{week:02d}"


@transaction.atomic
def digests_schedule(*, now: dt.datetime | None = None) -> int:
    """Write this ISO week's digest reminder (in-app and email) for every active manager with
    an active direct report; returns how many managers it covered.

    Keyed by the week, so running it again in the same week writes nothing new. Each is due
    from the start of its week, so a run that comes late still sends at once.
    """
    now = now or timezone.now()
    week = digest_week(now)
    year, week_number, _ = now.astimezone(dt.UTC).isocalendar()
    due_at = dt.datetime.combine(dt.date.fromisocalendar(year, week_number, 1), dt.time(), dt.UTC)
    managers = User.objects.filter(
        Exists(User.objects.filter(manager=OuterRef("pk"), is_active=True)),
        role=User.Role.MANAGER,
        is_active=True,
    ).order_by("pk")
    count = 0
    for manager in managers:
        reminder_schedule(
            recipient=manager,
            kind=Reminder.Kind.WEEKLY_DIGEST,
            due_at=due_at,
            key=f"digest:{week}",
            payload={"week": week},
        )
        count += 1
    return count
