"""Building a session's agenda: the one builder every booking uses, and keeping its commitments
current. The shape is ``coaching.models.agenda.Agenda``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q

from accounts.models import User
from coaching.models import CoachingSession, Commitment, ReinforcementAnswer
from coaching.models.agenda import (
    Agenda,
    AgendaCommitment,
    DecayFacts,
    MissedQuestion,
    ModuleRef,
    SkillRef,
    agenda_merged,
)
from coaching.sessions.selectors import missed_since_last_held
from lms.models import Module, Skill
from lms.selectors.quizzes import missed_questions

# A session on a fading skill goes over this many of the refresher questions missed, newest first.
REFRESHER_MISSES_SHOWN = 5


def skill_ref(skill: Skill) -> SkillRef:
    return SkillRef(id=skill.pk, name=skill.name)


def module_ref(module: Module) -> ModuleRef:
    """The module as an agenda names it; its course must be loaded (or it costs a query)."""
    return ModuleRef(id=module.pk, title=module.title, course=module.course.title)


def _as_list(value: Any) -> list:
    if not value:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def agenda_commitments(*, rep: User) -> list[AgendaCommitment]:
    """The commitments a session should go over: open ones, and ones missed since the last
    session that was held (so a missed commitment shows at the next session, and only there).
    One query.
    """
    commitments = (
        Commitment.objects.filter(rep=rep)
        .filter(Q(status=Commitment.Status.OPEN) | missed_since_last_held(rep=rep))
        .select_related("skill")
        .order_by("due_date", "pk")
    )
    return [
        AgendaCommitment(
            id=commitment.pk,
            text=commitment.text,
            due_date=commitment.due_date,
            status=commitment.status,
            skill=skill_ref(commitment.skill) if commitment.skill else None,
            session=commitment.session_id,
        )
        for commitment in commitments
    ]


def agenda_commitments_refresh(*, rep: User) -> None:
    """Bring the commitments on the rep's upcoming sessions' agendas up to date.

    Called by every service that changes a commitment, so an agenda never shows a commitment
    as open after it was kept, and a commitment missed after booking still reaches the table.
    """
    # A peer session's agenda carries no commitments: the mentor sees the practice, not the plan.
    upcoming = list(
        CoachingSession.objects.filter(rep=rep)
        .exclude(source=CoachingSession.Source.PEER)
        .scheduled()
    )
    if not upcoming:
        return
    commitments = Agenda(commitments=agenda_commitments(rep=rep))
    for session in upcoming:
        session.agenda = agenda_merged(session.agenda, commitments)
        session.save(update_fields=["agenda", "updated_at"])


def quiz_misses(*, rep: User, module: Module) -> list[MissedQuestion]:
    """The questions of the module's quiz the rep got wrong in any attempt, in quiz order."""
    return [
        MissedQuestion(
            id=question.pk,
            prompt=question.prompt,
            explanation=question.explanation,
            skill=skill_ref(question.skill),
        )
        for question in missed_questions(user=rep, module_id=module.pk)
    ]


def refresher_misses(*, rep: User, skill: Skill) -> list[MissedQuestion]:
    """The refresher questions on ``skill`` the rep got wrong, latest refresher first."""
    answers = (
        ReinforcementAnswer.objects.filter(
            reinforcement__rep=rep, reinforcement__skill=skill, is_correct=False
        )
        .select_related("question")
        .order_by("-reinforcement__answered_at", "question__position")
    )
    misses: dict[int, MissedQuestion] = {}
    for answer in answers:
        misses.setdefault(
            answer.question_id,
            MissedQuestion(
                id=answer.question_id,
                prompt=answer.question.prompt,
                explanation=answer.question.explanation,
                skill=skill_ref(skill),
            ),
        )
    return list(misses.values())[:REFRESHER_MISSES_SHOWN]


def agenda_build(
    *,
    rep: User,
    source: str,
    skills: Sequence[Skill] = (),
    module: Module | None = None,
    score: int | None = None,
    missed: Sequence[MissedQuestion] = (),
    note: str = "",
    reason: str = "",
    decay: DecayFacts | None = None,
) -> Agenda:
    """The agenda of a session booked for ``source`` (a ``CoachingSession.Source``).

    Every agenda has the ``skills`` and the rep's commitments to go over. A session booked by
    hand adds the ``note``. A follow-up and a session on a fading skill add the ``module``'s
    coaching guide (questions to ask, behaviours to observe, practice task) and the questions
    ``missed``; a follow-up also the quiz ``score`` and the skills behind the misses, a session
    on a fading skill the ``reason`` and the ``decay`` facts. Only these parts are stored, so
    each kind of session keeps the agenda it always had. Peer practice has the skills, the
    module, its practice task as the role-play, the behaviours to look for and the ``reason``:
    nothing of the mentee's plan, commitments or quiz misses, which are not the mentor's.
    """
    if source == CoachingSession.Source.PEER:
        return Agenda(
            skills=[skill_ref(skill) for skill in skills],
            module=module_ref(module) if module else None,
            practice_task=module.practice_task if module else "",
            behaviours_to_observe=_as_list(module.coaching_behaviours) if module else [],
            reason=reason,
        )
    parts: dict[str, Any] = {
        "skills": [skill_ref(skill) for skill in skills],
        "commitments": agenda_commitments(rep=rep),
    }
    if source == CoachingSession.Source.MANUAL:
        return Agenda(**parts, note=note.strip())
    parts |= {
        "module": module_ref(module) if module else None,
        "questions_to_ask": _as_list(module.coaching_questions) if module else [],
        "behaviours_to_observe": _as_list(module.coaching_behaviours) if module else [],
        "practice_task": module.practice_task if module else "",
        "missed_questions": list(missed),
    }
    if source == CoachingSession.Source.DECAY:
        return Agenda(**parts, reason=reason, decay=decay)
    behind = {question.skill.id: question.skill for question in missed if question.skill}
    return Agenda(**parts, score=score, missed_skills=list(behind.values()))
