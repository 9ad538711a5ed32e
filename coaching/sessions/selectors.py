"""Coaching reads shared by pages and the API, each scoped to the person asking.

Querysets come from ``coaching.sessions.permissions`` (``coaching_scope``, ``session_scope``:
the reporting line today, and a coach's held sessions as history), so what a list shows and
what a detail allows never disagree. Fetch-and-authorise helpers (``*_for``) raise Http404 for what
the caller may not see. Private notes travel on the session object: render them only when
``can_see_private_notes(user, session)`` (importable from here too) says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.permissions import is_admin
from coaching.models import (
    CoachingPlan,
    CoachingSession,
    Commitment,
    Observation,
    RescheduleRequest,
)
from coaching.models.querysets import (
    CoachingPlanQuerySet,
    CoachingSessionQuerySet,
    CommitmentQuerySet,
)
from coaching.models.sessions import KEPT_UNDO_WINDOW
from coaching.sessions.permissions import can_see_private_notes as can_see_private_notes
from coaching.sessions.permissions import coaching_scope, observation_scope, session_scope

HISTORY_LENGTH = 10
# A mentor's own page lists the peer practice they led this long ago, besides what is to come.
MENTORING_DAYS_SHOWN = 30


def _sessions() -> CoachingSessionQuerySet:
    return CoachingSession.objects.select_related(
        "rep", "coach", "module__course", "focus_skill", "plan"
    )


def _with_open_request(sessions: CoachingSessionQuerySet) -> CoachingSessionQuerySet:
    """Each session carries ``asks_to_move``: its rep has asked to reschedule it, unanswered."""
    return sessions.annotate(
        asks_to_move=Exists(
            RescheduleRequest.objects.filter(
                session=OuterRef("pk"), status=RescheduleRequest.Status.OPEN
            )
        )
    )


def sessions_visible_to(*, user: User) -> CoachingSessionQuerySet:
    """A rep's own sessions; a manager's, their reports' and the held ones they coached before
    a rep moved on; an admin, all.

    Ordered by time, with rep, coach, module, focus skill and plan joined.
    """
    return _sessions().filter(session_scope(user))


def session_for(*, user: User, session_id: int) -> CoachingSession:
    """One session with its observations, commitments and requests to reschedule (newest
    first), or Http404 when not visible."""
    session = (
        sessions_visible_to(user=user)
        .select_related("completion", "cancelled_by")
        .prefetch_related(
            Prefetch("observations", Observation.objects.select_related("skill", "observer")),
            # With their rep: whether the viewer may review each is asked of the rep's line.
            Prefetch("commitments", Commitment.objects.select_related("skill", "rep")),
            Prefetch(
                "reschedule_requests", RescheduleRequest.objects.order_by("-created_at", "-pk")
            ),
        )
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise Http404("No such session.")
    return session


def open_reschedule_request(session: CoachingSession) -> RescheduleRequest | None:
    """The session's request to reschedule still waiting for an answer, from what
    ``session_for`` prefetched."""
    latest = next(iter(session.reschedule_requests.all()), None)
    return latest if latest is not None and latest.is_open else None


def sessions_without_coach(*, user: User | None = None) -> QuerySet[CoachingSession]:
    """Scheduled sessions of reps with no manager, for an admin to take on or reassign.

    Given a ``user`` who is not an admin, nothing.
    """
    if user is not None and not is_admin(user):
        return CoachingSession.objects.none()
    return _sessions().scheduled().filter(coach__isnull=True)


def plans_visible_to(*, user: User) -> CoachingPlanQuerySet:
    return (
        CoachingPlan.objects.filter(coaching_scope(user, rep="rep"))
        .select_related("rep", "coach")
        .prefetch_related("focus_skills")
    )


def plan_for(*, user: User, plan_id: int) -> CoachingPlan:
    plan = plans_visible_to(user=user).filter(pk=plan_id).first()
    if plan is None:
        raise Http404("No such plan.")
    return plan


def active_plan_for(*, user: User, rep_id: int) -> CoachingPlan:
    """The rep's active plan, or Http404 when they have none or ``user`` may not see it."""
    plan = plans_visible_to(user=user).active().filter(rep_id=rep_id).first()
    if plan is None:
        raise Http404("No active plan.")
    return plan


def commitments_visible_to(*, user: User) -> CommitmentQuerySet:
    return Commitment.objects.filter(coaching_scope(user, rep="rep")).select_related(
        "rep", "skill", "session__coach"
    )


def commitment_for(*, user: User, commitment_id: int) -> Commitment:
    commitment = commitments_visible_to(user=user).filter(pk=commitment_id).first()
    if commitment is None:
        raise Http404("No such commitment.")
    return commitment


def observations_visible_to(*, user: User) -> QuerySet[Observation]:
    return Observation.objects.filter(observation_scope(user)).select_related(
        "rep", "observer", "skill", "session"
    )


# --- pages ------------------------------------------------------------------------------------


@dataclass
class WeekDay:
    date: dt.date
    sessions: list[CoachingSession] = field(default_factory=list)


@dataclass
class ManagerWeek:
    manager: User
    week_start: dt.date
    days: list[WeekDay]  # seven days from week_start, in the manager's time zone
    # Sessions that ended but are still not recorded as held, any week: the coach's to-do.
    to_record: list[CoachingSession]
    # The team's open commitments due this week, to check in on.
    commitments_due: list[Commitment]
    # Requests to reschedule waiting for an answer, any week, soonest session first.
    reschedule_requests: list[RescheduleRequest] = field(default_factory=list)

    @property
    def sessions(self) -> list[CoachingSession]:
        return [session for day in self.days for session in day.sessions]


def manager_week(*, manager: User, week_start: dt.date) -> ManagerWeek:
    """A coach's week: their sessions (not cancelled) day by day in their time zone, each
    marked ``asks_to_move`` when its rep has asked to reschedule it, the sessions waiting to be
    recorded, the team's commitments due that week and the requests to reschedule waiting for
    an answer. Four queries, however many sessions there are.
    """
    tz = manager.tzinfo
    start = dt.datetime.combine(week_start, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(week_start + dt.timedelta(days=7), dt.time(), tzinfo=tz)
    # What they lead or their reports have, as far as they may see it today.
    responsible = (Q(coach=manager) | Q(rep__manager=manager)) & session_scope(manager)
    week_sessions = _with_open_request(
        _sessions()
        .occupying()
        .filter(responsible, scheduled_for__gte=start, scheduled_for__lt=end)
        # Peer practice between two reps takes none of the manager's week (DESIGN §13).
        .exclude(source=CoachingSession.Source.PEER)
    )
    days = [WeekDay(date=week_start + dt.timedelta(days=n)) for n in range(7)]
    for session in week_sessions:
        offset = (timezone.localtime(session.scheduled_for, tz).date() - week_start).days
        days[offset].sessions.append(session)
    to_record = list(
        _sessions()
        .ended_unrecorded(now=timezone.now())
        .filter(Q(coach=manager) & session_scope(manager))
    )
    commitments_due = list(
        Commitment.objects.open()
        .filter(
            Q(session__coach=manager) | Q(rep__manager=manager),
            coaching_scope(manager, rep="rep"),
            due_date__gte=week_start,
            due_date__lt=week_start + dt.timedelta(days=7),
        )
        .select_related("rep", "skill")
    )
    asked = list(
        RescheduleRequest.objects.filter(
            Q(session__coach=manager) | Q(session__rep__manager=manager),
            status=RescheduleRequest.Status.OPEN,
            session__status=CoachingSession.Status.SCHEDULED,
        )
        .select_related("session__rep")
        .order_by("session__scheduled_for", "pk")
    )
    return ManagerWeek(
        manager=manager,
        week_start=week_start,
        days=days,
        to_record=to_record,
        commitments_due=commitments_due,
        reschedule_requests=asked,
    )


@dataclass
class RepCoachingOverview:
    rep: User
    plan: CoachingPlan | None  # focus skills prefetched
    next_session: CoachingSession | None  # its ``agenda`` is what to prepare
    upcoming: list[CoachingSession]  # scheduled, soonest first, next_session included
    open_commitments: list[Commitment]
    # Missed since the last session that was held: they come up at the next one.
    missed_commitments: list[Commitment]
    # Sessions that happened or did not (held, missed, cancelled), newest first, with their
    # observations and commitments.
    history: list[CoachingSession]
    # Marked kept within the day in which that can still be undone.
    recently_kept: list[Commitment] = field(default_factory=list)
    # Peer practice the rep leads as a mentor: still to come, and of the last weeks.
    mentoring: list[CoachingSession] = field(default_factory=list)


def missed_since_last_held(*, rep: User) -> Q:
    """The commitments of ``rep`` missed since their last held session (all missed ones before
    the first): they come up at the next session, and only there. The one spelling of the rule,
    for the agenda and the rep's overview; the last held session is a subquery, so it costs no
    query of its own."""
    held = CoachingSession.objects.filter(rep=rep).held()
    last_held = held.order_by().values("rep").annotate(last=Max("held_at")).values("last")
    return Q(status=Commitment.Status.MISSED) & (
        Q(resolved_at__gt=Subquery(last_held)) | Q(~Exists(held.exclude(held_at=None)))
    )


def rep_coaching_overview(*, rep: User) -> RepCoachingOverview:
    """Everything on the rep's "My coaching" page (and a manager's view of one rep): the plan,
    the next session and its agenda, commitments to keep or discuss, recent history, and the
    peer practice they lead as a mentor. Nine queries, however much history there is. The
    caller checks the viewer may see ``rep`` (``accounts.selectors.person_for``); history
    carries private notes, which only ``can_see_private_notes`` may reveal.
    """
    now = timezone.now()
    plan = (
        CoachingPlan.objects.active()
        .filter(rep=rep)
        .select_related("coach")
        .prefetch_related("focus_skills")
        .first()
    )
    # A session that started but has not ended is still the next one.
    upcoming = list(_with_open_request(_sessions().upcoming(now=now).filter(rep=rep)))
    history = list(
        _sessions()
        .concluded()
        .filter(rep=rep)
        .prefetch_related(
            Prefetch("observations", Observation.objects.select_related("skill")),
            Prefetch("commitments", Commitment.objects.select_related("skill", "rep")),
        )
        .order_by("-scheduled_for")[:HISTORY_LENGTH]
    )
    missed = list(
        Commitment.objects.filter(rep=rep)
        .filter(missed_since_last_held(rep=rep))
        .select_related("skill", "session")
    )
    commitments = list(
        Commitment.objects.filter(rep=rep)
        .filter(
            Q(status=Commitment.Status.OPEN)
            | Q(status=Commitment.Status.KEPT, resolved_at__gt=now - KEPT_UNDO_WINDOW)
        )
        .select_related("skill", "session")
    )
    for commitment in [*commitments, *missed]:
        commitment.rep = rep  # who may review each asks about the rep: no query per row
    mentoring = list(
        _sessions()
        .filter(coach=rep, source=CoachingSession.Source.PEER)
        .filter(
            Q(status=CoachingSession.Status.SCHEDULED)
            | Q(scheduled_for__gte=now - dt.timedelta(days=MENTORING_DAYS_SHOWN))
        )
        .order_by("scheduled_for")[:HISTORY_LENGTH]
    )
    return RepCoachingOverview(
        rep=rep,
        plan=plan,
        next_session=upcoming[0] if upcoming else None,
        upcoming=upcoming,
        open_commitments=[c for c in commitments if c.status == Commitment.Status.OPEN],
        missed_commitments=missed,
        history=history,
        recently_kept=[c for c in commitments if c.kept_undoable],
        mentoring=mentoring,
    )
