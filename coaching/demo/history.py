"""Demo history (DESIGN §10): weeks of training and coaching for maria's and omar's teams.

Each step goes through the real services: the manager assigns the course, the rep does the
lessons and takes the quiz (failing first where the story says so), the completion books the
follow-up, and the coach holds it with rubric ratings (each with what the coach saw of that
skill, and a note on the session as a whole) and the rep's commitments, some kept since and
some still open. The steps are then moved back in time
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
from coaching.models import CoachingSession, Commitment, Observation, Reminder
from coaching.reminders.schedule import reminders_cancel
from coaching.sessions.commitments import commitment_mark_kept, commitment_reminder_schedule
from coaching.sessions.records import session_hold
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
class Promise:
    """A commitment the rep makes at the follow-up."""

    text: str
    skill: str | None  # skill slug
    due_in_days: int  # counted from the day the session was held
    # Kept this many hours ago; None: still open (its due date is then ahead).
    kept_hours_ago: int | None = None
    note: str = ""  # the rep's word on how it went, once kept


@dataclass(frozen=True)
class Step:
    days_ago: int  # 0: happening now, its follow-up still ahead
    module: str  # module slug
    # Wrong answers in each attempt, in order; the last attempt is where the rep stands.
    wrong: tuple[int, ...] = (0,)
    # Rubric ratings the coach gives at the follow-up, held the day after completion: skill
    # slug, rating and what the coach saw of that skill (each rating its own evidence).
    observations: tuple[tuple[str, int, str], ...] = ()
    notes: str = ""  # the coach's notes on the session as a whole, shared with the rep
    commitments: tuple[Promise, ...] = ()


DEMO_HISTORY: dict[str, list[Step]] = {
    "john": [
        Step(
            42,
            "discovery-opening-the-call",
            observations=(
                ("rapport", 4, "Warm, easy opener; the buyer was laughing within a minute."),
                ("closing", 2, "Let the call end without asking for a next step."),
            ),
            notes="A friendly call that went nowhere: the buyer liked you and nothing moved.",
            commitments=(
                Promise(
                    "End every first call with a date for the next one",
                    "closing",
                    7,
                    kept_hours_ago=36 * 24,
                    note="Did it on four of five calls.",
                ),
            ),
        ),
        Step(
            28,
            "closing-commitments-and-action-plans",
            wrong=(1,),
            observations=(
                ("rapport", 5, "The buyer called him the easiest rep they had spoken to."),
                ("closing", 2, "Hinted at a trial instead of asking for a start date."),
            ),
            notes="You know the mutual plan; say the date out loud and wait for the answer.",
        ),
        Step(
            14,
            "closing-asking-and-negotiating",
            observations=(
                ("rapport", 4, "Kept the mood light when the buyer pushed on price."),
                ("closing", 2, "Asked, then filled the silence after the ask with a discount."),
            ),
            notes="Knew the plan by heart. Practise the ask and the pause that follows it.",
            commitments=(
                Promise(
                    "Ask for the business, then stay silent for five seconds",
                    "closing",
                    21,
                ),
                Promise(
                    "Role-play the close with Sheila before Friday's demo",
                    "closing",
                    15,
                    kept_hours_ago=3,
                    note="We did it twice on Wednesday.",
                ),
            ),
        ),
    ],
    "sheila": [
        Step(
            40,
            "closing-commitments-and-action-plans",
            observations=(
                ("closing", 4, "Tight mutual plan with dates the buyer wrote down."),
                ("prospecting", 2, "Her pipeline is all inbound: no outreach this month."),
            ),
            notes="Closing is your strength; the gap is filling the top of the funnel.",
        ),
        Step(
            26,
            "closing-asking-and-negotiating",
            observations=(
                ("closing", 5, "Clean ask and a conditional trade on the discount."),
                ("prospecting", 1, "Sent one generic cold email all week."),
            ),
            notes="Another clean close. Block time for outreach like you block it for demos.",
            commitments=(Promise("Block two hours of outreach every Tuesday", "prospecting", 35),),
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
            observations=(("rapport", 4, "Confirmed time and agenda up front."),),
            notes="A calm, organised opener.",
        ),
        Step(
            21,
            "objections-listening-before-answering",
            observations=(
                ("objection-handling", 3, "Paused before answering the price objection, mostly."),
                ("rapport", 4, "Named the buyer's concern back to them before replying."),
            ),
            notes="Listening first is working; keep the pause even when you know the answer.",
            commitments=(
                Promise(
                    "Ask one clarifying question before answering any objection",
                    "objection-handling",
                    7,
                    kept_hours_ago=15 * 24,
                    note="Wrote the question on a sticky note by the screen.",
                ),
            ),
        ),
        Step(
            7,
            "objections-price-and-timing",
            wrong=(1,),
            observations=(
                (
                    "objection-handling",
                    4,
                    "Isolated the timing concern and tied it to the buyer's deadline.",
                ),
            ),
            notes="Good progress on objections.",
            commitments=(
                Promise(
                    "Log every price objection and how you answered it",
                    "objection-handling",
                    14,
                ),
            ),
        ),
    ],
    "nina": [
        Step(
            38,
            "discovery-opening-the-call",
            observations=(
                ("rapport", 4, "Relaxed small talk that led into the agenda."),
                ("discovery", 4, "Open questions from the first minute."),
            ),
            notes="Strong start to the call.",
        ),
        Step(
            24,
            "discovery-uncovering-pain",
            observations=(
                ("discovery", 5, "Quantified the cost of the problem with the buyer's numbers."),
            ),
            notes="Textbook discovery.",
        ),
        Step(
            10,
            "prospecting-targeting-accounts",
            wrong=(1,),
            observations=(
                ("discovery", 5, "Found the second stakeholder through good questions."),
                ("prospecting", 3, "Good account list; the outreach itself is still generic."),
            ),
            notes="The list is right; make each first message about the account.",
            commitments=(
                Promise(
                    "Personalise the first line of every cold email",
                    "prospecting",
                    14,
                ),
            ),
        ),
    ],
    "tom": [
        Step(
            36,
            "objections-listening-before-answering",
            observations=(
                ("objection-handling", 4, "Calm with pushback on the contract length."),
                ("closing", 5, "Asked for the signature on the spot."),
            ),
            notes="Confident call from start to finish.",
        ),
        Step(
            22,
            "objections-price-and-timing",
            observations=(
                ("objection-handling", 5, "Handled the price objection without discounting."),
                ("closing", 2, "Then never asked for the business."),
            ),
            notes="Great objection handling; don't stop there, ask.",
            commitments=(
                Promise(
                    "Close every call with an explicit ask",
                    "closing",
                    7,
                    kept_hours_ago=16 * 24,
                    note="Asked on every call this week.",
                ),
            ),
        ),
        Step(
            8,
            "closing-asking-and-negotiating",
            wrong=(1,),
            observations=(
                ("closing", 5, "Direct ask, and traded term length for the discount."),
                ("objection-handling", 5, "Turned the timing objection into a start date."),
            ),
            notes="Your best call this quarter.",
        ),
    ],
    "zoe": [
        Step(
            5,
            "discovery-opening-the-call",
            wrong=(1,),
            observations=(("rapport", 3, "Friendly, but rushed the agenda."),),
            notes="A good first session; slow down in the first two minutes.",
            commitments=(Promise("Write the call agenda down before dialling", "rapport", 10),),
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
    held = session is not None and bool(step.observations) and session.coach is not None
    if held:
        # In the story the session has taken place: only then may it be recorded.
        CoachingSession.objects.filter(pk=session.pk).update(
            scheduled_for=timezone.now() - dt.timedelta(minutes=session.duration_minutes)
        )
        # Due today for now: the story's due date is set once the session is moved back.
        today = timezone.localdate(timezone=rep.tzinfo)
        session_hold(
            actor=session.coach,
            session=session,
            notes=step.notes,
            observations=[
                {"skill": skills[slug], "rating": rating, "evidence": evidence}
                for slug, rating, evidence in step.observations
            ],
            commitments=[
                {"text": p.text, "skill": skills[p.skill] if p.skill else None, "due_date": today}
                for p in step.commitments
            ],
        )
    if step.days_ago:
        _back_in_time(
            rep=rep, module=module, attempts=attempts, when=now - dt.timedelta(days=step.days_ago)
        )
    if held:
        _promises_settle(session=session, promises=step.commitments, now=now)


def _promises_settle(
    *, session: CoachingSession, promises: tuple[Promise, ...], now: dt.datetime
) -> None:
    """Date the commitments made at ``session`` as the story has them; the rep keeps the kept
    ones (through the service), and the rest keep a reminder before their new due date."""
    session.refresh_from_db(fields=["held_at"])
    rep = session.rep
    held_on = timezone.localdate(session.held_at, timezone=rep.tzinfo)
    made = list(Commitment.objects.filter(session=session).order_by("pk"))
    for commitment, promise in zip(made, promises, strict=True):
        Commitment.objects.filter(pk=commitment.pk).update(
            due_date=held_on + dt.timedelta(days=promise.due_in_days),
            created_at=session.held_at,
        )
        commitment.refresh_from_db()
        if promise.kept_hours_ago is None:
            commitment_reminder_schedule(commitment=commitment)
            continue
        commitment_mark_kept(rep=rep, commitment=commitment, note=promise.note)
        Commitment.objects.filter(pk=commitment.pk).update(
            resolved_at=now - dt.timedelta(hours=promise.kept_hours_ago)
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
