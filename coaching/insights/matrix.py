"""The team skill matrix: per rep and skill, knowledge, application, retention, stage,
diagnosis and the recommended action (docs/skills.md §4).

Numbers come from the evidence (docs/skills.md), the rules from ``coaching.skills.rules``. The
matrix costs the same handful of queries whatever the size of the team or the taxonomy.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.permissions import can_coach
from accounts.selectors import team_of
from coaching.insights.cache import team_cached
from coaching.models import CoachingPlan
from coaching.skills.rules import DIAGNOSIS_LABELS, Diagnosis, Stage
from coaching.skills.standing import skill_standings
from lms.models import Course, Module, ModuleCompletion, Skill


@dataclass(frozen=True)
class RecommendedAction:
    kind: str  # assign_module, reassign_module, coaching_focus, practice_task
    label: str
    module_id: int | None = None
    course_id: int | None = None
    text: str = ""
    subject: str = ""  # the module and its course, as the label names them


@dataclass(frozen=True)
class SkillRow:
    rep: User
    skill: Skill
    knowledge: int | None  # 0-100: share of quiz and reinforcement answers right
    answers: int  # how many answers knowledge rests on
    application: int | None  # 0-100: recency-weighted observations; None when never observed
    application_spread: float | None
    application_trend: float | None
    observations: int
    retention: float | None  # 0-1: FSRS forecast recall now; None before any review
    next_due_at: dt.datetime | None  # when forecast recall falls below the reinforcement target
    stage: Stage
    diagnosis: Diagnosis
    action: RecommendedAction | None
    # The module to (re)take for this skill whatever the diagnosis: the step towards more
    # knowledge (the rep's progress shows it); the action above when it is a training gap.
    training: RecommendedAction | None = None

    @property
    def diagnosis_label(self) -> str:
        return DIAGNOSIS_LABELS[self.diagnosis]


def _first_name(rep: User) -> str:
    return rep.first_name or rep.username


def _training_action(
    *, modules: list[Module], completed: set[int], scores: dict[int, list[int]]
) -> RecommendedAction | None:
    """The module to (re)take: the weakest one the rep attempted, else the first not completed."""
    if not modules:
        return None
    attempted = [m for m in modules if m.pk in scores]
    if attempted:
        module = min(attempted, key=lambda m: (scores[m.pk][0] / scores[m.pk][1], m.pk))
    else:
        module = next((m for m in modules if m.pk not in completed), modules[0])
    subject = f"“{module.title}” ({module.course.title})"
    if module.pk in completed:
        kind, label = "reassign_module", f"Re-assign {subject}"
    else:
        kind, label = "assign_module", f"Assign {subject}"
    return RecommendedAction(
        kind=kind, label=label, module_id=module.pk, course_id=module.course_id, subject=subject
    )


def _practice_action(
    *, modules: list[Module], completed: dict[int, dt.datetime]
) -> RecommendedAction | None:
    """The practice task of the module on the skill the rep completed last, else the first."""
    with_task = [m for m in modules if m.practice_task.strip()]
    if not with_task:
        return None
    done = [m for m in with_task if m.pk in completed]
    module = max(done, key=lambda m: completed[m.pk]) if done else with_task[0]
    return RecommendedAction(
        kind="practice_task",
        label=f"Set the practice task from “{module.title}”",
        module_id=module.pk,
        course_id=module.course_id,
        text=module.practice_task,
    )


def team_skill_matrix(*, manager: User, now: dt.datetime | None = None) -> list[SkillRow]:
    """One row per member of ``manager``'s team and skill they have any evidence on.

    The team is ``accounts.selectors.team_of``: direct reports, or everyone but admins for an
    admin; anyone else gets no rows. Rows are ordered by rep, then skill name.
    """
    return skill_matrix_of(reps={rep.pk: rep for rep in team_of(manager=manager)}, now=now)


def rep_skill_matrix(*, rep: User, now: dt.datetime | None = None) -> list[SkillRow]:
    """The matrix rows of one rep, by the same rules and in as many queries as a team's. The
    caller has checked who may see them."""
    return skill_matrix_of(reps={rep.pk: rep}, now=now)


def skill_matrix_of(*, reps: dict[int, User], now: dt.datetime | None = None) -> list[SkillRow]:
    """The matrix rows of ``reps`` (by id): a fixed number of queries however many there are."""
    now = now or timezone.now()
    if not reps:
        return []
    rep_ids = list(reps)
    # Knowledge, application, retention, stage and diagnosis: coaching.skills.standing.
    standings = skill_standings(rep_ids=rep_ids, now=now)
    skills = Skill.objects.in_bulk({skill_id for _, skill_id in standings})
    modules_by_skill: dict[int, list[Module]] = defaultdict(list)
    for module in (
        Module.objects.filter(skills__in=list(skills), course__status=Course.Status.PUBLISHED)
        .select_related("course")
        .prefetch_related(Prefetch("skills", Skill.objects.only("pk")))
        .order_by("course__title", "position")
        .distinct()
    ):
        for skill in module.skills.all():
            if skill.pk in skills:
                modules_by_skill[skill.pk].append(module)
    completed: dict[int, dict[int, dt.datetime]] = defaultdict(dict)
    for user_id, module_id, completed_at in ModuleCompletion.objects.filter(
        user_id__in=rep_ids
    ).values_list("user_id", "module_id", "completed_at"):
        completed[user_id][module_id] = completed_at
    focus = set(
        CoachingPlan.focus_skills.through.objects.filter(
            coachingplan__rep_id__in=rep_ids,
            coachingplan__status=CoachingPlan.Status.ACTIVE,
        ).values_list("coachingplan__rep_id", "skill_id")
    )

    rows = []
    for (rep_id, skill_id), standing in standings.items():
        rep, skill = reps[rep_id], skills[skill_id]
        diagnosis, memory, summary = standing.diagnosis, standing.memory, standing.summary
        modules = modules_by_skill.get(skill_id, [])
        training = _training_action(
            modules=modules,
            completed=set(completed[rep_id]),
            scores=standing.module_scores,
        )
        action = None
        if diagnosis == Diagnosis.TRAINING_GAP:
            action = training
        elif diagnosis == Diagnosis.COACHING_GAP:
            already = (rep_id, skill_id) in focus
            action = RecommendedAction(
                kind="coaching_focus",
                label=(
                    f"Keep {skill.name} as a focus: observe it at {_first_name(rep)}'s next session"
                    if already
                    else f"Make {skill.name} a focus of {_first_name(rep)}'s coaching plan"
                ),
            )
        elif diagnosis == Diagnosis.PRACTICE_GAP:
            action = _practice_action(modules=modules, completed=completed[rep_id])
        rows.append(
            SkillRow(
                rep=rep,
                skill=skill,
                knowledge=standing.knowledge,
                answers=standing.answers,
                application=standing.application,
                application_spread=summary.spread,
                application_trend=summary.trend,
                observations=summary.observations,
                retention=standing.retention,
                next_due_at=memory.next_due_at if memory else None,
                stage=standing.stage,
                diagnosis=diagnosis,
                action=action,
                training=training,
            )
        )
    rows.sort(key=lambda row: (row.rep.username, row.skill.name, row.skill.pk))
    return rows


def team_skill_matrix_cached(*, manager: User) -> list[SkillRow]:
    """``team_skill_matrix`` as of now, from the team cache while nothing it reads changed
    (``coaching.insights.cache``): what the dashboard and the team skills API serve."""
    return team_cached(
        owner=manager, kind="skills", build=lambda: team_skill_matrix(manager=manager)
    )


def recommendation_for(*, user: User, rep_id: int, skill_id: int) -> SkillRow:
    """The matrix row of one rep and skill, for acting on its recommendation.

    Only the rep's coach (their manager) or an admin: Http404 for anyone else, for a rep who
    left, and for a skill the rep has no evidence on.
    """
    rep = User.objects.select_related("manager").filter(pk=rep_id, is_active=True).first()
    if rep is None or not can_coach(user, rep):
        raise Http404("No such rep.")
    # The rep's manager's team holds the rep; a rep without one is in an admin's (everyone).
    owner = rep.manager if rep.manager_id else user
    for row in team_skill_matrix(manager=owner):
        if row.rep.pk == rep.pk and row.skill.pk == skill_id:
            return row
    raise Http404("No such skill for this rep.")
