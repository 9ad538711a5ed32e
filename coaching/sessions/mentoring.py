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
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from coaching.models import MentorPairing
from coaching.skills.rules import Diagnosis, Stage
from coaching.skills.standing import Standing, skill_standings
from lms.models import Skill

MENTOR_STAGES = (Stage.APPLIED, Stage.MASTERED)
MENTEE_DIAGNOSES = (Diagnosis.COACHING_GAP, Diagnosis.PRACTICE_GAP)


def _candidates(*, mentee: User) -> list[User]:
    """Active reps who may mentor ``mentee`` by team: teammates, or everyone when allowed."""
    reps = User.objects.active().filter(role=User.Role.REP).exclude(pk=mentee.pk)
    if not settings.PEER_MENTORING_ACROSS_TEAMS:
        if mentee.manager_id is None:
            return []
        reps = reps.filter(manager_id=mentee.manager_id)
    return list(reps.order_by("username"))


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
    mentee = User.objects.active().filter(pk=rep_id, role=User.Role.REP).first()
    if mentee is None:
        return None
    standing = (
        MentorPairing.objects.filter(
            mentee_id=rep_id,
            skill_id=skill_id,
            status__in=[MentorPairing.Status.ACTIVE, MentorPairing.Status.DECLINED],
        )
        .select_related("mentor")
        .first()
    )
    if standing is not None:
        if standing.status == MentorPairing.Status.ACTIVE and standing.mentor.is_active:
            return standing.mentor
        return None
    candidates = _candidates(mentee=mentee)
    standings = skill_standings(
        rep_ids=[mentor.pk for mentor in candidates], skill_ids=[skill_id], now=now
    )
    return best_mentor(mentee=mentee, candidates=candidates, standings=standings, skill_id=skill_id)


@dataclass(frozen=True)
class Proposal:
    """A pair the manager may approve: ``mentor`` practises ``skill`` with ``mentee``."""

    mentor: User
    mentee: User
    skill: Skill
    mentor_stage: Stage
    mentee_diagnosis: Diagnosis


def mentor_proposals(*, manager: User, now: dt.datetime | None = None) -> list[Proposal]:
    """The pairs proposed for ``manager``'s team (the mentees are theirs; the mentors are
    teammates, or anyone when ``PEER_MENTORING_ACROSS_TEAMS`` is on), one per mentee and skill,
    none where a pairing stands. By mentee, then skill name. A fixed number of queries.
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
    decided = set(
        MentorPairing.objects.filter(
            mentee__in=mentees,
            status__in=[MentorPairing.Status.ACTIVE, MentorPairing.Status.DECLINED],
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
