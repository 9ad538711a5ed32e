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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from accounts.selectors import team_of
from coaching.models import CoachingSession, MentorPairing
from coaching.skills.rules import DIAGNOSIS_LABELS, Diagnosis, Stage
from coaching.skills.standing import Standing, skill_standings
from lms.models import Skill

MENTOR_STAGES = (Stage.APPLIED, Stage.MASTERED)
MENTEE_DIAGNOSES = (Diagnosis.COACHING_GAP, Diagnosis.PRACTICE_GAP)
# A pairing decided either way stands: its mentee is not proposed a mentor on the skill again.
DECIDED = (MentorPairing.Status.ACTIVE, MentorPairing.Status.DECLINED)


@dataclass(frozen=True)
class Able:
    """A rep who may mentor a skill (at applied or mastered on it), with what ranks them."""

    mentor: User
    stage: Stage
    score: float  # the application score, 0 when never observed
    retention: float  # forecast recall now, 0 before any review


def _rank(mentee: User, able: Able) -> tuple:
    """Smaller is better: the order of the module docstring's last rule."""
    return (
        able.stage != Stage.MASTERED,
        able.mentor.manager_id != mentee.manager_id,
        -able.score,
        -able.retention,
        able.mentor.username,
    )


def _best(mentee: User, able: Iterable[Able]) -> Able | None:
    pool = [item for item in able if item.mentor.pk != mentee.pk]
    return min(pool, key=lambda item: _rank(mentee, item)) if pool else None


def able_mentors(
    *, candidates: Iterable[User], standings: dict[tuple[int, int], Standing]
) -> dict[int, list[Able]]:
    """Per skill id, the active ``candidates`` at applied or mastered on it."""
    by_id = {rep.pk: rep for rep in candidates if rep.is_active}
    able: dict[int, list[Able]] = defaultdict(list)
    for (rep_id, skill_id), standing in standings.items():
        if rep_id in by_id and standing.stage in MENTOR_STAGES:
            able[skill_id].append(
                Able(
                    mentor=by_id[rep_id],
                    stage=standing.stage,
                    score=standing.summary.score or 0,
                    retention=standing.retention or 0,
                )
            )
    return dict(able)


def best_mentor(
    *,
    mentee: User,
    candidates: list[User],
    standings: dict[tuple[int, int], Standing],
    skill_id: int,
) -> User | None:
    """The first of ``candidates`` by the ranking, among those at applied or mastered."""
    able = able_mentors(candidates=candidates, standings=standings).get(skill_id, [])
    best = _best(mentee, able)
    return best.mentor if best else None


@dataclass(frozen=True)
class MentorChoices:
    """What the pairing rule says for a set of mentees before any decision: who may mentor each
    skill among those the mentees may pair with, and the mentees' own gaps. The evidence is read
    once to build it (``mentor_choices``); the decisions that stand are laid over it when it is
    read, so a cached one (the team dashboard keeps one) never hides an approval or a decline.
    """

    mentees: dict[int, User]
    able: dict[int, list[Able]]  # skill id: who may mentor it
    gaps: dict[tuple[int, int], Diagnosis]  # (mentee, skill): a coaching or practice gap
    skills: dict[int, Skill]  # the skills of ``gaps``, when asked for
    across: bool  # PEER_MENTORING_ACROSS_TEAMS when it was built

    def best(self, mentee: User, skill_id: int) -> Able | None:
        """The best mentor for ``mentee`` on the skill: a teammate, or anyone when across."""
        return _best(
            mentee,
            (
                item
                for item in self.able.get(skill_id, ())
                if self.across
                or (mentee.manager_id is not None and item.mentor.manager_id == mentee.manager_id)
            ),
        )


def mentor_choices(
    *,
    mentees: Iterable[User],
    skill_ids: Iterable[int] | None = None,
    now: dt.datetime | None = None,
    with_skills: bool = False,
) -> MentorChoices:
    """``MentorChoices`` for ``mentees`` (active reps), on ``skill_ids`` or every skill. Five
    queries, six ``with_skills``; none with no mentees."""
    across = settings.PEER_MENTORING_ACROSS_TEAMS
    by_id = {mentee.pk: mentee for mentee in mentees}
    teams = {mentee.manager_id for mentee in by_id.values() if mentee.manager_id is not None}
    if not by_id or not (across or teams):
        return MentorChoices(mentees=by_id, able={}, gaps={}, skills={}, across=across)
    # Who may mentor by team: teammates, or everyone when allowed. One instance per person, so a
    # cached entry pickles each once.
    reps = User.objects.active().filter(role=User.Role.REP)
    if not across:
        reps = reps.filter(manager_id__in=teams)
    candidates = [by_id.get(rep.pk, rep) for rep in reps]
    standings = skill_standings(
        rep_ids={rep.pk for rep in candidates} | set(by_id), skill_ids=skill_ids, now=now
    )
    gaps = {
        (rep_id, skill_id): standing.diagnosis
        for (rep_id, skill_id), standing in standings.items()
        if rep_id in by_id and standing.diagnosis in MENTEE_DIAGNOSES
    }
    skills = Skill.objects.in_bulk({skill_id for _, skill_id in gaps}) if with_skills else {}
    return MentorChoices(
        mentees=by_id,
        able=able_mentors(candidates=candidates, standings=standings),
        gaps=gaps,
        skills=skills,
        across=across,
    )


def mentor_proposed(*, rep_id: int, skill_id: int, now: dt.datetime | None = None) -> User | None:
    """Who would mentor this rep on this skill: the mentor of an active pairing first, else the
    best candidate by the pairing rule; None if nobody (or a declined pairing stands).

    The rep's own need (a gap, a deferred session) is the caller's to judge. Seven queries.
    """
    return mentors_proposed(needs=[(rep_id, skill_id)], now=now).get((rep_id, skill_id))


def mentors_proposed(
    *,
    needs: Iterable[tuple[int, int]],
    now: dt.datetime | None = None,
    choices: MentorChoices | None = None,
) -> dict[tuple[int, int], User]:
    """``mentor_proposed`` for many ``(rep_id, skill_id)`` at once: each pair that has a mentor,
    to that mentor. Seven queries however many pairs; one with ``choices`` that cover the reps
    (the team dashboard's)."""
    needs = set(needs)
    if not needs:
        return {}
    known = choices.mentees if choices else {}
    by_id = {rep_id: known[rep_id] for rep_id, _ in needs if rep_id in known}
    missing = {rep_id for rep_id, _ in needs} - set(by_id)
    if missing:
        by_id.update(
            (mentee.pk, mentee)
            for mentee in User.objects.active().filter(pk__in=missing, role=User.Role.REP)
        )
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
    uncovered = [(mentee, skill_id) for mentee, skill_id in open_needs if mentee.pk not in known]
    live = (
        mentor_choices(
            mentees=[mentee for mentee, _ in uncovered],
            skill_ids={skill_id for _, skill_id in uncovered},
            now=now,
        )
        if uncovered
        else None
    )
    for mentee, skill_id in open_needs:
        source = choices if mentee.pk in known else live
        best = source.best(mentee, skill_id) if source is not None else None
        if best is not None:
            found[(mentee.pk, skill_id)] = best.mentor
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
    choices: MentorChoices | None = None,
) -> list[Proposal]:
    """The pairs proposed for ``manager``'s team (the mentees are theirs; the mentors are
    teammates, or anyone when ``PEER_MENTORING_ACROSS_TEAMS`` is on), one per mentee and skill,
    none where a pairing stands (``decided``: the (mentee, skill) pairs with an active or
    declined pairing, when the caller has read them). By mentee, then skill name.

    ``choices`` are the team's ``MentorChoices`` when the caller has them (the team dashboard's
    cached entry): then no query given ``decided``. Otherwise eight queries, seven given
    ``decided``.
    """
    if choices is None:
        mentees = team_of(manager=manager).filter(role=User.Role.REP)
        choices = mentor_choices(mentees=mentees, now=now, with_skills=True)
    if decided is None:
        decided = set(
            MentorPairing.objects.filter(
                mentee_id__in=choices.mentees, status__in=DECIDED
            ).values_list("mentee_id", "skill_id")
        )
    proposals = []
    for (mentee_id, skill_id), diagnosis in choices.gaps.items():
        if (mentee_id, skill_id) in decided:
            continue
        mentee = choices.mentees[mentee_id]
        best = choices.best(mentee, skill_id)
        if best is not None:
            proposals.append(
                Proposal(
                    mentor=best.mentor,
                    mentee=mentee,
                    skill=choices.skills[skill_id],
                    mentor_stage=best.stage,
                    mentee_diagnosis=diagnosis,
                )
            )
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


def mentoring_overview(
    *, manager: User, now: dt.datetime | None = None, choices: MentorChoices | None = None
) -> MentoringOverview:
    """The proposals for ``manager``'s team (``mentor_proposals``, from ``choices`` when the
    caller has the team's) and the active pairings of its mentees with their next peer session.
    A fixed number of queries: one or two given ``choices``."""
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
            manager=manager,
            now=now,
            decided={(p.mentee_id, p.skill_id) for p in standing},
            choices=choices,
        ),
        active=[
            ActivePairing(
                pairing=p, next_session=upcoming.get((p.mentee_id, p.mentor_id, p.skill_id))
            )
            for p in pairings
        ],
    )
