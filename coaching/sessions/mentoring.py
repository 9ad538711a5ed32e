"""Peer mentoring (DESIGN §13, docs/skills.md "Peer mentoring"): a rep strong on a skill
practises it with a teammate who has a gap on it.

The pairing rule, in one place:

- the mentor is an active rep at "applied" or "mastered" on the skill, never the mentee;
- the mentee is an active rep with a coaching gap or a practice gap on it (``mentor_proposed``
  leaves the need to its caller: a deferred item of the coaching budget is one);
- both are in the same team (the same manager), or anywhere in the organisation when
  ``settings.PEER_MENTORING_ACROSS_TEAMS`` is on;
- a standing decision comes first: an active pairing names the mentor; a declined one means no
  proposal for that mentee and skill while its row stands (another mentor waits for it to end,
  as the model's constraint says);
- among candidates: "mastered" before "applied", a teammate before someone of another team,
  then the higher application score, then the higher retention, then the name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
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
from coaching.sessions.plans import plan_for_rep
from coaching.sessions.services import session_cancel
from coaching.sessions.slots import NoSlotFound, SlotRules, calendar_lock, pair_load, slot_find
from coaching.skills.refreshers import latest_completed, teaching_modules
from coaching.skills.rules import DIAGNOSIS_LABELS, Diagnosis, Stage
from coaching.skills.standing import Standing, skill_standings
from config.errors import Conflict, DomainError
from lms.models import Module, Skill

MENTOR_STAGES = (Stage.APPLIED, Stage.MASTERED)
MENTEE_DIAGNOSES = (Diagnosis.COACHING_GAP, Diagnosis.PRACTICE_GAP)
# A pairing decided either way stands: its mentee is not proposed a mentor on the skill again.
DECIDED = (MentorPairing.Status.ACTIVE, MentorPairing.Status.DECLINED)


def _rank(mentee: User, mentor: User, standing: Standing) -> tuple:
    """Smaller is better: the order of the module docstring's last rule."""
    return (
        standing.stage != Stage.MASTERED,
        mentor.manager_id != mentee.manager_id,
        -(standing.summary.score or 0),
        -(standing.retention or 0),
        mentor.username,
    )


def best_mentor(
    *,
    mentee: User,
    candidates: list[User],
    standings: dict[tuple[int, int], Standing],
    skill_id: int,
) -> User | None:
    """The first of ``candidates`` by the ranking, among those at applied or mastered."""
    able = [
        (mentor, standings[(mentor.pk, skill_id)])
        for mentor in candidates
        if mentor.pk != mentee.pk
        and mentor.is_active
        and (mentor.pk, skill_id) in standings
        and standings[(mentor.pk, skill_id)].stage in MENTOR_STAGES
    ]
    if not able:
        return None
    return min(able, key=lambda item: _rank(mentee, item[0], item[1]))[0]


def mentor_proposed(*, rep_id: int, skill_id: int, now: dt.datetime | None = None) -> User | None:
    """Who would mentor this rep on this skill: the mentor of an active pairing first, else the
    best candidate by the pairing rule; None if nobody (or a declined pairing stands).

    The rep's own need (a gap, a deferred session) is the caller's to judge. Seven queries.
    """
    return mentors_proposed(needs=[(rep_id, skill_id)], now=now).get((rep_id, skill_id))


def mentors_proposed(
    *, needs: Iterable[tuple[int, int]], now: dt.datetime | None = None
) -> dict[tuple[int, int], User]:
    """``mentor_proposed`` for many ``(rep_id, skill_id)`` at once: each pair that has a mentor,
    to that mentor. Seven queries however many pairs."""
    needs = set(needs)
    if not needs:
        return {}
    mentees = User.objects.active().filter(
        pk__in={rep_id for rep_id, _ in needs}, role=User.Role.REP
    )
    by_id = {mentee.pk: mentee for mentee in mentees}
    standing = {
        (pairing.mentee_id, pairing.skill_id): pairing
        for pairing in MentorPairing.objects.filter(
            mentee_id__in=by_id,
            skill_id__in={skill_id for _, skill_id in needs},
            status__in=DECIDED,
        ).select_related("mentor")
    }
    found: dict[tuple[int, int], User] = {}
    open_needs: list[tuple[User, int]] = []
    for rep_id, skill_id in sorted(needs):
        mentee = by_id.get(rep_id)
        if mentee is None:
            continue
        pairing = standing.get((rep_id, skill_id))
        if pairing is None:
            open_needs.append((mentee, skill_id))
        elif pairing.status == MentorPairing.Status.ACTIVE and pairing.mentor.is_active:
            found[(rep_id, skill_id)] = pairing.mentor
    across = settings.PEER_MENTORING_ACROSS_TEAMS
    teams = {mentee.manager_id for mentee, _ in open_needs if mentee.manager_id is not None}
    if not open_needs or not (across or teams):
        return found
    # Who may mentor by team: teammates, or everyone when allowed.
    reps = User.objects.active().filter(role=User.Role.REP)
    if not across:
        reps = reps.filter(manager_id__in=teams)
    candidates = list(reps.order_by("username"))
    standings = skill_standings(
        rep_ids=[rep.pk for rep in candidates],
        skill_ids={skill_id for _, skill_id in open_needs},
        now=now,
    )
    for mentee, skill_id in open_needs:
        mentor = best_mentor(
            mentee=mentee,
            candidates=[
                rep
                for rep in candidates
                if across or (mentee.manager_id is not None and rep.manager_id == mentee.manager_id)
            ],
            standings=standings,
            skill_id=skill_id,
        )
        if mentor is not None:
            found[(mentee.pk, skill_id)] = mentor
    return found


@dataclass(frozen=True)
class Proposal:
    """A pair the manager may approve: ``mentor`` practises ``skill`` with ``mentee``."""

    mentor: User
    mentee: User
    skill: Skill
    mentor_stage: Stage
    mentee_diagnosis: Diagnosis

    @property
    def mentee_diagnosis_label(self) -> str:
        return DIAGNOSIS_LABELS[self.mentee_diagnosis].lower()


def mentor_proposals(
    *,
    manager: User,
    now: dt.datetime | None = None,
    decided: set[tuple[int, int]] | None = None,
) -> list[Proposal]:
    """The pairs proposed for ``manager``'s team (the mentees are theirs; the mentors are
    teammates, or anyone when ``PEER_MENTORING_ACROSS_TEAMS`` is on), one per mentee and skill,
    none where a pairing stands (``decided``: the (mentee, skill) pairs with an active or
    declined pairing, when the caller has read them). By mentee, then skill name. A fixed
    number of queries: seven, six given ``decided``.
    """
    now = now or timezone.now()
    if manager.is_org_admin:
        mentees = list(User.objects.active().filter(role=User.Role.REP))
    else:
        mentees = list(User.objects.active().filter(role=User.Role.REP, manager=manager))
    if not mentees:
        return []
    if settings.PEER_MENTORING_ACROSS_TEAMS or manager.is_org_admin:
        reps = list(User.objects.active().filter(role=User.Role.REP))
    else:
        reps = mentees
    standings = skill_standings(rep_ids=[rep.pk for rep in reps], now=now)
    if decided is None:
        decided = set(
            MentorPairing.objects.filter(
                mentee__in=mentees,
                status__in=DECIDED,
            ).values_list("mentee_id", "skill_id")
        )
    wanted = [
        standing
        for standing in standings.values()
        if standing.diagnosis in MENTEE_DIAGNOSES
        and standing.rep_id in {mentee.pk for mentee in mentees}
        and (standing.rep_id, standing.skill_id) not in decided
    ]
    by_id = {rep.pk: rep for rep in reps}
    found = []
    for need in wanted:
        mentee = by_id[need.rep_id]
        candidates = [
            rep
            for rep in reps
            if settings.PEER_MENTORING_ACROSS_TEAMS or rep.manager_id == mentee.manager_id
        ]
        mentor = best_mentor(
            mentee=mentee, candidates=candidates, standings=standings, skill_id=need.skill_id
        )
        if mentor is not None:
            found.append((mentee, mentor, need))
    skills = Skill.objects.in_bulk({need.skill_id for _, _, need in found})
    proposals = [
        Proposal(
            mentor=mentor,
            mentee=mentee,
            skill=skills[need.skill_id],
            mentor_stage=standings[(mentor.pk, need.skill_id)].stage,
            mentee_diagnosis=need.diagnosis,
        )
        for mentee, mentor, need in found
    ]
    proposals.sort(key=lambda p: (p.mentee.username, p.skill.name, p.skill.pk))
    return proposals


# --- deciding on a proposal, and booking the practice ---------------------------------------------


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


# --- what the manager's dashboard shows -----------------------------------------------------------


@dataclass(frozen=True)
class ActivePairing:
    pairing: MentorPairing
    next_session: CoachingSession | None  # the pair's next peer practice still to come


@dataclass(frozen=True)
class MentoringOverview:
    proposals: list[Proposal]
    active: list[ActivePairing]


def mentoring_overview(*, manager: User, now: dt.datetime | None = None) -> MentoringOverview:
    """The proposals for ``manager``'s team (``mentor_proposals``) and the active pairings of
    its mentees with their next peer session. A fixed number of queries."""
    now = now or timezone.now()
    decisions = MentorPairing.objects.filter(
        status__in=DECIDED,
        mentee__is_active=True,
    ).select_related("mentor", "mentee", "skill")
    if not manager.is_org_admin:
        decisions = decisions.filter(mentee__manager=manager)
    standing = list(decisions.order_by("mentee__username", "pk"))
    pairings = [p for p in standing if p.status == MentorPairing.Status.ACTIVE]
    upcoming: dict[tuple[int, int | None, int | None], CoachingSession] = {}
    if pairings:
        for session in (
            CoachingSession.objects.scheduled()
            .filter(
                source=CoachingSession.Source.PEER,
                rep_id__in={p.mentee_id for p in pairings},
                scheduled_for__gte=now - dt.timedelta(hours=1),
            )
            .order_by("-scheduled_for")
        ):
            upcoming[(session.rep_id, session.coach_id, session.focus_skill_id)] = session
    return MentoringOverview(
        proposals=mentor_proposals(
            manager=manager, now=now, decided={(p.mentee_id, p.skill_id) for p in standing}
        ),
        active=[
            ActivePairing(
                pairing=p, next_session=upcoming.get((p.mentee_id, p.mentor_id, p.skill_id))
            )
            for p in pairings
        ],
    )
