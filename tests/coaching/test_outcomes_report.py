"""The outcomes report's numbers from a small built organisation: by-stage means, before and
after a skill reached applied, the comparison group, the too-few rule, who sees whom, and
when a skill first reached applied (docs/outcomes.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from coaching.insights.outcomes import outcomes_report
from coaching.models import SalesOutcome
from coaching.skills.milestones import OBSERVATION, QUIZ, Evidence, applied_since, first_applied_at
from coaching.skills.rules import Stage
from lms.models import QuizAttempt
from tests.coaching.factories import ObservationFactory, complete_module
from tests.factories import AdminFactory, ManagerFactory, RepFactory, SkillFactory, build_module

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def ago(days: int) -> dt.datetime:
    return timezone.now() - days * DAY


def day(days_ago: int) -> dt.date:
    return timezone.localdate() - days_ago * DAY


def figure(rep, start: int, end: int, value: str, metric: str = "win_rate") -> None:
    SalesOutcome.objects.create(
        rep=rep, metric=metric, period_start=day(start), period_end=day(end), value=Decimal(value)
    )


@pytest.fixture
def org():
    """maria's five reps: ann, ben and cat learned closing 100 days ago and were rated 4 on it
    60, 50 and 40 days ago (applied from then); dan and eve have no evidence on closing. omar's
    rep fay has figures too."""
    closing = SkillFactory(slug="closing", name="Closing")
    module = build_module(skill=closing)
    maria, omar = ManagerFactory(username="maria"), ManagerFactory(username="omar")
    reps = {
        name: RepFactory(username=name, manager=maria)
        for name in ("ann", "ben", "cat", "dan", "eve")
    }
    reps["fay"] = RepFactory(username="fay", manager=omar)
    for name, rated in (("ann", 60), ("ben", 50), ("cat", 40)):
        complete_module(reps[name], module)
        QuizAttempt.objects.filter(user=reps[name]).update(submitted_at=ago(100))
        ObservationFactory(rep=reps[name], skill=closing, rating=4, observed_at=ago(rated))
    # A period long before, a period after everyone reached applied.
    for name, before, after in (
        ("ann", "10", "20"),
        ("ben", "12", "18"),
        ("cat", "14", "22"),
        ("dan", "10", "11"),
        ("eve", "12", "13"),
        ("fay", "50", "60"),
    ):
        figure(reps[name], 120, 91, before)
        figure(reps[name], 30, 1, after)
    figure(reps["ann"], 65, 55, "30")  # spans the day ann reached applied: on neither side
    figure(reps["ann"], 30, 1, "0.5", metric="quota_attainment")
    return {"closing": closing, "maria": maria, "omar": omar, **reps}


def test_a_skill_first_reaches_applied_when_knowledge_and_application_both_meet_it():
    start = timezone.now() - 10 * DAY
    evidence = [
        Evidence(at=start + 2 * DAY, kind=OBSERVATION, rating=5),  # rated before any quiz
        Evidence(at=start, kind=QUIZ, correct=1, total=3, quiz_id=1),  # 33 %: not learned
        Evidence(at=start + 3 * DAY, kind=QUIZ, correct=3, total=3, quiz_id=1),  # retaken: 100 %
        Evidence(at=start + 5 * DAY, kind=OBSERVATION, rating=2),
    ]
    # Learned and rated 5 the moment the retake replaced the failed attempt.
    assert first_applied_at(evidence) == start + 3 * DAY
    assert first_applied_at(evidence[:2]) is None  # never learned
    assert first_applied_at([Evidence(at=start, kind=QUIZ, correct=3, total=3, quiz_id=1)]) is None


def test_a_peer_s_rating_weighs_less_on_the_way_to_applied():
    start = timezone.now() - 10 * DAY
    quiz = Evidence(at=start, kind=QUIZ, correct=3, total=3, quiz_id=1)
    coach = Evidence(at=start + DAY, kind=OBSERVATION, rating=3)
    # With a coach's 3, a coach's 5 makes 75 (applied); a peer's 5 at half weight does not.
    assert first_applied_at([quiz, coach, Evidence(at=start + DAY, kind=OBSERVATION, rating=5)])
    peer = Evidence(at=start + DAY, kind=OBSERVATION, rating=5, weight=0.5)
    assert first_applied_at([quiz, coach, peer]) is None


def test_applied_since_reads_the_evidence_of_each_rep(org):
    found = applied_since(rep_ids=[org[name].pk for name in ("ann", "ben", "cat", "dan")])
    closing = org["closing"].pk
    assert (
        found[(org["ann"].pk, closing)]
        == ObservationFactory._meta.model.objects.get(rep=org["ann"]).observed_at
    )
    assert (org["dan"].pk, closing) not in found and len(found) == 3


def test_before_and_after_applied_beside_those_who_have_not_yet(org):
    report = outcomes_report(user=org["maria"])
    assert report.metrics == ["quota_attainment", "win_rate"]
    report = outcomes_report(user=org["maria"], metric="win_rate")
    assert report.reps == 5  # maria's team only: fay is omar's
    [closing] = report.skills
    assert closing.reached_reps == 3
    assert closing.split_on == day(50)  # the middle of 60, 50 and 40 days ago
    # ann 10 → 20, ben 12 → 18, cat 14 → 22; ann's period spanning her day counts on no side.
    assert (closing.reached.before.mean, closing.reached.after.mean) == (12.0, 20.0)
    assert (closing.reached.before.reps, closing.reached.before.periods) == (3, 3)
    assert closing.reached.change == 8.0
    # dan and eve: two reps is too few to say anything.
    assert closing.not_yet.before.reps == 2 and closing.not_yet.before.stated is None
    assert closing.not_yet.change is None


def test_by_stage_each_rep_counts_once_over_the_recent_periods(org):
    [closing] = outcomes_report(user=org["maria"], metric="win_rate").skills
    applied = closing.by_stage[Stage.APPLIED]
    # ann's recent periods: 30 (ended 55 days ago) and 20 → 25; ben 18; cat 22.
    assert (applied.reps, applied.periods) == (3, 4)
    assert applied.stated == pytest.approx((25 + 18 + 22) / 3)
    introduced = closing.by_stage[Stage.INTRODUCED]  # no evidence on closing: introduced
    assert (introduced.reps, introduced.mean, introduced.stated) == (2, 12.0, None)
    assert closing.by_stage[Stage.MASTERED].reps == 0


@override_settings(OUTCOMES_MIN_REPS=2)
def test_the_least_number_of_reps_is_a_setting(org):
    [closing] = outcomes_report(user=org["maria"], metric="win_rate").skills
    assert (closing.not_yet.before.stated, closing.not_yet.after.stated) == (11.0, 12.0)
    assert closing.not_yet.change == 1.0
    assert closing.by_stage[Stage.INTRODUCED].stated == 12.0


def test_an_admin_sees_everyone_a_manager_their_team_a_rep_nothing(org):
    assert outcomes_report(user=AdminFactory(), metric="win_rate").reps == 6
    omar = outcomes_report(user=org["omar"], metric="win_rate")
    assert omar.reps == 1 and omar.metrics == ["win_rate"]  # fay's figures only
    with pytest.raises(Http404):
        outcomes_report(user=org["ann"])


def test_no_figures_no_report():
    report = outcomes_report(user=ManagerFactory())
    assert report.metrics == [] and report.skills == [] and report.metric == ""
