"""What the weekly coaching budget could not take (DESIGN §13): the coach's list, pulling an item
into the week, taking the alternative it offers (peer practice or refresher questions), and
setting one aside as met another way.

Only the coach it was deferred for sees or acts on an item: anyone else gets a 404, so ids leak
nothing. Pulling books the session by the same slot rules as the booking that deferred it
(the first slot free for coach and rep from now), over the budget: the manager chose it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from coaching.changes import team_version_bump
from coaching.models import CoachingSession, DeferredCoaching, MentorPairing, SkillMemory
from coaching.sessions.budget import WEEK, BudgetWeek, budget_weeks, week_start_of
from coaching.sessions.decay import decay_session_book
from coaching.sessions.follow_up import follow_up_pull
from coaching.sessions.mentoring import pairing_approve, pairing_book_next
from coaching.sessions.pairing import MentorChoices, mentors_proposed
from coaching.skills.decay import DecayTrigger
from coaching.skills.memory import retention_forecast
from coaching.skills.refreshers import reinforcement_send_now
from config.errors import Conflict, DomainError
from lms.models import Skill

# A pulled item stays on the list this long, linking to its session.
PULLED_SHOWN = dt.timedelta(days=7)


def deferred_listed_for(*, coach: User, now: dt.datetime) -> list[DeferredCoaching]:
    """``coach``'s items still waiting, oldest week first, then those pulled or met by the
    alternative taken in the last week, with their session. One query."""
    recent = Q(resolved_at__gte=now - PULLED_SHOWN)
    rows = (
        DeferredCoaching.objects.filter(coach=coach)
        .filter(
            Q(status=DeferredCoaching.Status.WAITING)
            | Q(recent, status=DeferredCoaching.Status.PULLED)
            | (Q(recent, status=DeferredCoaching.Status.RESOLVED) & ~Q(note=""))
        )
        .select_related("rep", "skill", "module", "session__coach")
        .order_by("week_start", "created_at", "pk")
    )
    return sorted(rows, key=lambda item: item.status != DeferredCoaching.Status.WAITING)


@dataclass(frozen=True)
class BudgetOverview:
    """The manager's week against their budget, this week and next, and what did not fit."""

    this_week: BudgetWeek
    next_week: BudgetWeek
    uses_default: bool  # no hours of their own: the organisation's default
    deferred: list[DeferredCoaching]
    mentors: dict[int, User]  # a waiting peer-practice item's id to who would mentor it now

    @property
    def weeks(self) -> list[BudgetWeek]:
        return [self.this_week, self.next_week]

    @property
    def listed(self) -> list[tuple[DeferredCoaching, User | None]]:
        """Each listed item with who would take its peer practice now (None: nobody, or not
        peer practice)."""
        return [(item, self.mentors.get(item.pk)) for item in self.deferred]

    @property
    def waiting(self) -> int:
        return sum(item.status == DeferredCoaching.Status.WAITING for item in self.deferred)


def mentors_for(
    items: list[DeferredCoaching],
    now: dt.datetime | None = None,
    choices: MentorChoices | None = None,
) -> dict[int, User]:
    """Who would mentor each waiting peer-practice item's rep now, by the pairing rule, on its
    skill: ``mentors_proposed`` once for all of them (seven queries, one with the team's
    ``choices``; none without such items). An item nobody fits any more is left out."""
    peer = {
        item.pk: (item.rep_id, item.skill_id)
        for item in items
        if item.status == DeferredCoaching.Status.WAITING
        and item.alternative == DeferredCoaching.Alternative.PEER
        and item.skill_id is not None
    }
    found = mentors_proposed(needs=peer.values(), now=now, choices=choices)
    return {pk: found[need] for pk, need in peer.items() if need in found}


def budget_overview(
    *, manager: User, now: dt.datetime | None = None, choices: MentorChoices | None = None
) -> BudgetOverview:
    """The manager's two weeks and what did not fit: built into the team dashboard's cached
    entry (with the team's mentor ``choices``), and live when an action redraws the section.
    Two queries, and when peer practice is offered, who would mentor it: one more given
    ``choices``, seven without."""
    now = now or timezone.now()
    this_monday = week_start_of(now, manager.tzinfo)
    this_week, next_week = budget_weeks(
        manager=manager, week_starts=[this_monday, this_monday + WEEK]
    )
    deferred = deferred_listed_for(coach=manager, now=now)
    return BudgetOverview(
        this_week=this_week,
        next_week=next_week,
        uses_default=manager.coaching_budget_hours is None,
        deferred=deferred,
        mentors=mentors_for(deferred, now=now, choices=choices),
    )


def deferred_for(*, user: User, item_id: int, lock: bool = False) -> DeferredCoaching:
    """One of ``user``'s own deferred items; Http404 for anyone else's."""
    items = DeferredCoaching.objects.select_related("rep", "skill", "module", "completion")
    if lock:
        items = items.select_for_update(of=("self",))
    item = items.filter(pk=item_id, coach=user).first()
    if item is None:
        raise Http404("No such item.")
    return item


def _ensure_waiting(item: DeferredCoaching) -> None:
    if item.status != DeferredCoaching.Status.WAITING:
        raise DomainError(f"This is already {item.get_status_display().lower()}.")


def _decay_pull(*, item: DeferredCoaching, skill: Skill, now: dt.datetime) -> CoachingSession:
    memory = SkillMemory.objects.filter(rep=item.rep, skill=skill).first()
    recall = retention_forecast(memory=memory, at=now) if memory and memory.state else 0.0
    trigger = DecayTrigger(
        rep=item.rep,
        skill=skill,
        recall=recall,
        missed=0,
        reason=f"Pulled into the week by the coach: {item.reason}",
    )
    session = decay_session_book(trigger=trigger, now=now, budgeted=False)
    if isinstance(session, CoachingSession):
        return session
    # A session on the skill is already booked (or no slot at all): the booked one serves.
    booked = CoachingSession.objects.scheduled().filter(rep=item.rep, focus_skill=skill).first()
    if booked is None:
        raise DomainError("No free time for both of you in the coming weeks; book one by hand.")
    return booked


@transaction.atomic
def deferred_pull(*, actor: User, item_id: int, now: dt.datetime | None = None) -> DeferredCoaching:
    """Pull one of ``actor``'s deferred items into the week: book its session at the first slot
    free for both from now, over the budget, and mark the item pulled with the session.
    Http404 for someone else's item; DomainError when it is no longer waiting or no slot is
    free in the coming weeks."""
    now = now or timezone.now()
    item = deferred_for(user=actor, item_id=item_id, lock=True)
    _ensure_waiting(item)
    if item.kind == DeferredCoaching.Kind.FOLLOW_UP and item.completion is not None:
        session = follow_up_pull(completion=item.completion, now=now)
    elif item.skill is not None:
        session = _decay_pull(item=item, skill=item.skill, now=now)
    else:
        raise DomainError("Nothing to book for this item; set it aside instead.")
    item.status = DeferredCoaching.Status.PULLED
    item.session = session
    item.resolved_at = now
    item.save(update_fields=["status", "session", "resolved_at"])
    team_version_bump(rep_ids=[item.rep_id])
    return item


@transaction.atomic
def deferred_dismiss(
    *, actor: User, item_id: int, now: dt.datetime | None = None
) -> DeferredCoaching:
    """Set one of ``actor``'s deferred items aside as met another way (the peer practice or the
    refreshers it offered). Http404 for someone else's; DomainError if no longer waiting."""
    item = deferred_for(user=actor, item_id=item_id, lock=True)
    _ensure_waiting(item)
    item.status = DeferredCoaching.Status.RESOLVED
    item.resolved_at = now or timezone.now()
    item.save(update_fields=["status", "resolved_at"])
    team_version_bump(rep_ids=[item.rep_id])
    return item


# --- taking the alternative offered ---------------------------------------------------------------

PEER_TAKEN = "Peer practice booked"
REFRESHER_TAKEN = "Refresher questions sent"


def _skills_of(item: DeferredCoaching) -> list[Skill]:
    """The item's skill; for a follow-up recorded without one, its module's skills."""
    if item.skill is not None:
        return [item.skill]
    if item.module is not None:
        return list(item.module.skills.order_by("name", "pk"))
    return []


def _peer_take(*, actor: User, item: DeferredCoaching, now: dt.datetime) -> CoachingSession:
    """Book the peer practice: the mentor the pairing rule names now, the pairing approved and
    its first practice booked by the mentoring service (an active pairing's practice still to
    come serves, else its next is booked). DomainError when nobody fits or no slot does."""
    skills = _skills_of(item)
    if not skills:
        raise DomainError("This item names no skill to practise; pull it into the week instead.")
    found = mentors_proposed(needs=[(item.rep_id, skill.pk) for skill in skills], now=now)
    skill = next((skill for skill in skills if (item.rep_id, skill.pk) in found), None)
    if skill is None:
        names = ", ".join(skill.name for skill in skills)
        raise DomainError(
            f"Nobody can mentor {item.rep} on {names} any more; nothing was booked. "
            "Pull it into the week or send refresher questions instead."
        )
    mentor = found[(item.rep_id, skill.pk)]
    pairing = MentorPairing.objects.filter(
        mentee_id=item.rep_id,
        mentor=mentor,
        skill=skill,
        status=MentorPairing.Status.ACTIVE,
    ).first()
    if pairing is None:
        return pairing_approve(
            actor=actor, mentee_id=item.rep_id, mentor_id=mentor.pk, skill_id=skill.pk, now=now
        ).session
    booked = (
        CoachingSession.objects.scheduled()
        .filter(
            source=CoachingSession.Source.PEER,
            rep_id=item.rep_id,
            coach=mentor,
            focus_skill=skill,
            scheduled_for__gte=now,
        )
        .order_by("scheduled_for")
        .first()
    )
    return booked or pairing_book_next(actor=actor, pairing_id=pairing.pk, now=now)


def _refresher_take(*, item: DeferredCoaching, now: dt.datetime) -> Skill:
    """Send refresher questions on the item's skill (the first of its module's skills with
    questions, for a follow-up recorded without one). DomainError when none has questions."""
    skills = _skills_of(item)
    if not skills:
        raise DomainError("This item names no skill to send refreshers on; pull it into the week.")
    for skill in skills:
        try:
            reinforcement_send_now(rep=item.rep, skill=skill, now=now)
        except Conflict:
            raise
        except DomainError:  # no questions on this skill: the next one may have some
            continue
        return skill
    names = ", ".join(skill.name for skill in skills)
    raise DomainError(
        f"There are no quiz questions on {names} to send as refreshers; nothing was sent. "
        "Pull it into the week instead."
    )


@transaction.atomic
def deferred_take_alternative(
    *, actor: User, item_id: int, now: dt.datetime | None = None
) -> DeferredCoaching:
    """Take the alternative one of ``actor``'s deferred items offers instead of their time:
    peer practice (the pairing approved and the practice booked by the mentoring service, by
    the same slot rules) or refresher questions (sent through the reinforcement service); the
    item is then met, with a note saying how, and the peer session linked. All of it or
    nothing. Http404 for someone else's item; DomainError when it is no longer waiting, nobody
    can mentor any more, no slot fits, or there are no questions to send."""
    now = now or timezone.now()
    item = deferred_for(user=actor, item_id=item_id, lock=True)
    _ensure_waiting(item)
    if item.alternative == DeferredCoaching.Alternative.PEER:
        item.session = _peer_take(actor=actor, item=item, now=now)
        item.note = PEER_TAKEN
    else:
        _refresher_take(item=item, now=now)
        item.note = REFRESHER_TAKEN
    item.status = DeferredCoaching.Status.RESOLVED
    item.resolved_at = now
    item.save(update_fields=["status", "session", "note", "resolved_at"])
    team_version_bump(rep_ids=[item.rep_id])
    return item
