"""The team skill matrix: scoped to the manager's team, its numbers, actions and query budget."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fsrs import Rating

from coaching.insights.matrix import team_skill_matrix
from coaching.models import Observation, Reinforcement, ReinforcementAnswer
from coaching.sessions.plans import plan_for_rep
from coaching.skills.memory import memory_review, retention_forecast
from coaching.skills.rules import Diagnosis, Stage
from lms.services import attempt_start, attempt_submit
from tests.coaching.factories import complete_module, wrong_answers
from tests.coaching.memory_support import T0, days
from tests.factories import (
    AdminFactory,
    CourseFactory,
    ManagerFactory,
    RepFactory,
    SkillFactory,
    build_module,
    correct_answers,
)

pytestmark = pytest.mark.django_db

NOW = T0 + days(30)
QUERY_BUDGET = 10


@pytest.fixture
def manager():
    return ManagerFactory(username="maria")


@pytest.fixture
def closing():
    return SkillFactory(slug="closing", name="Closing")


def quiz_taken(rep, module, *, wrong=0):
    attempt = attempt_start(user=rep, quiz=module.quiz)
    return attempt_submit(attempt=attempt, answers=wrong_answers(attempt, wrong))


def observed(rep, skill, *ratings, start=T0):
    for index, rating in enumerate(ratings):
        Observation.objects.create(
            rep=rep,
            observer=rep.manager,
            skill=skill,
            rating=rating,
            observed_at=start + days(7 * index),
        )


def reinforced(rep, skill, question, *, correct):
    reinforcement = Reinforcement.objects.create(
        rep=rep,
        skill=skill,
        question_ids=[question.pk],
        due_at=T0,
        expires_at=T0 + days(2),
        status=Reinforcement.Status.ANSWERED,
        score=100 if correct else 0,
        answered_at=T0,
    )
    ReinforcementAnswer.objects.create(
        reinforcement=reinforcement, question=question, choice_ids=[], is_correct=correct
    )


def row_of(rows, rep, skill):
    [row] = [r for r in rows if r.rep == rep and r.skill == skill]
    return row


# --- scope ------------------------------------------------------------------------------------


def test_a_manager_sees_only_their_own_team(manager, closing):
    module = build_module(skill=closing, questions=2)
    mine = [RepFactory(manager=manager, username=name) for name in ("john", "sheila")]
    theirs = RepFactory(manager=ManagerFactory(), username="nina")
    for rep in [*mine, theirs]:
        quiz_taken(rep, module)
    rows = team_skill_matrix(manager=manager, now=NOW)
    assert [row.rep.username for row in rows] == ["john", "sheila"]
    assert team_skill_matrix(manager=theirs.manager, now=NOW)[0].rep == theirs


def test_a_rep_has_no_team_and_an_admin_sees_everyone(manager, closing):
    module = build_module(skill=closing, questions=2)
    rep = RepFactory(manager=manager)
    other = RepFactory()
    for person in (rep, other):
        quiz_taken(person, module)
    assert team_skill_matrix(manager=rep, now=NOW) == []
    assert {row.rep for row in team_skill_matrix(manager=AdminFactory(), now=NOW)} == {rep, other}


def test_people_who_left_are_not_shown(manager, closing):
    module = build_module(skill=closing, questions=2)
    rep = RepFactory(manager=manager, is_active=False)
    quiz_taken(rep, module)
    assert team_skill_matrix(manager=manager, now=NOW) == []


def test_only_skills_with_evidence_have_a_row(manager, closing):
    SkillFactory(slug="prospecting")
    rep = RepFactory(manager=manager)
    quiz_taken(rep, build_module(skill=closing, questions=2))
    assert [row.skill for row in team_skill_matrix(manager=manager, now=NOW)] == [closing]


# --- the numbers ------------------------------------------------------------------------------


def test_knowledge_counts_each_quizs_latest_attempt_and_every_reinforcement(manager, closing):
    rep = RepFactory(manager=manager)
    module = build_module(skill=closing, questions=5)
    quiz_taken(rep, module, wrong=5)  # a failed first attempt: superseded
    quiz_taken(rep, module, wrong=1)  # 4 of 5
    question = module.quiz.questions.first()
    reinforced(rep, closing, question, correct=True)
    reinforced(rep, closing, question, correct=False)
    row = row_of(team_skill_matrix(manager=manager, now=NOW), rep, closing)
    assert row.answers == 7
    assert row.knowledge == round(100 * 5 / 7)


def test_application_is_none_until_observed_and_weights_recent_ratings(manager, closing):
    rep = RepFactory(manager=manager)
    quiz_taken(rep, build_module(skill=closing, questions=2))
    row = row_of(team_skill_matrix(manager=manager, now=NOW), rep, closing)
    assert row.application is None and row.observations == 0
    observed(rep, closing, 5, 1, start=NOW - days(30))  # a 5 a month ago, a 1 a week later
    row = row_of(team_skill_matrix(manager=manager, now=NOW), rep, closing)
    assert row.observations == 2
    assert row.application < 50  # the later 1 weighs more than the 5


def test_retention_is_the_forecast_recall_now(manager, closing):
    rep = RepFactory(manager=manager)
    memory = memory_review(rep=rep, skill=closing, rating=Rating.Good, at=T0)
    row = row_of(team_skill_matrix(manager=manager, now=NOW), rep, closing)
    assert row.retention == pytest.approx(retention_forecast(memory=memory, at=NOW))
    assert 0 < row.retention < 0.9
    assert row.next_due_at == memory.next_due_at
    # Only a memory: no knowledge and no application yet.
    assert row.knowledge is None and row.application is None
    assert row.stage == Stage.INTRODUCED and row.diagnosis == Diagnosis.NONE


# --- the recommended actions -------------------------------------------------------------------


def test_a_training_gap_assigns_the_module_the_rep_did_worst_in(manager, closing):
    rep = RepFactory(manager=manager)
    course = CourseFactory(title="Closing Through Clear Commitments")
    first = build_module(course=course, skill=closing, questions=5)
    second = build_module(course=course, skill=closing, questions=5)
    quiz_taken(rep, first, wrong=1)
    quiz_taken(rep, second, wrong=5)
    row = row_of(team_skill_matrix(manager=manager, now=NOW), rep, closing)
    assert row.diagnosis == Diagnosis.TRAINING_GAP
    assert row.action.kind == "assign_module"
    assert row.action.module_id == second.pk and row.action.course_id == course.pk
    assert second.title in row.action.label and course.title in row.action.label


def test_a_training_gap_on_a_completed_module_reassigns_it(manager, closing):
    rep = RepFactory(manager=manager)
    module = build_module(skill=closing, questions=5, pass_mark=40)
    complete_module(rep, module, wrong_when_passing=3)  # 40 %: passed, barely
    row = row_of(team_skill_matrix(manager=manager, now=NOW), rep, closing)
    assert row.diagnosis == Diagnosis.TRAINING_GAP
    assert row.action.kind == "reassign_module" and row.action.module_id == module.pk
    assert row.action.label.startswith("Re-assign")


def test_a_coaching_gap_makes_the_skill_a_focus_of_the_plan(manager, closing):
    rep = RepFactory(manager=manager, first_name="John")
    quiz_taken(rep, build_module(skill=closing, questions=2))
    observed(rep, closing, 2, 2, 2)
    row = row_of(team_skill_matrix(manager=manager, now=NOW), rep, closing)
    assert row.diagnosis == Diagnosis.COACHING_GAP
    assert row.action.kind == "coaching_focus"
    assert row.action.label == "Make Closing a focus of John's coaching plan"
    plan_for_rep(rep=rep, focus_skills=[closing])
    row = row_of(team_skill_matrix(manager=manager, now=NOW), rep, closing)
    assert row.action.label.startswith("Keep Closing as a focus")


def test_a_practice_gap_sets_the_practice_task_of_the_latest_module(manager, closing):
    rep = RepFactory(manager=manager)
    older = build_module(skill=closing, questions=2)
    newer = build_module(skill=closing, questions=2)
    newer.practice_task = "Ask for the business on three calls this week."
    newer.save()
    complete_module(rep, older)
    complete_module(rep, newer)
    observed(rep, closing, 5, 2, 5, 2)
    row = row_of(team_skill_matrix(manager=manager, now=NOW), rep, closing)
    assert row.diagnosis == Diagnosis.PRACTICE_GAP
    assert row.action.kind == "practice_task" and row.action.module_id == newer.pk
    assert row.action.text == newer.practice_task


def test_no_action_when_all_is_well(manager, closing):
    rep = RepFactory(manager=manager)
    quiz_taken(rep, build_module(skill=closing, questions=2))
    observed(rep, closing, 4, 4, 5)
    row = row_of(team_skill_matrix(manager=manager, now=NOW), rep, closing)
    assert row.diagnosis == Diagnosis.NONE and row.action is None
    assert row.diagnosis_label == "On track"


# --- the query budget -----------------------------------------------------------------------------


def _team(manager, reps: int, skills: int):
    """``reps`` reps with every kind of evidence on ``skills`` skills."""
    skill_rows = [SkillFactory(slug=f"budget-{i}") for i in range(skills)]
    modules = [build_module(skill=skill, questions=2) for skill in skill_rows]
    for n in range(reps):
        rep = RepFactory(manager=manager)
        plan_for_rep(rep=rep, focus_skills=skill_rows[:1])
        for skill, module in zip(skill_rows, modules, strict=True):
            attempt = attempt_start(user=rep, quiz=module.quiz)
            attempt_submit(attempt=attempt, answers=correct_answers(attempt) if n % 2 else [])
            observed(rep, skill, 2 + n % 3, 4)
            memory_review(rep=rep, skill=skill, rating=Rating.Good, at=T0)
            reinforced(rep, skill, module.quiz.questions.first(), correct=bool(n % 2))


def _queries(manager) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        rows = team_skill_matrix(manager=manager, now=timezone.now())
        for row in rows:  # everything a page shows, read
            _ = (row.rep.username, row.skill.name, row.action and row.action.label)
    return len(queries), len(rows)


def test_the_query_count_does_not_grow_with_reps_or_skills(django_assert_max_num_queries):
    small, large = ManagerFactory(), ManagerFactory()
    _team(small, reps=2, skills=2)
    _team(large, reps=10, skills=6)
    small_queries, small_rows = _queries(small)
    large_queries, large_rows = _queries(large)
    assert (small_rows, large_rows) == (4, 60)
    assert large_queries == small_queries <= QUERY_BUDGET, (small_queries, large_queries)
    with django_assert_max_num_queries(QUERY_BUDGET):
        team_skill_matrix(manager=large)
