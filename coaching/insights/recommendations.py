"""Acting on the skill matrix's recommendation for one rep and skill, in one click.

- training gap: (re-)assign the course of the module that teaches the skill, due on the date
  the coach chose (two weeks ahead unless they said); nothing when the rep already has that
  course assigned and not finished, so a due date they work to never moves behind their back;
- coaching gap: make the skill a focus of the rep's coaching plan;
- practice gap: book a session on the skill at the coach's next free slot, its agenda
  carrying the module's practice task.

Each goes through the service that owns the write, so its rules (who may, what is valid)
hold here as everywhere else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import can_coach
from coaching.insights.matrix import RecommendedAction, SkillRow
from coaching.models import CoachingPlan, CoachingSession
from coaching.models.agenda import Agenda, agenda_merged
from coaching.sessions.agenda import module_ref
from coaching.sessions.plans import coach_of, plan_for_rep, plan_update
from coaching.sessions.services import session_book_manual
from coaching.sessions.slots import calendar_lock, coach_slot_find
from config.errors import Conflict, DomainError
from lms.models import Course, Enrolment, Module
from lms.services.enrolment import enrolment_assign

# The due date offered for a course a recommendation assigns, counted from the rep's today.
ASSIGNMENT_DUE = dt.timedelta(days=14)


@dataclass(frozen=True)
class RecommendationOutcome:
    kind: str
    message: str  # what was done, for the person who clicked
    enrolment: Enrolment | None = None
    plan: CoachingPlan | None = None
    session: CoachingSession | None = None
    changed: bool = True  # False: nothing needed doing, and the message says why


def suggested_due_date(*, person: User) -> dt.date:
    """The due date a recommendation offers for a course it assigns, from ``person``'s today."""
    return timezone.localdate(timezone=person.tzinfo) + ASSIGNMENT_DUE


def _due_text(due: dt.date | None) -> str:
    return f"due {due:%a} {due.day} {due:%b %Y}" if due else "with no due date"


def _open_assignment(*, rep: User, course: Course) -> Enrolment | None:
    """The rep's assignment of ``course`` while a module of it is still to complete."""
    enrolment = Enrolment.objects.filter(user=rep, course=course, assigned_by__isnull=False).first()
    if enrolment is None:
        return None
    unfinished = Module.objects.filter(course=course).exclude(completions__user=rep)
    return enrolment if unfinished.exists() else None


def _first_name(rep: User) -> str:
    return rep.first_name or rep.username


def _assign(
    *, actor: User, row: SkillRow, action: RecommendedAction, due_date: dt.date | None
) -> RecommendationOutcome:
    course = (
        Course.objects.filter(pk=action.course_id).first() if action.course_id is not None else None
    )
    if course is None:
        raise DomainError("That course no longer exists.")
    already = _open_assignment(rep=row.rep, course=course)
    if already is not None:
        return RecommendationOutcome(
            kind=action.kind,
            message=(
                f"{row.rep} already has “{course.title}” open, {_due_text(already.due_date)}: "
                "nothing changed. Its due date can be moved on Team training."
            ),
            enrolment=already,
            changed=False,
        )
    due = due_date or suggested_due_date(person=row.rep)
    enrolment = enrolment_assign(actor=actor, user=row.rep, course=course, due_date=due)
    verb = "Re-assigned" if action.kind == "reassign_module" else "Assigned"
    return RecommendationOutcome(
        kind=action.kind,
        message=f"{verb} “{course.title}” to {row.rep}, {_due_text(due)}.",
        enrolment=enrolment,
    )


def _focus(*, actor: User, row: SkillRow) -> RecommendationOutcome:
    plan = plan_for_rep(rep=row.rep)
    current = set(plan.focus_skills.values_list("pk", flat=True))
    name = f"{_first_name(row.rep)}'s coaching plan"
    if row.skill.pk in current:
        return RecommendationOutcome(
            kind="coaching_focus",
            message=f"{row.skill.name} is already a focus of {name}: observe it next session.",
            plan=plan,
        )
    plan = plan_update(actor=actor, plan=plan, focus_skill_ids=[*current, row.skill.pk])
    return RecommendationOutcome(
        kind="coaching_focus",
        message=f"{row.skill.name} is now a focus of {name}.",
        plan=plan,
    )


def _practice(
    *, actor: User, row: SkillRow, action: RecommendedAction, now: dt.datetime
) -> RecommendationOutcome:
    rep, skill = row.rep, row.skill
    booked = (
        CoachingSession.objects.scheduled()
        .filter(rep=rep, focus_skill=skill)
        .order_by("scheduled_for")
        .first()
    )
    if booked is not None:
        # One session on the skill is enough; it carries the task if it did not already.
        if not (booked.agenda or {}).get("practice_task"):
            booked.agenda = agenda_merged(booked.agenda, Agenda(practice_task=action.text))
            booked.save(update_fields=["agenda", "updated_at"])
        return RecommendationOutcome(
            kind="practice_task",
            message=f"A session on {skill.name} with {rep} is already booked, with the task.",
            session=booked,
        )
    # The rep's coach leads it; a rep without one is coached by the admin who acts.
    coach = coach_of(rep) or actor
    calendar_lock(coach)
    slot = coach_slot_find(coach=coach, rep=rep, after=now)
    module = (
        Module.objects.select_related("course").filter(pk=action.module_id).first()
        if action.module_id is not None
        else None
    )
    session = session_book_manual(
        coach=coach,
        rep=rep,
        scheduled_for=slot.start,
        focus_skill=skill,
        note=f"Practice {skill.name}: {action.text}",
    )
    # The agenda in the follow-up's shape, so the session page shows the task as a task.
    session.module = module
    session.agenda = agenda_merged(
        session.agenda,
        Agenda(practice_task=action.text, module=module_ref(module) if module else None),
    )
    session.save(update_fields=["module", "agenda", "updated_at"])
    return RecommendationOutcome(
        kind="practice_task",
        message=f"Booked a practice session on {skill.name} with {rep}.",
        session=session,
    )


@transaction.atomic
def recommendation_act(
    *,
    actor: User,
    row: SkillRow,
    kind: str,
    due_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> RecommendationOutcome:
    """Carry out ``row``'s recommended action, which the actor saw as ``kind``; ``due_date``
    is for a course it assigns (``suggested_due_date`` when not given).

    Raises DomainError when the actor may not coach the rep (or the underlying service
    refuses: an unpublished course, no free slot), and Conflict when the recommendation is
    no longer ``kind`` (the evidence changed since the page was shown).
    """
    if not can_coach(actor, row.rep) or actor.pk == row.rep.pk:
        raise DomainError("Only the rep's coach or an admin can act on this.")
    action = row.action
    if action is None or action.kind != kind:
        raise Conflict(
            f"The recommendation for {row.rep} on {row.skill.name} has changed; "
            "reload the dashboard to see the current one."
        )
    now = now or timezone.now()
    if kind in ("assign_module", "reassign_module"):
        return _assign(actor=actor, row=row, action=action, due_date=due_date)
    if kind == "coaching_focus":
        return _focus(actor=actor, row=row)
    if kind == "practice_task":
        return _practice(actor=actor, row=row, action=action, now=now)
    raise DomainError(f"{kind!r} is not an action this can take.")
