"""The months behind each rep of the benchmark's organisation, in bulk: training (enrolments,
lessons read, passed quizzes, completions), coaching (a plan, a follow-up session per completion,
observations, commitments), skill memories, and the reminders and notifications sent on the way.
"""

from __future__ import annotations

import datetime as dt
import random

from fsrs import Card, Rating

from bench.org import ENROLMENTS_PER_REP, MODULES_PER_COURSE, Catalogue, Org, bulk, layout
from coaching.models import (
    CoachingPlan,
    CoachingSession,
    Commitment,
    Notification,
    Observation,
    Reminder,
    SkillMemory,
)
from coaching.skills.memory import memory_scheduler
from lms.models import (
    AttemptAnswer,
    Course,
    Enrolment,
    LessonProgress,
    Module,
    ModuleCompletion,
    QuizAttempt,
    Skill,
)

# A rep's finished module: (rep index, rep id, module id, finished at, wrongly answered question)
Finished = tuple[int, int, int, dt.datetime, int | None]
PER_REP = 2 * MODULES_PER_COURSE  # modules finished by each rep


def history_build(org: Org, *, catalogue: Catalogue, rng: random.Random, now: dt.datetime) -> None:
    finished, completions = _training_build(org, rng=rng, now=now)
    held_of, upcoming_at_of = _coaching_build(
        org, catalogue=catalogue, finished=finished, completions=completions, rng=rng, now=now
    )
    _memories_build(catalogue=catalogue, finished=finished, rng=rng, now=now)
    _reminders_build(org, held_of=held_of, upcoming_at_of=upcoming_at_of)


def _agenda(module: Module, course: Course, skills: list[Skill], score: int) -> dict:
    return {
        "module": {"id": module.pk, "title": module.title, "course": course.title},
        "score": score,
        "skills": [{"id": s.pk, "name": s.name} for s in skills],
        "questions_to_ask": list(module.coaching_questions),
        "behaviours_to_observe": list(module.coaching_behaviours),
        "practice_task": module.practice_task,
        "missed_questions": [],
        "missed_skills": [],
        "commitments": [],
    }


def _memory_state(reviewed_at: dt.datetime, rating: Rating) -> tuple[dict, float, dt.datetime]:
    card, _ = memory_scheduler().review_card(Card(), rating, review_datetime=reviewed_at)
    return card.to_dict(), card.stability, card.due


def _training_build(
    org: Org, *, rng: random.Random, now: dt.datetime
) -> tuple[list[Finished], list[ModuleCompletion]]:
    """Six enrolments per rep: two courses finished, one read without its quizzes, one begun."""
    enrolments, progress, attempts, finished = [], [], [], []
    for i, rep_id in enumerate(org.rep_ids):
        for k in range(ENROLMENTS_PER_REP):
            due = None
            if k == 3:
                due = (now - dt.timedelta(days=rng.randint(1, 30))).date()  # overdue
            elif k >= 4:
                due = (now + dt.timedelta(days=rng.randint(7, 60))).date()
            enrolments.append(
                Enrolment(
                    user_id=rep_id,
                    course_id=org.course_of(i, k),
                    assigned_by_id=org.manager_of(i) if k != 2 else None,
                    due_date=due,
                )
            )
        # Courses k=0 and k=1 are finished: 10 modules, each with a passed attempt.
        finished_at = now - dt.timedelta(days=rng.randint(60, 120))
        for k in (0, 1):
            for module_id in org.modules_of[org.course_of(i, k)]:
                finished_at += dt.timedelta(days=rng.randint(2, 5), hours=rng.randint(0, 8))
                for lesson_id in org.lessons_of[module_id]:
                    progress.append(
                        LessonProgress(
                            user_id=rep_id,
                            lesson_id=lesson_id,
                            completed_at=finished_at - dt.timedelta(hours=1),
                        )
                    )
                quiz_id = org.quiz_of[module_id]
                wrong = rng.choice([None, None, 0, 1, 2, 3])  # two in three miss one: 75 %
                attempts.append(
                    QuizAttempt(
                        user_id=rep_id,
                        quiz_id=quiz_id,
                        number=1,
                        layout=layout(org, quiz_id),
                        started_at=finished_at - dt.timedelta(minutes=10),
                        submitted_at=finished_at,
                        score=100 if wrong is None else 75,
                        passed=True,
                    )
                )
                finished.append((i, rep_id, module_id, finished_at, wrong))
        # Course k=2: every lesson read, no quiz passed; course k=3: the first five lessons.
        for lesson_id in [
            lid for mid in org.modules_of[org.course_of(i, 2)] for lid in org.lessons_of[mid]
        ]:
            progress.append(
                LessonProgress(
                    user_id=rep_id,
                    lesson_id=lesson_id,
                    completed_at=now - dt.timedelta(days=rng.randint(2, 20)),
                )
            )
        for lesson_id in [
            lid for mid in org.modules_of[org.course_of(i, 3)] for lid in org.lessons_of[mid]
        ][:5]:
            progress.append(
                LessonProgress(
                    user_id=rep_id,
                    lesson_id=lesson_id,
                    completed_at=now - dt.timedelta(days=rng.randint(1, 10)),
                )
            )
    bulk(Enrolment, enrolments)
    bulk(LessonProgress, progress)
    attempts = bulk(QuizAttempt, attempts)
    answers = []
    for attempt, (*_, wrong) in zip(attempts, finished, strict=True):
        for index, (question_id, choice_ids, correct) in enumerate(org.sheet_of[attempt.quiz_id]):
            chosen = choice_ids[1] if index == wrong else correct
            answers.append(
                AttemptAnswer(
                    attempt=attempt,
                    question_id=question_id,
                    choice_ids=[chosen],
                    is_correct=chosen == correct,
                )
            )
    bulk(AttemptAnswer, answers)
    completions = bulk(
        ModuleCompletion,
        [
            ModuleCompletion(
                user_id=rep_id,
                module_id=module_id,
                completed_at=finished_at,
                score=attempt.score,
                attempt=attempt,
            )
            for attempt, (_, rep_id, module_id, finished_at, _) in zip(
                attempts, finished, strict=True
            )
        ],
    )
    return finished, completions


def _coaching_build(
    org: Org,
    *,
    catalogue: Catalogue,
    finished: list[Finished],
    completions: list[ModuleCompletion],
    rng: random.Random,
    now: dt.datetime,
) -> tuple[dict[int, list[CoachingSession]], dict[int, dt.datetime]]:
    """A plan per rep and a follow-up session per completion, held but for the newest; the
    held ones with observations and commitments. Each rep's held sessions and next session."""
    plans = bulk(
        CoachingPlan,
        [
            CoachingPlan(rep_id=rep_id, coach_id=org.manager_of(i), goals="Close more in Q3.")
            for i, rep_id in enumerate(org.rep_ids)
        ],
    )
    plan_of = {plan.rep_id: plan.pk for plan in plans}
    sessions = []
    for n, completion in enumerate(completions):
        i, rep_id, module_id, finished_at, _ = finished[n]
        module = catalogue.modules[module_id]
        skills = catalogue.module_skills[module_id]
        last = n % PER_REP == PER_REP - 1
        # The newest completion's follow-up is still to come, two to ten days ahead in
        # working hours; every earlier one was held the day after its module.
        if last:
            day = (now + dt.timedelta(days=2 + i % 9)).date()
            when = dt.datetime.combine(day, dt.time(9 + i % 7, 0), tzinfo=dt.UTC)
        else:
            when = finished_at + dt.timedelta(days=1)
        sessions.append(
            CoachingSession(
                plan_id=plan_of[rep_id],
                rep_id=rep_id,
                coach_id=org.manager_of(i),
                scheduled_for=when,
                duration_minutes=30,
                status=(CoachingSession.Status.SCHEDULED if last else CoachingSession.Status.HELD),
                source=CoachingSession.Source.AFTER_TRAINING,
                completion=completion,
                module_id=module_id,
                focus_skill_id=skills[0].pk,
                agenda=_agenda(module, catalogue.courses[module.course_id], skills, 100),
                held_at=None if last else when + dt.timedelta(minutes=30),
                shared_notes="" if last else "Good opening; keep the summary shorter.",
            )
        )
    sessions = bulk(CoachingSession, sessions)
    held_of: dict[int, list[CoachingSession]] = {}
    upcoming_at_of: dict[int, dt.datetime] = {}
    for session in sessions:
        if session.status == CoachingSession.Status.SCHEDULED:
            org.upcoming_session_of[session.rep_id] = session.pk
            upcoming_at_of[session.rep_id] = session.scheduled_for
        else:
            held_of.setdefault(session.rep_id, []).append(session)

    observations, commitments = [], []
    for i, rep_id in enumerate(org.rep_ids):
        held = held_of[rep_id]
        for session in held[-5:]:
            observations.append(
                Observation(
                    rep_id=rep_id,
                    observer_id=org.manager_of(i),
                    session=session,
                    skill_id=session.focus_skill_id,
                    rating=rng.randint(1, 5),
                    evidence="Asked two open questions before the demo.",
                    source=Observation.Source.SESSION,
                    observed_at=session.scheduled_for,
                )
            )
        commitments.append(
            Commitment(
                rep_id=rep_id,
                session=held[-2],
                text="Open every call with the reason for calling.",
                skill_id=held[-2].focus_skill_id,
                due_date=(held[-2].scheduled_for + dt.timedelta(days=7)).date(),
                status=Commitment.Status.KEPT,
                resolved_at=held[-2].scheduled_for + dt.timedelta(days=5),
            )
        )
        commitments.append(
            Commitment(
                rep_id=rep_id,
                session=held[-1],
                text="Summarise the buyer's problem before pitching.",
                skill_id=held[-1].focus_skill_id,
                due_date=(now + dt.timedelta(days=3 + i % 10)).date(),
            )
        )
    bulk(Observation, observations)
    for commitment in bulk(Commitment, commitments):
        if commitment.status == Commitment.Status.OPEN:
            org.open_commitment_of[commitment.rep_id] = commitment.pk

    return held_of, upcoming_at_of


def _memories_build(
    *, catalogue: Catalogue, finished: list[Finished], rng: random.Random, now: dt.datetime
) -> None:
    # One memory per rep and skill taught by the modules they completed.
    states = {
        rating: _memory_state(now - dt.timedelta(days=20), rating)
        for rating in (Rating.Hard, Rating.Good)
    }
    memories = []
    for n in range(0, len(finished), PER_REP):
        rep_id = finished[n][1]
        taught = {
            skill.pk
            for _, _, module_id, _, _ in finished[n : n + PER_REP]
            for skill in catalogue.module_skills[module_id]
        }
        for skill_id in sorted(taught):
            state, stability, due = states[rng.choice([Rating.Hard, Rating.Good])]
            memories.append(
                SkillMemory(
                    rep_id=rep_id,
                    skill_id=skill_id,
                    state=state,
                    stability=stability,
                    reviews=1,
                    last_review_at=now - dt.timedelta(days=20),
                    next_due_at=due,
                )
            )
    bulk(SkillMemory, memories)


def _reminders_build(
    org: Org,
    *,
    held_of: dict[int, list[CoachingSession]],
    upcoming_at_of: dict[int, dt.datetime],
) -> None:
    """The reminders of each rep's last four held sessions (sent, with their notifications, two
    unread) and of their next session (pending)."""
    reminders = []
    both = (Reminder.Channel.IN_APP, Reminder.Channel.EMAIL)
    sent_kinds = [
        (Reminder.Kind.SESSION_BOOKED, both, dt.timedelta(days=1)),
        (Reminder.Kind.SESSION_24H, both, dt.timedelta(hours=24)),
        (Reminder.Kind.SESSION_1H, (Reminder.Channel.IN_APP,), dt.timedelta(hours=1)),
    ]
    for i, rep_id in enumerate(org.rep_ids):
        for session in held_of[rep_id][-4:]:
            for kind, channels, before in sent_kinds:
                due = session.scheduled_for - before
                for channel in channels:
                    reminders.append(
                        Reminder(
                            recipient_id=rep_id,
                            kind=kind,
                            channel=channel,
                            due_at=due,
                            status=Reminder.Status.SENT,
                            dedupe_key=f"session:{session.pk}:{kind}:{rep_id}:{channel}",
                            attempts=1,
                            sent_at=due + dt.timedelta(seconds=5),
                            session=session,
                        )
                    )
        upcoming_id = org.upcoming_session_of[rep_id]
        upcoming_at = upcoming_at_of[rep_id]
        for kind, before in (
            (Reminder.Kind.SESSION_24H, dt.timedelta(hours=24)),
            (Reminder.Kind.SESSION_1H, dt.timedelta(hours=1)),
        ):
            for channel in both:
                reminders.append(
                    Reminder(
                        recipient_id=rep_id,
                        kind=kind,
                        channel=channel,
                        due_at=upcoming_at - before,
                        dedupe_key=f"session:{upcoming_id}:{kind}:{rep_id}:{channel}",
                        session_id=upcoming_id,
                    )
                )
        reminders.append(
            Reminder(
                recipient_id=org.manager_of(i),
                kind=Reminder.Kind.SESSION_HOLD_OVERDUE,
                channel=Reminder.Channel.IN_APP,
                due_at=upcoming_at + dt.timedelta(hours=2, minutes=30),
                dedupe_key=f"session:{upcoming_id}:hold_overdue:{org.manager_of(i)}:in_app",
                session_id=upcoming_id,
            )
        )
    reminders = bulk(Reminder, reminders)
    notifications = []
    unread_left: dict[int, int] = {}
    for reminder in reversed(reminders):
        if reminder.status != Reminder.Status.SENT or reminder.channel != Reminder.Channel.IN_APP:
            continue
        unread = unread_left.setdefault(reminder.recipient_id, 2)
        unread_left[reminder.recipient_id] = unread - 1
        notifications.append(
            Notification(
                recipient_id=reminder.recipient_id,
                reminder=reminder,
                title=f"{reminder.get_kind_display()}",
                body="Your coaching session with your manager.",
                url="/coaching/",
                read_at=None if unread > 0 else reminder.sent_at + dt.timedelta(hours=3),
            )
        )
    bulk(Notification, notifications)
