"""Coaching plans: one active plan per rep, with their coach, focus skills and own goals."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from accounts.models import User
from coaching.changes import team_version_bump
from coaching.models import CoachingPlan
from coaching.sessions.permissions import can_steer_plan, can_write_goals
from config.errors import Conflict, DomainError
from lms.models import Skill


def coach_of(rep: User) -> User | None:
    """The rep's coach: their manager, unless there is none or they have left."""
    manager = rep.manager
    if manager is None or not manager.is_active:
        return None
    return manager


# No savepoint of its own: it raises nothing a caller could carry on from (the concurrent open
# it recovers from has its own), and it runs in every booking.
@transaction.atomic(savepoint=False)
def plan_for_rep(*, rep: User, focus_skills: Iterable[Skill] = ()) -> CoachingPlan:
    """The rep's active plan, opened when there is none.

    The plan's coach follows the reporting line: a rep who changed managers carries their
    plan over to the new one. ``focus_skills`` seed a plan that has none yet (a new plan
    starts with the skills of the module that opened it); an existing choice is kept.
    Safe under concurrent calls: the one-active-plan constraint lets one caller open it.
    """
    coach = coach_of(rep)
    plan = CoachingPlan.objects.active().filter(rep=rep).first()
    if plan is None:
        try:
            with transaction.atomic():
                plan = CoachingPlan.objects.create(rep=rep, coach=coach)
        except IntegrityError:
            plan = CoachingPlan.objects.active().get(rep=rep)
    elif plan.coach_id != (coach.pk if coach else None):
        plan.coach = coach
        plan.save(update_fields=["coach"])
    else:
        plan.coach = coach  # the same person, loaded already: callers read it without a query
    focus_skills = list(focus_skills)
    if focus_skills and not plan.focus_skills.exists():
        plan.focus_skills.add(*focus_skills)
        team_version_bump(rep_ids=[rep.pk])
    return plan


def _ensure_active(plan: CoachingPlan) -> None:
    if plan.status != CoachingPlan.Status.ACTIVE:
        raise DomainError("This plan is archived; open the rep's current plan instead.")


@transaction.atomic
def plan_update(
    *,
    actor: User,
    plan: CoachingPlan,
    goals: str | None = None,
    focus_skill_ids: Iterable[int] | None = None,
) -> CoachingPlan:
    """Change a plan: the rep writes their own goals, the coach chooses the focus skills.

    Arguments left as None are not touched. Raises DomainError when the actor may not change
    that part, the plan is archived, or a skill id is unknown.
    """
    _ensure_active(plan)
    if goals is not None:
        if not can_write_goals(actor, plan):
            raise DomainError("Only the rep writes their own goals.")
        plan.goals = goals.strip()
        plan.save(update_fields=["goals"])
    if focus_skill_ids is not None:
        if not can_steer_plan(actor, plan):
            raise DomainError("Only the rep's coach or an admin chooses the focus skills.")
        wanted = {int(pk) for pk in focus_skill_ids}
        skills = list(Skill.objects.filter(pk__in=wanted))
        unknown = wanted - {skill.pk for skill in skills}
        if unknown:
            raise DomainError(f"Skill {min(unknown)} does not exist.")
        plan.focus_skills.set(skills)
        team_version_bump(rep_ids=[plan.rep_id])
    return plan


@transaction.atomic
def plan_archive(*, actor: User, plan: CoachingPlan) -> CoachingPlan:
    """Archive a plan; the rep's next follow-up opens a fresh one. Its sessions stay as they are.

    Raises DomainError when the actor is not the coach, the rep's manager or an admin, and
    Conflict when the plan is archived already.
    """
    if not can_steer_plan(actor, plan):
        raise DomainError("Only the rep's coach or an admin can archive a plan.")
    plan = CoachingPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == CoachingPlan.Status.ARCHIVED:
        raise Conflict("This plan is archived already.")
    plan.status = CoachingPlan.Status.ARCHIVED
    team_version_bump(rep_ids=[plan.rep_id])
    plan.save(update_fields=["status"])
    return plan
