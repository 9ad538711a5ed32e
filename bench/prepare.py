"""What the measurements add to the built organisation as they go: open attempts ready to be
submitted, and batches of due reminders for the delivery runs (taken away again after each)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from bench.org import (
    BATCH,
    COURSES,
    ENROLMENTS_PER_REP,
    MODULES_PER_COURSE,
    Org,
    analyze,
    bulk,
    layout,
)
from coaching.models import Notification, Reminder
from lms.models import Enrolment, LessonProgress, QuizAttempt


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
    bulk(
        LessonProgress,
        [
            LessonProgress(user_id=rep_id, lesson_id=lesson_id, completed_at=now)
            for _, rep_id, module_id in modules_needed
            for lesson_id in org.lessons_of[module_id]
        ],
    )
    attempts = bulk(
        QuizAttempt,
        [
            QuizAttempt(
                user_id=rep_id,
                quiz_id=org.quiz_of[module_id],
                number=1,
                layout=layout(org, org.quiz_of[module_id]),
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
    ids = [r.pk for r in bulk(Reminder, rows)]
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
