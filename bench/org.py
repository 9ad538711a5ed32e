"""The organisation the benchmark builds: its fixed amounts per rep, and what the measurements
need to know of it once built (bench/build.py builds it, bench/prepare.py adds to it).

The amounts per rep are fixed, so an organisation of 200 reps is a tenth of one of 2,000 in
every table and one rep's pages show the same amount of data at both sizes. Per rep: 6
enrolments, 10 module completions (two whole courses, each with its passed quiz attempt and
answers and a follow-up session), 50 lesson-progress rows, 25 reminders (20 sent, 5 pending
days ahead), 12 notifications, 5 observations, 2 commitments and a skill memory per skill it
was taught. A manager leads 20 reps. Content is shared: 20 published courses of 5 modules,
each module with 3 lessons and a quiz of 4 questions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from accounts.models import User
from coaching.models import CoachingSession, Notification, Observation, Reminder
from lms.models import (
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
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


@dataclass
class Catalogue:
    """The content rows the history refers to, by id."""

    courses: dict[int, Course]
    modules: dict[int, Module]
    module_skills: dict[int, list[Skill]]  # by module id


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


def bulk(model, rows: list) -> list:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def layout(org: Org, quiz_id: int) -> list[dict]:
    return [{"question": q, "choices": c} for q, c, _ in org.sheet_of[quiz_id]]


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
