"""The skill matrix's rules on plain numbers: stage, diagnosis, application from observations."""

import datetime as dt

import pytest

from coaching.skills.rules import (
    APPLICATION_HALF_LIFE_DAYS,
    Diagnosis,
    Stage,
    application_summary,
    diagnosis_for,
    next_stage_for,
    rubric_to_score,
    stage_for,
)

NOW = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


# knowledge, application, retention → stage
STAGES = [
    # No quiz evidence, or not enough of it: only introduced, however it is applied.
    (None, None, None, Stage.INTRODUCED),
    (None, 100, 1.0, Stage.INTRODUCED),
    (0, None, None, Stage.INTRODUCED),
    (79, 100, 1.0, Stage.INTRODUCED),
    # Knowledge at the pass mark: learned, until it is applied.
    (80, None, 0.95, Stage.LEARNED),
    (80, 74, 0.95, Stage.LEARNED),
    (100, 0, 0.2, Stage.LEARNED),
    # Applied: learned and observed at a 4 on the rubric or better.
    (80, 75, 0.95, Stage.APPLIED),
    (89, 100, 1.0, Stage.APPLIED),  # knowledge short of mastery
    (95, 84, 1.0, Stage.APPLIED),  # application short of mastery
    (95, 90, 0.79, Stage.APPLIED),  # mastered once, but fading
    (95, 90, None, Stage.APPLIED),  # no memory to show it holds
    # Mastered: all three high.
    (90, 85, 0.8, Stage.MASTERED),
    (100, 100, 1.0, Stage.MASTERED),
]


@pytest.mark.parametrize(("knowledge", "application", "retention", "stage"), STAGES)
def test_stage_follows_the_documented_thresholds(knowledge, application, retention, stage):
    assert stage_for(knowledge=knowledge, application=application, retention=retention) == stage


# knowledge, application, spread, trend → diagnosis
DIAGNOSES = [
    # Training gap: knowledge low, whatever else.
    (69, None, None, None, Diagnosis.TRAINING_GAP),
    (40, 100, 0, 0, Diagnosis.TRAINING_GAP),
    (0, 0, 50, -50, Diagnosis.TRAINING_GAP),
    # Never tested and not applying it: train first.
    (None, 25, None, None, Diagnosis.TRAINING_GAP),
    # Coaching gap: knows it, does not apply it.
    (70, 49, None, None, Diagnosis.COACHING_GAP),
    (100, 0, 0, 0, Diagnosis.COACHING_GAP),
    (100, 25, 40, -40, Diagnosis.COACHING_GAP),  # low beats uneven: coach before practice
    # Practice gap: applied, but unevenly or less and less.
    (90, 62, 25, 0, Diagnosis.PRACTICE_GAP),
    (90, 80, 0, -25, Diagnosis.PRACTICE_GAP),
    (None, 60, 30, None, Diagnosis.PRACTICE_GAP),
    # All well, or not enough evidence to say otherwise.
    (90, 80, 24.9, -24.9, Diagnosis.NONE),
    (90, 50, None, None, Diagnosis.NONE),
    (90, None, None, None, Diagnosis.NONE),
    (None, 75, None, None, Diagnosis.NONE),
    (None, None, None, None, Diagnosis.NONE),
]


@pytest.mark.parametrize(("knowledge", "application", "spread", "trend", "diagnosis"), DIAGNOSES)
def test_diagnosis_takes_the_first_rule_that_holds(
    knowledge, application, spread, trend, diagnosis
):
    result = diagnosis_for(knowledge=knowledge, application=application, spread=spread, trend=trend)
    assert result == diagnosis


@pytest.mark.parametrize(("rating", "score"), [(1, 0), (2, 25), (3, 50), (4, 75), (5, 100)])
def test_rubric_maps_onto_the_application_scale(rating, score):
    assert rubric_to_score(rating) == score


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_a_rating_off_the_rubric_is_refused(rating):
    with pytest.raises(ValueError, match="1-5"):
        rubric_to_score(rating)


def test_no_observations_means_no_application():
    summary = application_summary([], now=NOW)
    assert summary.score is None and summary.spread is None and summary.trend is None
    assert summary.observations == 0


def test_recent_observations_weigh_more():
    # A 5 a half-life ago and a 1 today: the 1 counts twice as much.
    old_good = application_summary([(days_ago(APPLICATION_HALF_LIFE_DAYS), 5), (NOW, 1)], now=NOW)
    old_bad = application_summary([(days_ago(APPLICATION_HALF_LIFE_DAYS), 1), (NOW, 5)], now=NOW)
    assert old_good.score == pytest.approx(100 / 3)
    assert old_bad.score == pytest.approx(200 / 3)


def test_two_observations_are_not_a_pattern():
    summary = application_summary([(days_ago(2), 5), (days_ago(1), 1)], now=NOW)
    assert summary.spread is None and summary.trend is None


@pytest.mark.parametrize(
    ("ratings", "spread", "trend"),
    [
        ([4, 4, 4], 0, 0),
        ([5, 2, 5, 2], 37.5, 0),  # uneven, not falling: both halves are a 5 and a 2
        ([5, 5, 3, 3], 25, -50),  # falling
        ([2, 3, 4], pytest.approx(20.41, abs=0.01), 50),  # rising
        # Only the latest six count: the early 1s are history.
        ([1, 1, 1, 4, 4, 4, 4, 4, 4], 0, 0),
    ],
)
def test_spread_and_trend_look_at_the_latest_observations(ratings, spread, trend):
    observations = [(days_ago(len(ratings) - i), r) for i, r in enumerate(ratings)]
    summary = application_summary(observations, now=NOW)
    assert summary.spread == spread
    assert summary.trend == trend
    assert summary.observations == len(ratings)


@pytest.mark.parametrize(
    ("who", "skill", "knowledge", "ratings", "diagnosis", "stage"),
    [
        # john builds rapport but cannot close: he knows closing, and does not do it.
        ("john", "rapport", 100, [4, 5, 4], Diagnosis.NONE, Stage.APPLIED),
        ("john", "closing", 92, [2, 2, 2], Diagnosis.COACHING_GAP, Stage.LEARNED),
        # sheila closes well but cannot prospect: she never learnt prospecting.
        ("sheila", "closing", 100, [4, 5, 5], Diagnosis.NONE, Stage.APPLIED),
        ("sheila", "prospecting", 50, [2, 1], Diagnosis.TRAINING_GAP, Stage.INTRODUCED),
        # Uneven closing: a practice gap.
        ("tom", "closing", 83, [5, 2, 5], Diagnosis.PRACTICE_GAP, Stage.APPLIED),
    ],
)
def test_the_demo_people_are_named_by_the_rules(who, skill, knowledge, ratings, diagnosis, stage):
    observations = [(days_ago(7 * (len(ratings) - i)), r) for i, r in enumerate(ratings)]
    summary = application_summary(observations, now=NOW)
    assert (
        diagnosis_for(
            knowledge=knowledge,
            application=summary.score,
            spread=summary.spread,
            trend=summary.trend,
        )
        == diagnosis
    )
    # Retention 0.5: the memory is fading, so nobody here is mastered.
    assert stage_for(knowledge=knowledge, application=summary.score, retention=0.5) == stage


# knowledge, application, retention → the next stage and the measures short of it
NEXT_STAGES = [
    (None, None, None, Stage.LEARNED, [("knowledge", None, 80)]),
    (72, 90, 0.9, Stage.LEARNED, [("knowledge", 72, 80)]),
    (80, None, None, Stage.APPLIED, [("application", None, 75)]),
    (100, 25, 0.95, Stage.APPLIED, [("application", 25, 75)]),
    (85, 80, 0.85, Stage.MASTERED, [("knowledge", 85, 90), ("application", 80, 85)]),
    (95, 90, 0.79, Stage.MASTERED, [("retention", 0.79, 0.8)]),
    (95, 90, None, Stage.MASTERED, [("retention", None, 0.8)]),
    (95, 90, 0.95, None, []),
]


@pytest.mark.parametrize(
    ("knowledge", "application", "retention", "following", "short"), NEXT_STAGES
)
def test_the_next_stage_names_what_stage_for_still_needs(
    knowledge, application, retention, following, short
):
    stage, shortfalls = next_stage_for(
        knowledge=knowledge, application=application, retention=retention
    )
    assert stage == following
    assert [(s.measure, s.current, s.needed) for s in shortfalls] == short
    # Meeting every shortfall reaches that stage at least (what is already there may take it
    # further): the two functions read the same thresholds.
    if following is not None:
        met = {"knowledge": knowledge, "application": application, "retention": retention}
        met.update({s.measure: s.needed for s in shortfalls})
        order = list(Stage)
        assert order.index(stage_for(**met)) >= order.index(following)
