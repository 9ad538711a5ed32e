"""Demo history (DESIGN §10): weeks of training and coaching for maria's and omar's teams.

Each step goes through the real services: the manager assigns the course, the rep does the
lessons and takes the quiz (failing first where the story says so), the completion books the
follow-up, and the coach holds it with rubric ratings. The steps are then moved back in time
to the day the story gives them, and each rep's skill memory is rebuilt from that evidence, so
retention and the recency weighting of observations look as they would after real weeks.

The stories are what the skill matrix must tell from the data:

- john builds rapport but cannot close: he knows closing (quizzes 80-100 %), is rated 2 on it
  every time, and 4-5 on rapport → a coaching gap on closing.
- sheila closes well but cannot prospect: rated 4-5 on closing; she fails the prospecting quiz
  and is rated 1-2 on prospecting → a training gap on prospecting.
- tom closes unevenly (5, 2, 5) → a practice gap on closing; the others are on track.

Needs the demo people (``accounts.demo.demo_people_seed``) and the demo courses
(``lms.demo.demo_courses_seed``). Idempotent: a rep who has any quiz attempt is left alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from coaching.models import CoachingSession, Observation, Reminder
from coaching.reminders.schedule import reminders_cancel
from coaching.sessions.services import session_hold
from coaching.skills.memory import memory_rebuild
from config.errors import DomainError
from lms.models import (
    Choice,
    Enrolment,
    LessonProgress,
    Module,
    ModuleCompletion,
    QuizAttempt,
    Skill,
)
from lms.services import attempt_start, attempt_submit, enrolment_assign, lesson_complete


@dataclass(frozen=True)
class Step:
    days_ago: int  # 0: happening now, its follow-up still ahead
    module: str  # module slug
    # Wrong answers in each attempt, in order; the last attempt is where the rep stands.
    wrong: tuple[int, ...] = (0,)
    # Rubric ratings the coach gives at the follow-up, held the day after completion.
    observations: tuple[tuple[str, int], ...] = ()
    evidence: str = ""


DEMO_HISTORY: dict[str, list[Step]] = {
    "john": [
        Step(
            42,
            "discovery-opening-the-call",
            observations=(("rapport", 4), ("closing", 2)),
            evidence="Warm, easy opener; let the call end without asking for a next step.",
        ),
        Step(
            28,
            "closing-commitments-and-action-plans",
            wrong=(1,),
            observations=(("rapport", 5), ("closing", 2)),
            evidence="Buyer loved him; he hinted at a trial instead of asking for a date.",
        ),
        Step(
            14,
            "closing-asking-and-negotiating",
            observations=(("rapport", 4), ("closing", 2)),
            evidence="Knew the plan by heart; filled the silence after the ask with a discount.",
        ),
    ],
    "sheila": [
        Step(
            40,
            "closing-commitments-and-action-plans",
            observations=(("closing", 4), ("prospecting", 2)),
            evidence="Tight mutual plan; her pipeline is all inbound, no outreach this month.",
        ),
        Step(
            26,
            "closing-asking-and-negotiating",
            observations=(("closing", 5), ("prospecting", 1)),
            evidence="Clean ask and a conditional trade; sent one generic cold email all week.",
        ),
        # Two failed attempts: she has not learnt prospecting yet.
        Step(12, "prospecting-targeting-accounts", wrong=(3, 3)),
    ],
    "liam": [Step(0, "discovery-opening-the-call", wrong=(1,))],
    "priya": [
        Step(
            35,
            "discovery-opening-the-call",
            wrong=(1,),
            observations=(("rapport", 4),),
            evidence="Confirmed time and agenda up front.",
        ),
        Step(
            21,
            "objections-listening-before-answering",
            observations=(("objection-handling", 3), ("rapport", 4)),
            evidence="Paused and asked before answering the price objection, mostly.",
        ),
        Step(
            7,
            "objections-price-and-timing",
            wrong=(1,),
            observations=(("objection-handling", 4),),
            evidence="Isolated the timing concern and tied it to the buyer's deadline.",
        ),
    ],
    "nina": [
        Step(
            38,
            "discovery-opening-the-call",
            observations=(("rapport", 4), ("discovery", 4)),
            evidence="Open questions from the first minute.",
        ),
        Step(
            24,
            "discovery-uncovering-pain",
            observations=(("discovery", 5),),
            evidence="Quantified the cost of the problem with the buyer's own numbers.",
        ),
        Step(
            10,
            "prospecting-targeting-accounts",
            wrong=(1,),
            observations=(("discovery", 5), ("prospecting", 3)),
            evidence="Good account list; outreach still generic.",
        ),
    ],
    "tom": [
        Step(
            36,
            "objections-listening-before-answering",
            observations=(("objection-handling", 4), ("closing", 5)),
            evidence="Calm with pushback; asked for the signature on the spot.",
        ),
        Step(
            22,
            "objections-price-and-timing",
            observations=(("objection-handling", 5), ("closing", 2)),
            evidence="Handled price well, then never asked for the business.",
        ),
        Step(
            8,
            "closing-asking-and-negotiating",
            wrong=(1,),
            observations=(("closing", 5), ("objection-handling", 5)),
            evidence="Direct ask, traded term length for the discount.",
        ),
    ],
    "zoe": [
        Step(
            5,
            "discovery-opening-the-call",
            wrong=(1,),
            observations=(("rapport", 3),),
            evidence="Friendly, but rushed the agenda.",
        ),
    ],
}


def _answers(attempt: QuizAttempt, wrong: int) -> list[dict]:
    """Right answers to the attempt, except the first ``wrong`` questions, answered wrongly."""
    question_ids = attempt.question_ids
    right: dict[int, list[int]] = {qid: [] for qid in question_ids}
    a_wrong: dict[int, int] = {}
    for question_id, choice_id, is_correct in Choice.objects.filter(
        question_id__in=question_ids
    ).values_list("question_id", "pk", "is_correct"):
        if is_correct:
            right[question_id].append(choice_id)
        else:
            a_wrong.setdefault(question_id, choice_id)
    return [
        {"question": qid, "choices": [a_wrong[qid]] if index < wrong else right[qid]}
        for index, qid in enumerate(question_ids)
    ]


def _back_in_time(
    *, rep: User, module: Module, attempts: list[QuizAttempt], when: dt.datetime
) -> list[CoachingSession]:
    """Move one step's rows to ``when`` (the moment of its last attempt)."""
    LessonProgress.objects.filter(user=rep, lesson__module=module).update(
        completed_at=when - dt.timedelta(hours=1)
    )
    for index, attempt in enumerate(reversed(attempts)):
        submitted = when - dt.timedelta(hours=index)
        QuizAttempt.objects.filter(pk=attempt.pk).update(
            started_at=submitted - dt.timedelta(minutes=12), submitted_at=submitted
        )
    Enrolment.objects.filter(user=rep, course=module.course).update(
        created_at=when - dt.timedelta(days=2)
    )
    completion = ModuleCompletion.objects.filter(user=rep, module=module).first()
    if completion is None:
        return []
    ModuleCompletion.objects.filter(pk=completion.pk).update(completed_at=when)
    sessions = list(CoachingSession.objects.filter(completion=completion))
    for session in sessions:
        start = when + dt.timedelta(days=1)
        held_at = start + dt.timedelta(minutes=session.duration_minutes)
        CoachingSession.objects.filter(pk=session.pk).update(
            scheduled_for=start, created_at=when, held_at=held_at, updated_at=held_at
        )
        Observation.objects.filter(session=session).update(observed_at=held_at)
    # Notices of what is now history would only confuse: they never go out.
    reminders_cancel(reminders=Reminder.objects.filter(session__in=sessions))
    return sessions


def _step_run(*, rep: User, step: Step, now: dt.datetime, skills: dict[str, Skill]) -> None:
    module = Module.objects.select_related("course", "quiz").filter(slug=step.module).first()
    if module is None:
        raise DomainError(f"Demo module {step.module!r} is missing: import the demo courses first.")
    if rep.manager is not None:
        enrolment_assign(actor=rep.manager, user=rep, course=module.course)
    for lesson in module.lessons.all():
        lesson_complete(user=rep, lesson=lesson)
    attempts = []
    for wrong in step.wrong:
        attempt = attempt_start(user=rep, quiz=module.quiz)
        attempt_submit(attempt=attempt, answers=_answers(attempt, wrong))
        attempts.append(attempt)
    session = CoachingSession.objects.filter(
        completion__user=rep, completion__module=module
    ).first()
    if session is not None and step.observations and session.coach is not None:
        session_hold(
            actor=session.coach,
            session=session,
            notes=step.evidence,
            observations=[
                {"skill": skills[slug], "rating": rating, "evidence": step.evidence}
                for slug, rating in step.observations
            ],
        )
    if step.days_ago:
        _back_in_time(
            rep=rep, module=module, attempts=attempts, when=now - dt.timedelta(days=step.days_ago)
        )


@transaction.atomic
def demo_history_seed(people: dict[str, User]) -> dict[str, int]:
    """Give the demo reps their history; how many steps each got (0: they had some already).

    ``people`` is what ``accounts.demo.demo_people_seed()`` returns. Raises DomainError when
    the demo courses have not been imported.
    """
    now = timezone.now()
    skills = {skill.slug: skill for skill in Skill.objects.all()}
    done: dict[str, int] = {}
    for username, steps in DEMO_HISTORY.items():
        rep = people.get(username)
        if rep is None:
            continue
        if QuizAttempt.objects.filter(user=rep).exists():
            done[username] = 0
            continue
        # Oldest first, so bookings and reviews happen in the story's order.
        for step in sorted(steps, key=lambda s: -s.days_ago):
            _step_run(rep=rep, step=step, now=now, skills=skills)
        memory_rebuild(rep=rep)
        done[username] = len(steps)
    return done
