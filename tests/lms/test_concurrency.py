"""Races on the training writes, with real concurrent transactions on PostgreSQL.

Each thread has its own database connection. Where a race needs both transactions in flight at
once, the first one is held open until the database shows the other one waiting on its lock, so
the test proves the overlap instead of hoping for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection

import lms.services.progress as progress_services
import lms.services.quizzes as quiz_services
from config.errors import Conflict
from lms.models import AttemptAnswer, LessonProgress, ModuleCompletion, QuizAttempt
from lms.services import attempt_start, attempt_submit, lesson_complete
from lms.signals import module_completed
from tests.conftest import wait_for
from tests.factories import RepFactory, build_module, correct_answers

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 20.0


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs PostgreSQL (DATABASE_URL=postgres://...): SQLite lets one writer in at a time, "
            "so these races cannot happen there."
        )


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None


def run_at_once(*calls: Callable[[], Any]) -> list[Outcome]:
    """Run each call in its own thread and connection, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome() for _ in calls]

    def run(call: Callable[[], Any], outcome: Outcome) -> None:
        try:
            barrier.wait(timeout=TIMEOUT)
            outcome.value = call()
        except BaseException as exc:
            outcome.error = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(call, outcome), daemon=True)
        for call, outcome in zip(calls, outcomes, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
    assert not any(thread.is_alive() for thread in threads), "a racing thread never finished"
    return outcomes


def someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        # Activity is snapshotted once per transaction; a caller inside one needs a fresh look.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@dataclass
class Heard:
    completions: list[int] = field(default_factory=list)
    attempts: list[int | None] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Set to hold the completing transaction open until the test releases it.
    hold: threading.Event | None = None
    holding: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def heard() -> Iterator[Heard]:
    heard = Heard()

    def receiver(sender, completion, attempt, **kwargs):
        with heard.lock:
            heard.completions.append(completion.pk)
            heard.attempts.append(attempt.pk if attempt else None)
        if heard.hold is not None:
            heard.holding.set()
            assert heard.hold.wait(timeout=TIMEOUT), "the test never released the transaction"

    module_completed.connect(receiver, weak=False, dispatch_uid="test-concurrency-heard")
    yield heard
    module_completed.disconnect(dispatch_uid="test-concurrency-heard")


def release_once_the_other_waits(heard: Heard) -> Callable[[], None]:
    """The completing thread holds its transaction until the other one is blocked behind it."""
    heard.hold = threading.Event()

    def release() -> None:
        wait_for(heard.holding.is_set, timeout=TIMEOUT, message="nobody completed the module")
        wait_for(someone_waits_on_a_lock, timeout=TIMEOUT, message="the other never waited")
        heard.hold.set()

    return release


def test_two_simultaneous_submits_grade_once_and_the_other_is_a_conflict(heard):
    rep = RepFactory()
    module = build_module(lessons=1, questions=3)
    lesson_complete(user=rep, lesson=module.lessons.get())
    attempt = attempt_start(user=rep, quiz=module.quiz)
    answers = correct_answers(attempt)
    release = release_once_the_other_waits(heard)

    outcomes = run_at_once(
        lambda: attempt_submit(attempt=attempt, answers=answers),
        lambda: attempt_submit(attempt=attempt, answers=answers),
        release,
    )

    graded = [o.value for o in outcomes[:2] if o.error is None]
    refused = [o.error for o in outcomes[:2] if o.error is not None]
    assert outcomes[2].error is None
    assert len(graded) == 1, refused
    assert len(refused) == 1 and isinstance(refused[0], Conflict), refused
    assert (graded[0].score, graded[0].module_completed) == (100, True)
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == 3
    assert QuizAttempt.objects.get(pk=attempt.pk).score == 100
    assert ModuleCompletion.objects.filter(user=rep, module=module).count() == 1
    assert heard.attempts == [attempt.pk]


def test_the_same_last_lesson_marked_twice_at_once_completes_the_module_once(heard):
    rep = RepFactory()
    module = build_module(lessons=2, questions=0)
    first, last = module.lessons.order_by("position")
    lesson_complete(user=rep, lesson=first)
    release = release_once_the_other_waits(heard)

    outcomes = run_at_once(
        lambda: lesson_complete(user=rep, lesson=last),
        lambda: lesson_complete(user=rep, lesson=last),
        release,
    )

    assert [o.error for o in outcomes] == [None, None, None]
    created = sorted(o.value.completion.created for o in outcomes[:2])
    assert created == [False, True]
    assert LessonProgress.objects.filter(user=rep, lesson=last).count() == 1
    completion = ModuleCompletion.objects.get(user=rep, module=module)
    assert {o.value.completion.completion.pk for o in outcomes[:2]} == {completion.pk}
    assert heard.completions == [completion.pk]


def hold_until_both_passed(monkeypatch, name: str, *modules, meet_before: bool = False) -> None:
    """Racing threads go past ``name`` only once both have run it, or one is queued behind the
    other's lock.

    Without this the second thread may simply start after the first has committed, and the
    race (each missing the other's uncommitted write) would never happen. ``meet_before`` also
    lines both up before the call, for steps written before it that must both be in flight.
    """
    barrier = threading.Barrier(2)
    lock = threading.Lock()
    passed: list[Any] = []
    real = getattr(modules[0], name)

    def held(**kwargs):
        if meet_before:
            barrier.wait(timeout=TIMEOUT)
        result = real(**kwargs)
        with lock:
            passed.append(result)
        wait_for(
            lambda: len(passed) == 2 or someone_waits_on_a_lock(),
            timeout=TIMEOUT,
            message=f"the other thread neither ran {name} nor waited on a lock",
        )
        return result

    for module in modules:
        monkeypatch.setattr(module, name, held)


@pytest.fixture
def checks_meet_after_writing(monkeypatch) -> None:
    """Both transactions write their step, then both check the module."""
    hold_until_both_passed(
        monkeypatch, "module_completion_check", progress_services, quiz_services, meet_before=True
    )


def test_the_two_last_lessons_marked_at_once_complete_the_module_once(
    heard, checks_meet_after_writing
):
    rep = RepFactory()
    module = build_module(lessons=2, questions=0)
    first, last = module.lessons.order_by("position")

    outcomes = run_at_once(
        lambda: lesson_complete(user=rep, lesson=first),
        lambda: lesson_complete(user=rep, lesson=last),
    )

    assert [o.error for o in outcomes] == [None, None]
    assert sorted(o.value.completion.created for o in outcomes) == [False, True]
    completion = ModuleCompletion.objects.get(user=rep, module=module)
    assert heard.completions == [completion.pk]
    assert heard.attempts == [None]


def test_the_last_lesson_and_a_passing_submit_at_once_complete_the_module_once(
    heard, checks_meet_after_writing
):
    rep = RepFactory()
    module = build_module(lessons=1, questions=3)
    attempt = attempt_start(user=rep, quiz=module.quiz)
    answers = correct_answers(attempt)

    outcomes = run_at_once(
        lambda: lesson_complete(user=rep, lesson=module.lessons.get()),
        lambda: attempt_submit(attempt=attempt, answers=answers),
    )

    assert [o.error for o in outcomes] == [None, None]
    lesson, submit = (o.value for o in outcomes)
    assert submit.passed
    assert sorted([lesson.completion.created, submit.module_completed]) == [False, True]
    completion = ModuleCompletion.objects.get(user=rep, module=module)
    assert (completion.attempt_id, completion.score) == (attempt.pk, 100)
    assert heard.completions == [completion.pk]
    assert heard.attempts == [attempt.pk]


def test_two_simultaneous_starts_make_one_attempt(monkeypatch):
    rep = RepFactory()
    module = build_module(lessons=0, questions=3, max_attempts=1)
    hold_until_both_passed(monkeypatch, "attempt_tally", quiz_services)

    outcomes = run_at_once(
        lambda: attempt_start(user=rep, quiz=module.quiz),
        lambda: attempt_start(user=rep, quiz=module.quiz),
    )

    assert [o.error for o in outcomes] == [None, None]
    assert outcomes[0].value.pk == outcomes[1].value.pk
    assert QuizAttempt.objects.get(user=rep).number == 1
