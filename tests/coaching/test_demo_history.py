"""The demo history: idempotent, and the skill matrix names john's and sheila's gaps from it."""

import pytest
from django.utils import timezone

from accounts.demo import demo_people_seed
from coaching.demo.history import DEMO_HISTORY, demo_history_seed
from coaching.insights.matrix import team_skill_matrix
from coaching.models import CoachingSession, Observation, Reminder, SkillMemory
from coaching.skills.rules import Diagnosis, Stage
from config.errors import DomainError
from lms.demo import demo_courses_seed
from lms.models import ModuleCompletion, QuizAttempt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The demo people's passwords are hashed on every seed; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people():
    people = demo_people_seed()
    demo_courses_seed()
    return people


def _row(rows, username, skill):
    [row] = [r for r in rows if r.rep.username == username and r.skill.slug == skill]
    return row


def _counts():
    return (
        QuizAttempt.objects.count(),
        ModuleCompletion.objects.count(),
        CoachingSession.objects.count(),
        Observation.objects.count(),
        SkillMemory.objects.count(),
        Reminder.objects.count(),
    )


def test_the_demo_history_is_created_once(people):
    first = demo_history_seed(people)
    assert first == {username: len(steps) for username, steps in DEMO_HISTORY.items()}
    counts = _counts()
    assert all(counts)
    assert demo_history_seed(people) == dict.fromkeys(DEMO_HISTORY, 0)
    assert _counts() == counts


def test_the_matrix_names_johns_coaching_gap_on_closing(people):
    demo_history_seed(people)
    rows = team_skill_matrix(manager=people["maria"])
    closing = _row(rows, "john", "closing")
    assert closing.knowledge >= 80 and closing.application < 50
    assert closing.diagnosis == Diagnosis.COACHING_GAP
    assert closing.stage == Stage.LEARNED
    assert closing.action.kind == "coaching_focus" and "Closing" in closing.action.label
    rapport = _row(rows, "john", "rapport")
    assert rapport.application >= 75 and rapport.diagnosis == Diagnosis.NONE
    assert rapport.stage in (Stage.APPLIED, Stage.MASTERED)


def test_the_matrix_names_sheilas_training_gap_on_prospecting(people):
    demo_history_seed(people)
    rows = team_skill_matrix(manager=people["maria"])
    prospecting = _row(rows, "sheila", "prospecting")
    assert prospecting.knowledge < 70 and prospecting.application < 50
    assert prospecting.diagnosis == Diagnosis.TRAINING_GAP
    assert prospecting.stage == Stage.INTRODUCED
    assert prospecting.action.kind == "assign_module"
    assert "Targeting" in prospecting.action.label or "targeting" in prospecting.action.label
    closing = _row(rows, "sheila", "closing")
    assert closing.knowledge >= 90 and closing.application >= 75
    assert closing.diagnosis == Diagnosis.NONE


def test_the_matrix_names_toms_practice_gap_and_keeps_the_teams_apart(people):
    demo_history_seed(people)
    omar_rows = team_skill_matrix(manager=people["omar"])
    assert {row.rep.username for row in omar_rows} == {"nina", "tom", "zoe"}
    closing = _row(omar_rows, "tom", "closing")
    assert closing.diagnosis == Diagnosis.PRACTICE_GAP
    assert closing.action.kind == "practice_task" and closing.action.text
    maria_reps = {row.rep.username for row in team_skill_matrix(manager=people["maria"])}
    assert maria_reps == {"john", "sheila", "liam", "priya"}


def test_the_history_lies_in_the_past_and_memory_has_faded(people):
    demo_history_seed(people)
    now = timezone.now()
    assert all(o.observed_at < now for o in Observation.objects.all())
    held = CoachingSession.objects.filter(status=CoachingSession.Status.HELD)
    assert held.exists() and all(s.scheduled_for < now for s in held)
    # Liam's completion is today: his follow-up is still ahead.
    upcoming = CoachingSession.objects.get(rep=people["liam"])
    assert upcoming.status == CoachingSession.Status.SCHEDULED and upcoming.scheduled_for > now
    rows = team_skill_matrix(manager=people["maria"])
    assert any(row.retention is not None and row.retention < 0.9 for row in rows)
    # Nothing from the moved history is left to be sent.
    history = Reminder.objects.filter(session__in=held, status=Reminder.Status.PENDING)
    assert not history.exists()


def test_the_demo_history_needs_the_demo_courses(db):
    people = demo_people_seed()
    with pytest.raises(DomainError, match="demo courses"):
        demo_history_seed(people)
