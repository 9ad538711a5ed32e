"""Peer mentoring's decisions and bookings (DESIGN §13, docs/skills.md "Peer mentoring"): a
manager approves or declines a pair proposed by ``coaching.sessions.pairing`` (the pairing rule
and what the dashboard shows), approval books the pair's peer practice, and a pairing ends.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.permissions import can_coach
from coaching.changes import team_version_bump
from coaching.models import CoachingSession, MentorPairing
from coaching.sessions.agenda import agenda_build
from coaching.sessions.booking import session_create
from coaching.sessions.pairing import DECIDED, best_mentor
from coaching.sessions.plans import plan_for_rep
from coaching.sessions.services import session_cancel
from coaching.sessions.slots import NoSlotFound, SlotRules, calendar_lock, pair_load, slot_find
from coaching.skills.refreshers import latest_completed, teaching_modules
from coaching.skills.standing import skill_standings
from config.errors import Conflict, DomainError
from lms.models import Module, Skill


def _first_name(person: User) -> str:
    return person.first_name or person.username


def _decision_parties(
    *, actor: User, mentee_id: int, mentor_id: int, skill_id: int
) -> tuple[User, User, Skill]:
    """The mentee (one ``actor`` coaches: Http404 otherwise, so ids leak nothing), the mentor
    and the skill of a proposal, with the pairing rule checked again: the page may be stale."""
    mentee = (
        User.objects.active()
        .select_related("manager")
        .filter(pk=mentee_id, role=User.Role.REP)
        .first()
    )
    if mentee is None or mentee.pk == actor.pk or not can_coach(actor, mentee):
        raise Http404("No such rep in your team.")
    skill = Skill.objects.filter(pk=skill_id).first()
    if skill is None:
        raise Http404("No such skill.")
    mentor = User.objects.active().filter(pk=mentor_id, role=User.Role.REP).first()
    if mentor is None or mentor.pk == mentee.pk:
        raise DomainError("That mentor cannot be paired: choose one of the proposals.")
    if not settings.PEER_MENTORING_ACROSS_TEAMS and mentor.manager_id != mentee.manager_id:
        raise DomainError(
            f"{mentor} is not in {mentee}'s team; peer mentoring stays within a team."
        )
    return mentee, mentor, skill


def _ensure_undecided(*, mentee: User, skill: Skill) -> None:
    standing = (
        MentorPairing.objects.filter(
            mentee=mentee,
            skill=skill,
            status__in=DECIDED,
        )
        .select_related("mentor")
        .first()
    )
    if standing is not None:
        raise Conflict(
            f"{mentee} already has a decision on {skill.name}: {standing.mentor} was "
            f"{standing.get_status_display().lower()}."
        )


def _practice_module(*, mentee: User, skill: Skill) -> Module | None:
    """The module whose practice task the pair role-play: of the modules teaching the skill
    with a practice task, the one the mentee completed last, else the first."""
    modules = [module for module in teaching_modules(skill=skill) if module.practice_task.strip()]
    return latest_completed(rep=mentee, modules=modules)


def peer_rules() -> SlotRules:
    """The booking rules of a peer session: the organisation's, with a week before "late"
    (practice is not as urgent as a follow-up after training)."""
    return dataclasses.replace(
        SlotRules.from_settings(),
        window=dt.timedelta(hours=settings.DECAY_COACHING_WINDOW_HOURS),
    )


def peer_session_book(
    *, pairing: MentorPairing, now: dt.datetime | None = None, booked_by: User | None = None
) -> CoachingSession:
    """Book a peer practice session for an active pairing: at the first slot both reps have by
    the booking rules (both working hours and time off, sessions and calendar busy times, the
    mentor's daily cap on sessions they lead), led by the mentor, on the mentee's plan, with
    the module's practice task as the role-play. No manager takes part, so no manager time is
    used. Invites and reminders go to both reps as for every session. Raises NoSlotFound."""
    now = now or timezone.now()
    mentor, mentee, skill = pairing.mentor, pairing.mentee, pairing.skill
    with transaction.atomic():
        # Two bookings for one rep take turns, as every booking does.
        for person in sorted([mentor, mentee], key=lambda p: p.pk):
            calendar_lock(person)
        rules = peer_rules()
        pair = pair_load(coach=mentor, rep=mentee, after=now, rules=rules)
        slot = slot_find(
            after=now, people=pair.people, sessions_per_day=pair.sessions_per_day, rules=rules
        )
        module = _practice_module(mentee=mentee, skill=skill)
        agenda = agenda_build(
            rep=mentee,
            source=CoachingSession.Source.PEER,
            skills=[skill],
            module=module,
            reason=(
                f"{_first_name(mentor)} practises {skill.name} with {_first_name(mentee)}: "
                f"role-play the task, then {_first_name(mentor)} rates it on the rubric."
            ),
        )
        return session_create(
            plan=plan_for_rep(rep=mentee),
            rep=mentee,
            coach=mentor,
            scheduled_for=slot.start,
            duration_minutes=rules.session_minutes,
            late=slot.late,
            source=CoachingSession.Source.PEER,
            agenda=agenda,
            module=module,
            focus_skill_id=skill.pk,
            booked_by=booked_by,
        )


@dataclass(frozen=True)
class Approved:
    pairing: MentorPairing
    session: CoachingSession


def pairing_approve(
    *, actor: User, mentee_id: int, mentor_id: int, skill_id: int, now: dt.datetime | None = None
) -> Approved:
    """The mentee's manager (or an admin) approves a proposal: the pairing is stored and the
    first peer practice session booked, together or not at all. Http404 for a rep ``actor``
    does not coach; DomainError when the mentor does not qualify by the pairing rule or no
    slot fits both reps; Conflict when a decision on this mentee and skill stands."""
    mentee, mentor, skill = _decision_parties(
        actor=actor, mentee_id=mentee_id, mentor_id=mentor_id, skill_id=skill_id
    )
    standings = skill_standings(rep_ids=[mentor.pk], skill_ids=[skill.pk], now=now)
    if (
        best_mentor(mentee=mentee, candidates=[mentor], standings=standings, skill_id=skill.pk)
        is None
    ):
        raise DomainError(
            f"{mentor} is not at applied or mastered on {skill.name}, so cannot mentor it."
        )
    try:
        with transaction.atomic():
            _ensure_undecided(mentee=mentee, skill=skill)
            pairing = MentorPairing.objects.create(
                mentor=mentor, mentee=mentee, skill=skill, decided_by=actor
            )
            session = peer_session_book(pairing=pairing, now=now, booked_by=actor)
    except IntegrityError:
        raise Conflict(f"{mentee} already has a decision on {skill.name}.") from None
    except NoSlotFound:
        raise DomainError(
            f"No time free for both {mentor} and {mentee} in the coming weeks; nothing was "
            "approved. Try again when their calendars have room."
        ) from None
    team_version_bump(rep_ids=[mentee.pk, mentor.pk])
    return Approved(pairing=pairing, session=session)


def pairing_decline(*, actor: User, mentee_id: int, mentor_id: int, skill_id: int) -> MentorPairing:
    """The mentee's manager (or an admin) declines a proposal: stored, so this mentee and skill
    are not proposed again while the row stands. Http404 and Conflict as ``pairing_approve``."""
    mentee, mentor, skill = _decision_parties(
        actor=actor, mentee_id=mentee_id, mentor_id=mentor_id, skill_id=skill_id
    )
    try:
        with transaction.atomic():
            _ensure_undecided(mentee=mentee, skill=skill)
            pairing = MentorPairing.objects.create(
                mentor=mentor,
                mentee=mentee,
                skill=skill,
                decided_by=actor,
                status=MentorPairing.Status.DECLINED,
            )
    except IntegrityError:
        raise Conflict(f"{mentee} already has a decision on {skill.name}.") from None
    team_version_bump(rep_ids=[mentee.pk])
    return pairing


def pairing_for(*, user: User, pairing_id: int) -> MentorPairing:
    """An active pairing whose mentee ``user`` coaches (their manager, an admin); Http404 for
    anyone else's, so ids leak nothing."""
    pairing = (
        MentorPairing.objects.select_related("mentor", "mentee__manager", "skill")
        .filter(pk=pairing_id, status=MentorPairing.Status.ACTIVE)
        .first()
    )
    if pairing is None or user.pk == pairing.mentee_id or not can_coach(user, pairing.mentee):
        raise Http404("No such pairing in your team.")
    return pairing


def _scheduled_practice(pairing: MentorPairing):
    return CoachingSession.objects.scheduled().filter(
        source=CoachingSession.Source.PEER,
        rep_id=pairing.mentee_id,
        coach_id=pairing.mentor_id,
        focus_skill_id=pairing.skill_id,
    )


def pairing_book_next(
    *, actor: User, pairing_id: int, now: dt.datetime | None = None
) -> CoachingSession:
    """The mentee's manager books the pair's next peer practice, by the same rules as the
    first. Http404 as ``pairing_for``; DomainError while one is still to come, or when no time
    fits both reps."""
    pairing = pairing_for(user=actor, pairing_id=pairing_id)
    if _scheduled_practice(pairing).exists():
        raise DomainError(
            f"{pairing.mentor} and {pairing.mentee} have a practice booked already; "
            "book the next one once it has taken place."
        )
    try:
        return peer_session_book(pairing=pairing, now=now, booked_by=actor)
    except NoSlotFound:
        raise DomainError(
            f"No time free for both {pairing.mentor} and {pairing.mentee} in the coming weeks."
        ) from None


@transaction.atomic
def pairing_end(*, actor: User, pairing_id: int) -> MentorPairing:
    """The mentee's manager ends a pairing: practice still to come is cancelled (both reps are
    told), and the mentee may be proposed a mentor on the skill again. Http404 as
    ``pairing_for``."""
    pairing = pairing_for(user=actor, pairing_id=pairing_id)
    for session in _scheduled_practice(pairing).select_related("rep", "coach"):
        session_cancel(
            actor=actor,
            session=session,
            reason=f"{actor} ended the peer mentoring on {pairing.skill.name}.",
        )
    pairing.status = MentorPairing.Status.ENDED
    pairing.ended_at = timezone.now()
    pairing.save(update_fields=["status", "ended_at"])
    team_version_bump(rep_ids=[pairing.mentee_id, pairing.mentor_id])
    return pairing
