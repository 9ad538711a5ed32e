"""The follow-up: every completed module books a coaching session with an agenda (DESIGN §5).

``follow_up_book`` runs inside the transaction that records the completion (through the
``module_completed`` receiver), so a rolled-back completion leaves no session, no reminder
and nothing enqueued behind it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, Q, Subquery

from accounts.models import User
from coaching.models import CoachingSession, Commitment
from coaching.sessions.booking import session_create
from coaching.sessions.plans import plan_for_rep
from coaching.sessions.slots import (
    NoSlotFound,
    Slot,
    SlotRules,
    calendar_lock,
    coach_slot_find,
    slot_find,
)
from lms.models import Module, ModuleCompletion, QuizAttempt, Skill
from lms.services.quizzes import missed_questions


def _skill(skill: Skill | None) -> dict[str, Any] | None:
    return {"id": skill.pk, "name": skill.name} if skill is not None else None


def _as_list(value: Any) -> list:
    if not value:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def agenda_commitments(*, rep: User) -> list[dict[str, Any]]:
    """The commitments a session should go over: open ones, and ones missed since the last
    session that was held (so a missed commitment shows at the next session, and only there).
    """
    held = CoachingSession.objects.filter(rep=rep, status=CoachingSession.Status.HELD)
    # The last held session as a subquery, so the agenda's commitments cost one query.
    last_held = held.order_by().values("rep").annotate(last=Max("held_at")).values("last")
    missed = Q(status=Commitment.Status.MISSED) & (
        Q(resolved_at__gt=Subquery(last_held)) | ~Exists(held.exclude(held_at=None))
    )
    commitments = (
        Commitment.objects.filter(rep=rep)
        .filter(Q(status=Commitment.Status.OPEN) | missed)
        .select_related("skill")
        .order_by("due_date", "pk")
    )
    return [
        {
            "id": commitment.pk,
            "text": commitment.text,
            "due_date": commitment.due_date.isoformat(),
            "status": commitment.status,
            "skill": _skill(commitment.skill),
            "session": commitment.session_id,
        }
        for commitment in commitments
    ]


def agenda_commitments_refresh(*, rep: User) -> None:
    """Bring the commitments on the rep's upcoming sessions' agendas up to date.

    Called by every service that changes a commitment, so an agenda never shows a commitment
    as open after it was kept, and a commitment missed after booking still reaches the table.
    """
    upcoming = list(
        CoachingSession.objects.filter(rep=rep, status=CoachingSession.Status.SCHEDULED)
    )
    if not upcoming:
        return
    commitments = agenda_commitments(rep=rep)
    for session in upcoming:
        session.agenda = {**session.agenda, "commitments": commitments}
        session.save(update_fields=["agenda", "updated_at"])


def follow_up_agenda(
    *, rep: User, module: Module, score: int | None, skills: list[Skill]
) -> dict[str, Any]:
    """The agenda of a follow-up, from the module's coaching guide and what the rep got wrong.

    Shape (stored as JSON on the session; pages and the API render it as it is)::

        {"module": {"id", "title", "course"}, "score": 67,
         "skills": [{"id", "name"}],                      # the module's skills
         "questions_to_ask": [str], "behaviours_to_observe": [str], "practice_task": str,
         "missed_questions": [{"id", "prompt", "explanation", "skill": {"id", "name"}}],
         "missed_skills": [{"id", "name"}],               # the skills behind those questions
         "commitments": [{"id", "text", "due_date", "status", "skill", "session"}]}
    """
    missed = missed_questions(user=rep, module_id=module.pk)
    missed_skills: dict[int, Skill] = {}
    for question in missed:
        missed_skills.setdefault(question.skill_id, question.skill)
    return {
        "module": {"id": module.pk, "title": module.title, "course": module.course.title},
        "score": score,
        "skills": [_skill(skill) for skill in skills],
        "questions_to_ask": _as_list(module.coaching_questions),
        "behaviours_to_observe": _as_list(module.coaching_behaviours),
        "practice_task": module.practice_task,
        "missed_questions": [
            {
                "id": question.pk,
                "prompt": question.prompt,
                "explanation": question.explanation,
                "skill": _skill(question.skill),
            }
            for question in missed
        ],
        "missed_skills": [_skill(skill) for skill in missed_skills.values()],
        "commitments": agenda_commitments(rep=rep),
    }


def _follow_up_slot(*, coach: User | None, rep: User, after: dt.datetime, rules: SlotRules) -> Slot:
    try:
        return coach_slot_find(coach=coach, rep=rep, after=after, rules=rules)
    except NoSlotFound:
        # A calendar booked solid for weeks: double-book the first working slot, flagged late,
        # rather than drop the follow-up. The coach moves it.
        tz = (coach or rep).tzinfo
        first = slot_find(after=after, tz=tz, busy=[], sessions_per_day={}, rules=rules)
        return Slot(start=first.start, late=True)


@transaction.atomic
def follow_up_book(
    *, completion: ModuleCompletion, attempt: QuizAttempt | None = None
) -> CoachingSession:
    """Book the coaching follow-up of a completed module; the same session on every call.

    Finds or opens the rep's active plan (coach: their manager), books the first slot the
    rules allow in the coach's time zone (or, for a rep with no manager, a session with no
    coach in the rep's time zone, which admins see), writes the agenda and the reminders:
    booking notices with a calendar invite, 24 h and 1 h before, the coach's hold-overdue
    nudge. ``attempt`` is the quiz attempt that completed the module, if any. The rep's first
    reinforcement follows from the skill memory this completion feeds, once forecast recall
    dips below target (``coaching.skills.refreshers``).
    """
    existing = CoachingSession.objects.filter(completion=completion).first()
    if existing is not None:
        return existing
    rep = completion.user
    # The completing submit hands over the module with its course loaded; others load it here.
    if ModuleCompletion.module.is_cached(completion) and Module.course.is_cached(completion.module):
        module = completion.module
    else:
        module = Module.objects.select_related("course").get(pk=completion.module_id)
    skills = list(module.skills.all())
    plan = plan_for_rep(rep=rep, focus_skills=skills)
    coach = plan.coach
    calendar_lock(coach or rep)
    rules = SlotRules.from_settings()
    slot = _follow_up_slot(coach=coach, rep=rep, after=completion.completed_at, rules=rules)
    score = attempt.score if attempt is not None and attempt.score is not None else completion.score
    agenda = follow_up_agenda(rep=rep, module=module, score=score, skills=skills)
    focus = (
        agenda["missed_skills"][0] if agenda["missed_skills"] else _skill(next(iter(skills), None))
    )
    try:
        with transaction.atomic():
            session = session_create(
                plan=plan,
                rep=rep,
                coach=coach,
                scheduled_for=slot.start,
                duration_minutes=rules.session_minutes,
                source=CoachingSession.Source.AFTER_TRAINING,
                completion=completion,
                module=module,
                focus_skill_id=focus["id"] if focus else None,
                agenda=agenda,
                late=slot.late,
            )
    except IntegrityError:
        # A concurrent call booked it first; the one-to-one on completion keeps it single.
        return CoachingSession.objects.get(completion=completion)
    return session
