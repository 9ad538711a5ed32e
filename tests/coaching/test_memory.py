"""Skill memory: FSRS ratings from evidence, the state through the database, the forecast."""

import datetime as dt
import itertools

import pytest
from django.db import transaction
from fsrs import Card, Rating, State

from coaching.models import SkillMemory
from coaching.skills.memory import (
    RATING_BY_RUBRIC,
    memory_from_observation,
    memory_rebuild,
    memory_review,
    memory_scheduler,
    rating_for_answers,
    rating_for_observation,
    retention_forecast,
)
from lms.services import attempt_start, attempt_submit, lesson_complete
from tests.coaching.factories import ObservationFactory, complete_module, freeze, session_with
from tests.coaching.memory_support import T0, days, memory_receiver  # noqa: F401 - a fixture
from tests.factories import (
    QuizFactory,
    RepFactory,
    SkillFactory,
    build_module,
    correct_answers,
    question_with_choices,
)

pytestmark = pytest.mark.django_db

# FSRS's first stability (in days) for each first rating, from its default parameters.
FIRST_STABILITY = {Rating(i + 1): memory_scheduler().parameters[i] for i in range(4)}


@pytest.fixture
def rep():
    return RepFactory(username="john", timezone="Europe/London")


@pytest.fixture
def closing():
    return SkillFactory(slug="closing", name="Closing")


# --- ratings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rubric", "rating"),
    [(1, Rating.Again), (2, Rating.Hard), (3, Rating.Good), (4, Rating.Good), (5, Rating.Easy)],
)
def test_each_rubric_rating_maps_to_the_documented_fsrs_rating(rubric, rating):
    assert rating_for_observation(rubric) == rating
    assert RATING_BY_RUBRIC[rubric] == rating


@pytest.mark.parametrize("rubric", [0, 6])
def test_a_rating_off_the_rubric_is_refused(rubric):
    with pytest.raises(ValueError, match="1-5"):
        rating_for_observation(rubric)


@pytest.mark.parametrize(
    ("correct", "total", "rating"),
    [
        (1, 1, Rating.Good),
        (3, 3, Rating.Good),
        (0, 1, Rating.Again),
        (2, 3, Rating.Hard),  # mostly right
        (3, 4, Rating.Hard),
        (1, 2, Rating.Again),  # half is not mostly
        (2, 4, Rating.Again),
        (1, 3, Rating.Again),
        (0, 3, Rating.Again),
    ],
)
def test_answers_on_a_skill_rate_good_hard_or_again(correct, total, rating):
    assert rating_for_answers(correct=correct, total=total) == rating


@pytest.mark.parametrize(("correct", "total"), [(0, 0), (2, 1), (-1, 2)])
def test_an_impossible_tally_is_refused(correct, total):
    with pytest.raises(ValueError):
        rating_for_answers(correct=correct, total=total)


# --- the state ---------------------------------------------------------------------------------


def test_the_fsrs_card_round_trips_through_the_database(rep, closing):
    memory = memory_review(rep=rep, skill=closing, rating=Rating.Good, at=T0)
    stored = SkillMemory.objects.get(pk=memory.pk)
    card = Card.from_dict(stored.state)
    assert card.to_dict() == stored.state
    assert card.state == State.Review  # no minute-scale learning steps for a skill
    assert card.stability == pytest.approx(FIRST_STABILITY[Rating.Good])
    assert card.last_review == T0 and card.last_review.tzinfo == dt.UTC
    assert stored.stability == card.stability
    assert stored.last_review_at == T0 and stored.reviews == 1

    # The next review starts from what the database gave back.
    later = memory_review(rep=rep, skill=closing, rating=Rating.Good, at=T0 + days(3))
    again = Card.from_dict(SkillMemory.objects.get(pk=memory.pk).state)
    expected, _ = memory_scheduler().review_card(card, Rating.Good, T0 + days(3))
    assert again.to_dict() == expected.to_dict()
    assert later.reviews == 2 and later.stability > stored.stability


def test_one_memory_per_rep_and_skill(rep, closing):
    memory_review(rep=rep, skill=closing, rating=Rating.Good, at=T0)
    memory_review(rep=rep, skill=closing, rating=Rating.Again, at=T0 + days(1))
    memory_review(rep=RepFactory(), skill=closing, rating=Rating.Good, at=T0)
    assert SkillMemory.objects.filter(rep=rep, skill=closing).count() == 1
    assert SkillMemory.objects.count() == 2


def test_naive_times_are_refused(rep, closing):
    with pytest.raises(ValueError, match="aware"):
        memory_review(rep=rep, skill=closing, rating=Rating.Good, at=dt.datetime(2026, 3, 2))  # noqa: DTZ001


def test_times_in_another_zone_are_stored_in_utc(rep, closing):
    from zoneinfo import ZoneInfo

    local = T0.astimezone(ZoneInfo("America/New_York"))
    memory = memory_review(rep=rep, skill=closing, rating=Rating.Good, at=local)
    assert Card.from_dict(memory.state).last_review.tzinfo == dt.UTC
    assert memory.last_review_at == T0


def test_evidence_older_than_the_last_review_counts_as_of_the_last_review(rep, closing):
    memory_review(rep=rep, skill=closing, rating=Rating.Good, at=T0)
    memory = memory_review(rep=rep, skill=closing, rating=Rating.Good, at=T0 - days(10))
    assert memory.last_review_at == T0


# --- the forecast ------------------------------------------------------------------------------


def test_no_review_means_no_recall(rep, closing):
    assert retention_forecast(memory=SkillMemory(rep=rep, skill=closing), at=T0) == 0


@pytest.mark.parametrize("rating", list(Rating))
def test_the_forecast_falls_day_by_day_without_reviews(rep, closing, rating):
    memory = memory_review(rep=rep, skill=closing, rating=rating, at=T0)
    forecast = [retention_forecast(memory=memory, at=T0 + days(d)) for d in range(0, 121)]
    assert forecast[0] == pytest.approx(1.0)
    assert all(later < earlier for earlier, later in itertools.pairwise(forecast))
    # Within a day it holds: FSRS counts whole days.
    assert retention_forecast(memory=memory, at=T0 + dt.timedelta(hours=23)) == forecast[0]


@pytest.mark.parametrize("rating", list(Rating))
def test_next_due_is_the_first_moment_recall_falls_below_the_target(rep, closing, rating, settings):
    memory = memory_review(rep=rep, skill=closing, rating=rating, at=T0)
    target = settings.REINFORCEMENT_TARGET_RECALL
    assert retention_forecast(memory=memory, at=memory.next_due_at) < target
    assert (
        retention_forecast(memory=memory, at=memory.next_due_at - dt.timedelta(seconds=1)) >= target
    )


def test_a_lower_target_recall_spaces_reinforcement_further(rep, closing, settings):
    first = memory_review(rep=rep, skill=closing, rating=Rating.Good, at=T0).next_due_at
    settings.REINFORCEMENT_TARGET_RECALL = 0.8
    other = memory_review(rep=RepFactory(), skill=closing, rating=Rating.Good, at=T0).next_due_at
    assert other > first


def test_better_evidence_lasts_longer(rep, closing):
    due = {
        rating: memory_review(rep=RepFactory(), skill=closing, rating=rating, at=T0).next_due_at
        for rating in Rating
    }
    assert due[Rating.Again] <= due[Rating.Hard] < due[Rating.Good] < due[Rating.Easy]


# --- fed by completions --------------------------------------------------------------------------


def _two_skill_module(closing, rapport):
    module = build_module(questions=0)
    module.skills.add(rapport)
    quiz = QuizFactory(module=module, pass_mark=50)
    for position, skill in enumerate([closing, closing, closing, rapport, rapport], start=1):
        question_with_choices(quiz, [True, False], position=position, skill=skill)
    return module


def _answers(attempt, wrong_questions):
    answers = correct_answers(attempt)
    for answer in answers:
        if answer["question"] in wrong_questions:
            question = attempt.quiz.questions.get(pk=answer["question"])
            answer["choices"] = [question.choices.get(is_correct=False).pk]
    return answers


@pytest.mark.usefixtures("memory_receiver")
def test_the_completing_quiz_reviews_each_skill_it_asked_about(rep, closing, monkeypatch):
    freeze(monkeypatch, T0)
    rapport = SkillFactory(slug="rapport", name="Rapport")
    module = _two_skill_module(closing, rapport)
    for lesson in module.lessons.all():
        lesson_complete(user=rep, lesson=lesson)
    attempt = attempt_start(user=rep, quiz=module.quiz)
    rapport_ids = set(module.quiz.questions.filter(skill=rapport).values_list("pk", flat=True))
    # Every closing question right, both rapport ones wrong: 60 %, a pass at 50.
    result = attempt_submit(attempt=attempt, answers=_answers(attempt, rapport_ids))
    assert result.module_completed
    stability = {m.skill_id: m.stability for m in SkillMemory.objects.filter(rep=rep)}
    assert stability == {
        closing.pk: pytest.approx(FIRST_STABILITY[Rating.Good]),
        rapport.pk: pytest.approx(FIRST_STABILITY[Rating.Again]),
    }


@pytest.mark.usefixtures("memory_receiver")
def test_mostly_right_rates_hard_and_all_right_good(rep, closing, monkeypatch):
    freeze(monkeypatch, T0)
    rapport = SkillFactory(slug="rapport", name="Rapport")
    module = _two_skill_module(closing, rapport)
    for lesson in module.lessons.all():
        lesson_complete(user=rep, lesson=lesson)
    attempt = attempt_start(user=rep, quiz=module.quiz)
    first_closing = module.quiz.questions.filter(skill=closing).first().pk
    attempt_submit(attempt=attempt, answers=_answers(attempt, {first_closing}))
    stability = {m.skill_id: m.stability for m in SkillMemory.objects.filter(rep=rep)}
    assert stability == {
        closing.pk: pytest.approx(FIRST_STABILITY[Rating.Hard]),
        rapport.pk: pytest.approx(FIRST_STABILITY[Rating.Good]),
    }
    assert all(m.last_review_at == T0 for m in SkillMemory.objects.filter(rep=rep))


@pytest.mark.usefixtures("memory_receiver")
def test_a_failed_attempt_reviews_nothing(rep, closing):
    module = build_module(skill=closing, questions=3)
    for lesson in module.lessons.all():
        lesson_complete(user=rep, lesson=lesson)
    attempt = attempt_start(user=rep, quiz=module.quiz)
    attempt_submit(attempt=attempt, answers=[])
    assert not SkillMemory.objects.exists()


@pytest.mark.usefixtures("memory_receiver")
def test_retaking_a_completed_module_reviews_nothing_more(rep, closing):
    module = build_module(skill=closing, questions=3)
    complete_module(rep, module)
    again = attempt_start(user=rep, quiz=module.quiz)
    attempt_submit(attempt=again, answers=correct_answers(again))
    assert SkillMemory.objects.get(rep=rep, skill=closing).reviews == 1


@pytest.mark.usefixtures("memory_receiver")
def test_a_module_without_a_quiz_reviews_nothing(rep, closing):
    module = build_module(skill=closing, questions=0)
    for lesson in module.lessons.all():
        lesson_complete(user=rep, lesson=lesson)
    assert module.completions.filter(user=rep).exists()
    assert not SkillMemory.objects.exists()


@pytest.mark.usefixtures("memory_receiver")
def test_a_rolled_back_completion_leaves_no_memory(rep, closing):
    module = build_module(skill=closing, questions=3)
    for lesson in module.lessons.all():
        lesson_complete(user=rep, lesson=lesson)
    attempt = attempt_start(user=rep, quiz=module.quiz)
    with pytest.raises(RuntimeError), transaction.atomic():
        attempt_submit(attempt=attempt, answers=correct_answers(attempt))
        assert SkillMemory.objects.filter(rep=rep).exists()
        raise RuntimeError("the request failed after grading")
    assert not SkillMemory.objects.exists()


# --- fed by observations -------------------------------------------------------------------------


@pytest.mark.parametrize("rubric", [1, 2, 3, 4, 5])
def test_an_observation_reviews_the_skill_with_its_mapped_rating(rep, closing, rubric):
    session = session_with(RepFactory(username=f"rep-{rubric}"))
    observation = ObservationFactory(session=session, skill=closing, rating=rubric, observed_at=T0)
    memory = memory_from_observation(observation=observation)
    assert memory.rep == session.rep and memory.skill == closing
    assert memory.stability == pytest.approx(FIRST_STABILITY[RATING_BY_RUBRIC[rubric]])
    assert memory.last_review_at == T0


# --- rebuilt from the evidence -------------------------------------------------------------------


@pytest.mark.usefixtures("memory_receiver")
def test_rebuilding_replays_the_evidence_in_time_order(rep, closing, monkeypatch):
    clock = freeze(monkeypatch, T0)
    module = build_module(skill=closing, questions=3)
    complete_module(rep, module)
    session = session_with(rep)
    low = ObservationFactory(session=session, skill=closing, rating=2, observed_at=T0 + days(5))
    memory_from_observation(observation=low)
    high = ObservationFactory(session=session, skill=closing, rating=5, observed_at=T0 + days(9))
    memory_from_observation(observation=high)
    live = SkillMemory.objects.get(rep=rep, skill=closing)

    clock.set(T0 + days(30))
    SkillMemory.objects.all().delete()
    rebuilt = memory_rebuild(rep=rep)
    assert [m.skill_id for m in rebuilt] == [closing.pk]
    assert rebuilt[0].state == live.state
    assert rebuilt[0].reviews == 3 and rebuilt[0].next_due_at == live.next_due_at
