"""A large organisation built in seconds with bulk inserts, for the benchmark only.

Nothing here goes through the services: the point is to reach the size fast. The rows are
shaped as the services would write them, so the pages and the outbox read them as real ones.
The amounts per rep are in bench/org.py; the months of training and coaching behind each rep in
bench/history.py.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import ApiToken, User
from bench.history import history_build
from bench.org import (
    CHOICES_PER_QUESTION,
    COURSES,
    LESSONS_PER_MODULE,
    MODULES_PER_COURSE,
    PAGE_USERS,
    PASSWORD,
    QUESTIONS_PER_QUIZ,
    REPS_PER_MANAGER,
    Catalogue,
    Org,
    analyze,
    bulk,
    table_counts,
)
from lms.content import render_markdown
from lms.models import Choice, Course, Lesson, Module, Question, Quiz, Skill

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


def org_build(*, reps: int, seed: int = 2026) -> Org:
    """Fill an empty, migrated database with an organisation of ``reps`` reps."""
    rng = random.Random(seed)
    now = timezone.now()
    org = Org(reps=reps)
    catalogue = _content_build(org)
    _people_build(org)
    history_build(org, catalogue=catalogue, rng=rng, now=now)
    _sign_ins_build(org, now=now)
    org.counts = table_counts()
    analyze()
    return org


def _content_build(org: Org) -> Catalogue:
    """Skills, published courses, modules, lessons and quizzes, shared by everyone."""
    skills = bulk(Skill, [Skill(slug=slug, name=name) for slug, name in SKILLS])
    courses = bulk(
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
    bulk(
        Course.skills.through,
        [
            Course.skills.through(course_id=course.pk, skill_id=skills[(c + j) % len(skills)].pk)
            for c, course in enumerate(courses)
            for j in range(2)
        ],
    )
    modules = bulk(
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
    bulk(
        Module.skills.through,
        [
            Module.skills.through(module_id=module_id, skill_id=skill.pk)
            for module_id, module_skill_list in module_skills.items()
            for skill in module_skill_list
        ],
    )
    body_html = render_markdown(LESSON_BODY)
    lessons = bulk(
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
    quizzes = bulk(
        Quiz, [Quiz(module=m, pass_mark=75, max_attempts=3, shuffle_choices=False) for m in modules]
    )
    questions = bulk(
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
    choices = bulk(
        Choice,
        [
            Choice(question=question, position=p + 1, text=f"Option {p + 1}", is_correct=(p == 0))
            for question in questions
            for p in range(CHOICES_PER_QUESTION)
        ],
    )
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
    return Catalogue(
        courses={c.pk: c for c in courses},
        modules={m.pk: m for m in modules},
        module_skills=module_skills,
    )


BUDGET_HOURS = Decimal("40")


def _people_build(org: Org) -> None:
    """An admin, a manager per 20 reps, and the reps."""
    password = make_password(PASSWORD)
    managers_count = max(1, org.reps // REPS_PER_MANAGER)

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

    admin = bulk(User, [person("admin", User.Role.ADMIN, 0, is_staff=True, is_superuser=True)])
    org.admin_id = admin[0].pk
    # Each manager's week has room for every follow-up the run books (the most a week holds,
    # well above what the slot rules fit), so the quiz submit that completes a module measures
    # a booking, as it did before the coaching budget existed, not a deferral.
    managers = bulk(
        User,
        [
            person(f"manager{i:03d}", User.Role.MANAGER, i, coaching_budget_hours=BUDGET_HOURS)
            for i in range(managers_count)
        ],
    )
    org.manager_ids = [m.pk for m in managers]
    rep_users = bulk(
        User,
        [
            person(f"rep{i:05d}", User.Role.REP, i, manager_id=org.manager_of(i))
            for i in range(org.reps)
        ],
    )
    org.rep_ids = [r.pk for r in rep_users]


def _sign_ins_build(org: Org, *, now: dt.datetime) -> None:
    """An API token for every manager and rep; a signed-in session for those whose pages the
    load generator asks for."""
    people = [*org.manager_ids, *org.rep_ids]
    expires = now + dt.timedelta(days=settings.API_TOKEN_DAYS)
    tokens = bulk(
        ApiToken,
        [ApiToken(user_id=pk, key=ApiToken.generate_key(), expires=expires) for pk in people],
    )
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
    bulk(Session, rows)
