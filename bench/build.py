"""A large organisation built in seconds with bulk inserts, for the benchmark only.

The amounts per rep are fixed, so an organisation of 200 reps is a tenth of one of 2,000 in
every table and one rep's pages show the same amount of data at both sizes. Per rep: 6
enrolments, 10 module completions (two whole courses, each with its passed quiz attempt and
answers and a follow-up session), 50 lesson-progress rows, 25 reminders (20 sent, 5 pending
days ahead), 12 notifications, 5 observations, 2 commitments and a skill memory per skill it
was taught. A manager leads 20 reps. Content is shared: 20 published courses of 5 modules,
each module with 3 lessons and a quiz of 4 questions.

Nothing here goes through the services: the point is to reach the size fast. The rows are
shaped as the services would write them, so the pages and the outbox read them as real ones.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from fsrs import Card, Rating
from rest_framework.authtoken.models import Token

from accounts.models import User
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
from lms.content import render_markdown
from lms.models import (
    AttemptAnswer,
    Choice,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
    Question,
    Quiz,
    QuizAttempt,
    Skill,
)

PASSWORD = "bench-pass-2026"  # noqa: S105 - the shared password of made-up people
REPS_PER_MANAGER = 20
COURSES = 20
MODULES_PER_COURSE = 5
LESSONS_PER_MODULE = 3
QUESTIONS_PER_QUIZ = 4
CHOICES_PER_QUESTION = 4
ENROLMENTS_PER_REP = 6
# Course k of a rep is (rep index + COURSE_STRIDE * k) % COURSES: 20 distinct courses for k < 20.
COURSE_STRIDE = 7
# People whose pages the load generator asks for, each with a signed-in session.
PAGE_USERS = 200
BATCH = 5000

SKILLS = [
    ("discovery", "Discovery"),
    ("rapport", "Building rapport"),
    ("objection-handling", "Objection handling"),
    ("closing", "Closing"),
    ("prospecting", "Prospecting"),
    ("negotiation", "Negotiation"),
    ("demo", "Running a demo"),
    ("follow-up", "Follow-up"),
]
FIRST = ["Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jade", "Kit", "Lena"]
LAST = ["Okafor", "Smith", "Nguyen", "Garcia", "Kowalski", "Haddad", "Berg", "Silva", "Ito"]
LESSON_BODY = (
    "## Why it matters\n\nBuyers decide in the first minutes whether the call is worth their "
    "time. This lesson shows how to **open with a reason**, ask one open question and listen.\n\n"
    "- Say why you are calling in one sentence\n- Ask what they are trying to fix this quarter\n"
    "- Summarise back before you pitch\n\n> Ask, then stop talking.\n"
)


@dataclass
class Org:
    """What the measurements need to know about the organisation that was built."""

    reps: int
    admin_id: int = 0
    manager_ids: list[int] = field(default_factory=list)
    rep_ids: list[int] = field(default_factory=list)
    course_ids: list[int] = field(default_factory=list)
    # Per course, its module ids in order; per module, lesson ids, quiz id and the quiz sheet.
    modules_of: dict[int, list[int]] = field(default_factory=dict)
    lessons_of: dict[int, list[int]] = field(default_factory=dict)
    quiz_of: dict[int, int] = field(default_factory=dict)
    # quiz id -> [(question id, [choice ids], correct choice id)]
    sheet_of: dict[int, list[tuple[int, list[int], int]]] = field(default_factory=dict)
    tokens: dict[int, str] = field(default_factory=dict)
    cookies: dict[int, str] = field(default_factory=dict)
    upcoming_session_of: dict[int, int] = field(default_factory=dict)
    open_commitment_of: dict[int, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def manager_of(self, rep_index: int) -> int:
        # Consecutive reps belong to different managers, so a run of submits spreads over
        # many calendars instead of queueing on one coach's lock.
        return self.manager_ids[rep_index % len(self.manager_ids)]

    def course_of(self, rep_index: int, k: int) -> int:
        return self.course_ids[(rep_index + COURSE_STRIDE * k) % COURSES]


def _bulk(model, rows: list) -> list:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def _layout(org: Org, quiz_id: int) -> list[dict]:
    return [{"question": q, "choices": c} for q, c, _ in org.sheet_of[quiz_id]]


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


def org_build(*, reps: int, seed: int = 2026) -> Org:
    """Fill an empty, migrated database with an organisation of ``reps`` reps."""
    rng = random.Random(seed)
    now = timezone.now()
    org = Org(reps=reps)

    # --- content -------------------------------------------------------------------------
    skills = _bulk(Skill, [Skill(slug=slug, name=name) for slug, name in SKILLS])
    courses = _bulk(
        Course,
        [
            Course(
                slug=f"course-{c + 1:02d}",
                title=f"Course {c + 1:02d}: {skills[c % len(skills)].name} in practice",
                summary="Short lessons, a quiz per module, and a coaching session after each.",
                status=Course.Status.PUBLISHED,
            )
            for c in range(COURSES)
        ],
    )
    org.course_ids = [c.pk for c in courses]
    _bulk(
        Course.skills.through,
        [
            Course.skills.through(course_id=course.pk, skill_id=skills[(c + j) % len(skills)].pk)
            for c, course in enumerate(courses)
            for j in range(2)
        ],
    )
    modules = _bulk(
        Module,
        [
            Module(
                course=course,
                slug=f"module-{m + 1}",
                position=m + 1,
                title=f"Module {m + 1} of {course.slug}",
                objectives="- Open with a reason\n- Ask one open question\n- Listen",
                coaching_questions=[
                    "What did you try on your last call?",
                    "What would you change next time?",
                ],
                coaching_behaviours=["Asks an open question first", "Summarises before pitching"],
                practice_task="Role-play the opening twice with a peer.",
            )
            for course in courses
            for m in range(MODULES_PER_COURSE)
        ],
    )
    module_skills = {
        module.pk: [skills[(i + j) % len(skills)] for j in range(2)]
        for i, module in enumerate(modules)
    }
    _bulk(
        Module.skills.through,
        [
            Module.skills.through(module_id=module_id, skill_id=skill.pk)
            for module_id, module_skill_list in module_skills.items()
            for skill in module_skill_list
        ],
    )
    body_html = render_markdown(LESSON_BODY)
    lessons = _bulk(
        Lesson,
        [
            Lesson(
                module=module,
                position=p + 1,
                title=f"Lesson {p + 1}",
                body=LESSON_BODY,
                body_html=body_html,
                minutes=5,
            )
            for module in modules
            for p in range(LESSONS_PER_MODULE)
        ],
    )
    quizzes = _bulk(
        Quiz, [Quiz(module=m, pass_mark=75, max_attempts=3, shuffle_choices=False) for m in modules]
    )
    questions = _bulk(
        Question,
        [
            Question(
                quiz=quiz,
                position=q + 1,
                prompt=f"Which of these is the best next step, case {q + 1}?",
                skill=module_skills[quiz.module_id][q % 2],
                explanation="The buyer has to say the problem in their own words first.",
            )
            for quiz in quizzes
            for q in range(QUESTIONS_PER_QUIZ)
        ],
    )
    choices = _bulk(
        Choice,
        [
            Choice(question=question, position=p + 1, text=f"Option {p + 1}", is_correct=(p == 0))
            for question in questions
            for p in range(CHOICES_PER_QUESTION)
        ],
    )
    course_by_id = {c.pk: c for c in courses}
    for module in modules:
        org.modules_of.setdefault(module.course_id, []).append(module.pk)
    for lesson in lessons:
        org.lessons_of.setdefault(lesson.module_id, []).append(lesson.pk)
    for quiz in quizzes:
        org.quiz_of[quiz.module_id] = quiz.pk
    choices_of: dict[int, list[Choice]] = {}
    for choice in choices:
        choices_of.setdefault(choice.question_id, []).append(choice)
    for question in questions:
        ids = [c.pk for c in choices_of[question.pk]]
        correct = next(c.pk for c in choices_of[question.pk] if c.is_correct)
        org.sheet_of.setdefault(question.quiz_id, []).append((question.pk, ids, correct))
    module_by_id = {m.pk: m for m in modules}

    # --- people ----------------------------------------------------------------------------
    password = make_password(PASSWORD)
    managers_count = max(1, reps // REPS_PER_MANAGER)

    def person(username: str, role: str, i: int, **extra) -> User:
        return User(
            username=username,
            first_name=FIRST[i % len(FIRST)],
            last_name=LAST[(i // len(FIRST)) % len(LAST)],
            email=f"{username}@example.com",
            role=role,
            password=password,
            timezone="Europe/London",
            **extra,
        )

    admin = _bulk(User, [person("admin", User.Role.ADMIN, 0, is_staff=True, is_superuser=True)])
    org.admin_id = admin[0].pk
    managers = _bulk(
        User, [person(f"manager{i:03d}", User.Role.MANAGER, i) for i in range(managers_count)]
    )
    org.manager_ids = [m.pk for m in managers]
    rep_users = _bulk(
        User,
        [
            person(f"rep{i:05d}", User.Role.REP, i, manager_id=org.manager_of(i))
            for i in range(reps)
        ],
    )
    org.rep_ids = [r.pk for r in rep_users]

    # --- training history ------------------------------------------------------------------
    enrolments, progress, attempts, completions_due = [], [], [], []
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
                        layout=_layout(org, quiz_id),
                        started_at=finished_at - dt.timedelta(minutes=10),
                        submitted_at=finished_at,
                        score=100 if wrong is None else 75,
                        passed=True,
                    )
                )
                completions_due.append((i, rep_id, module_id, finished_at, wrong))
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
    _bulk(Enrolment, enrolments)
    _bulk(LessonProgress, progress)
    attempts = _bulk(QuizAttempt, attempts)
    answers = []
    for attempt, (*_, wrong) in zip(attempts, completions_due, strict=True):
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
    _bulk(AttemptAnswer, answers)
    completions = _bulk(
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
                attempts, completions_due, strict=True
            )
        ],
    )

    # --- coaching history ------------------------------------------------------------------
    plans = _bulk(
        CoachingPlan,
        [
            CoachingPlan(rep_id=rep_id, coach_id=org.manager_of(i), goals="Close more in Q3.")
            for i, rep_id in enumerate(org.rep_ids)
        ],
    )
    plan_of = {plan.rep_id: plan.pk for plan in plans}
    sessions = []
    per_rep = 2 * MODULES_PER_COURSE
    for n, completion in enumerate(completions):
        i, rep_id, module_id, finished_at, _ = completions_due[n]
        module = module_by_id[module_id]
        last = n % per_rep == per_rep - 1
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
                focus_skill_id=module_skills[module_id][0].pk,
                agenda=_agenda(
                    module, course_by_id[module.course_id], module_skills[module_id], 100
                ),
                held_at=None if last else when + dt.timedelta(minutes=30),
                shared_notes="" if last else "Good opening; keep the summary shorter.",
            )
        )
    sessions = _bulk(CoachingSession, sessions)
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
    _bulk(Observation, observations)
    for commitment in _bulk(Commitment, commitments):
        if commitment.status == Commitment.Status.OPEN:
            org.open_commitment_of[commitment.rep_id] = commitment.pk

    # One memory per rep and skill taught by the modules they completed.
    states = {
        rating: _memory_state(now - dt.timedelta(days=20), rating)
        for rating in (Rating.Hard, Rating.Good)
    }
    memories = []
    for n in range(0, len(completions_due), per_rep):
        rep_id = completions_due[n][1]
        taught = {
            skill.pk
            for _, _, module_id, _, _ in completions_due[n : n + per_rep]
            for skill in module_skills[module_id]
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
    _bulk(SkillMemory, memories)

    # --- reminders and notifications ---------------------------------------------------------
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
    reminders = _bulk(Reminder, reminders)
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
    _bulk(Notification, notifications)

    # --- sign-ins ------------------------------------------------------------------------------
    people = [*org.manager_ids, *org.rep_ids]
    tokens = _bulk(Token, [Token(user_id=pk, key=Token.generate_key()) for pk in people])
    org.tokens = {token.user_id: token.key for token in tokens}
    signed_in = [org.admin_id, *org.manager_ids, *org.rep_ids[:PAGE_USERS]]
    users = User.objects.in_bulk(signed_in)
    store = SessionStore()
    expire = now + dt.timedelta(days=7)
    rows = []
    for pk in signed_in:
        key = secrets.token_hex(16)
        data = {
            "_auth_user_id": str(pk),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": users[pk].get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        org.cookies[pk] = key
    _bulk(Session, rows)

    org.counts = table_counts()
    analyze()
    return org


def table_counts() -> dict[str, int]:
    models = {
        "reps": User.objects.filter(role=User.Role.REP),
        "managers": User.objects.filter(role=User.Role.MANAGER),
        "courses": Course.objects.all(),
        "modules": Module.objects.all(),
        "lessons": Lesson.objects.all(),
        "quizzes": Quiz.objects.all(),
        "enrolments": Enrolment.objects.all(),
        "lesson_progress": LessonProgress.objects.all(),
        "quiz_attempts": QuizAttempt.objects.all(),
        "module_completions": ModuleCompletion.objects.all(),
        "coaching_sessions": CoachingSession.objects.all(),
        "observations": Observation.objects.all(),
        "reminders": Reminder.objects.all(),
        "notifications": Notification.objects.all(),
    }
    return {name: queryset.count() for name, queryset in models.items()}


def analyze() -> None:
    """Fresh planner statistics, as autovacuum would have after a bulk load."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- one-off work for the measurements ----------------------------------------------------------


@dataclass(frozen=True)
class ReadySubmit:
    """An open attempt whose correct submit completes its module and books a follow-up."""

    attempt_id: int
    user_id: int
    body: str


def submit_pool_build(org: Org, *, size: int) -> list[ReadySubmit]:
    """``size`` open attempts, each by a rep who has read every lesson of the module.

    Reps take turns (one module each per round), so neighbouring requests belong to different
    reps and managers. Modules come from courses the rep had not started; they are enrolled.
    """
    now = timezone.now()
    per_rep = -(-size // org.reps)
    if per_rep > (COURSES - ENROLMENTS_PER_REP) * MODULES_PER_COURSE:
        raise ValueError(f"{size} attempts need more untouched modules than {org.reps} reps have.")
    modules_needed = [
        (i, rep_id, module_id)
        for r in range(per_rep)
        for i, rep_id in enumerate(org.rep_ids)
        for module_id in [
            org.modules_of[org.course_of(i, ENROLMENTS_PER_REP + r // MODULES_PER_COURSE)][
                r % MODULES_PER_COURSE
            ]
        ]
    ][:size]
    courses = {
        (rep_id, org.course_of(i, ENROLMENTS_PER_REP + r // MODULES_PER_COURSE))
        for r in range(per_rep)
        for i, rep_id in enumerate(org.rep_ids)
    }
    Enrolment.objects.bulk_create(
        [Enrolment(user_id=u, course_id=c) for u, c in courses],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    _bulk(
        LessonProgress,
        [
            LessonProgress(user_id=rep_id, lesson_id=lesson_id, completed_at=now)
            for _, rep_id, module_id in modules_needed
            for lesson_id in org.lessons_of[module_id]
        ],
    )
    attempts = _bulk(
        QuizAttempt,
        [
            QuizAttempt(
                user_id=rep_id,
                quiz_id=org.quiz_of[module_id],
                number=1,
                layout=_layout(org, org.quiz_of[module_id]),
                started_at=now,
            )
            for _, rep_id, module_id in modules_needed
        ],
    )
    analyze()
    return [
        ReadySubmit(
            attempt_id=attempt.pk,
            user_id=attempt.user_id,
            body=json.dumps(
                {
                    "answers": [
                        {"question": q, "choices": [correct]}
                        for q, _, correct in org.sheet_of[attempt.quiz_id]
                    ]
                },
                separators=(",", ":"),
            ),
        )
        for attempt in attempts
    ]


def due_reminders_insert(org: Org, *, count: int, label: str) -> list[int]:
    """``count`` reminders due a minute ago, as the booking flow writes them, and their ids.

    A mix of what really falls due: booking notices of upcoming sessions (the email ones carry
    a calendar invite), commitments coming due, and reinforcement prompts; half in-app, half
    email, spread over every rep.
    """
    due = timezone.now() - dt.timedelta(minutes=1)
    kinds = [
        Reminder.Kind.SESSION_BOOKED,
        Reminder.Kind.SESSION_BOOKED,
        Reminder.Kind.COMMITMENT_DUE,
        Reminder.Kind.REINFORCEMENT_DUE,
    ]
    channels = (Reminder.Channel.IN_APP, Reminder.Channel.EMAIL)
    rows = []
    for n in range(count):
        # An in-app and an email twin per rep and kind; every stretch of rows mixes the kinds
        # evenly, so a run stopped at the cap has delivered the same mix as a full one.
        pair = n // 2
        rep_id = org.rep_ids[pair % org.reps]
        kind = kinds[(pair + pair // org.reps) % len(kinds)]
        rows.append(
            Reminder(
                recipient_id=rep_id,
                kind=kind,
                channel=channels[n % 2],
                due_at=due,
                dedupe_key=f"bench:{label}:{n}",
                session_id=(
                    org.upcoming_session_of[rep_id]
                    if kind == Reminder.Kind.SESSION_BOOKED
                    else None
                ),
                commitment_id=(
                    org.open_commitment_of[rep_id] if kind == Reminder.Kind.COMMITMENT_DUE else None
                ),
            )
        )
    ids = [r.pk for r in _bulk(Reminder, rows)]
    analyze()
    return ids


def due_reminders_remove(*, label: str) -> None:
    """Take a delivered batch away again, so the next way starts from the same tables."""
    prefix = f"bench:{label}:"
    Notification.objects.filter(reminder__dedupe_key__startswith=prefix).delete()
    Reminder.objects.filter(dedupe_key__startswith=prefix).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE coaching_reminder")
        cursor.execute("VACUUM ANALYZE coaching_notification")
