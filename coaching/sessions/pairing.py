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

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from coaching.models import CoachingSession, MentorPairing
from coaching.skills.rules import DIAGNOSIS_LABELS, Diagnosis, Stage
from coaching.skills.standing import Standing, skill_standings
from lms.models import Skill

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
