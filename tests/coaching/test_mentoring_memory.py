"""A peer's rating weighs less than a coach's, in the application score and in skill memory;
the mentor's own memory of the skill is reviewed by teaching it (docs/skills.md §7)."""

import pytest
from fsrs import Rating

from coaching.models import Observation, SkillMemory
from coaching.skills.memory import (
    TEACHING_RATING,
    memory_evidence,
    memory_from_observation,
    memory_rebuild,
    peer_rubric,
    rating_for_observation,
)
from coaching.skills.rules import PEER_OBSERVATION_WEIGHT, application_summary
from tests.coaching.memory_support import T0, days
from tests.factories import RepFactory, SkillFactory

pytestmark = pytest.mark.django_db
PEER = Observation.Source.PEER


@pytest.mark.parametrize(
    ("rubric", "coach", "peer"),
    [
        (1, Rating.Again, Rating.Hard),
        (2, Rating.Hard, Rating.Hard),
        (3, Rating.Good, Rating.Good),
        (4, Rating.Good, Rating.Good),
        (5, Rating.Easy, Rating.Good),
    ],
)
def test_a_peers_rating_moves_memory_less_than_a_coachs(rubric, coach, peer):
    assert rating_for_observation(rubric) == coach
    assert rating_for_observation(rubric, source=PEER) == peer


def test_the_peer_rubric_is_pulled_halfway_towards_developing():
    assert PEER_OBSERVATION_WEIGHT == 0.5
    assert [peer_rubric(r) for r in range(1, 6)] == [2, 2, 3, 4, 4]
    with pytest.raises(ValueError):
        peer_rubric(6)


def test_a_peers_rating_counts_at_its_weight_in_the_application_score():
    # A coach's 1 and a peer's 5, given at once: (0 * 1 + 100 * 0.5) / 1.5.
    summary = application_summary([(T0, 1, 1.0), (T0, 5, PEER_OBSERVATION_WEIGHT)], now=T0)
    assert summary.score == pytest.approx(100 * 0.5 / 1.5)
    # Plain pairs are a coach's, at full weight.
    assert application_summary([(T0, 1), (T0, 5)], now=T0).score == pytest.approx(50)


@pytest.fixture
def pair():
    skill = SkillFactory(slug="closing", name="Closing")
    return RepFactory(username="sheila"), RepFactory(username="john"), skill


def _rated(mentor, mentee, skill, rating, *, source, at=T0):
    return Observation.objects.create(
        rep=mentee, observer=mentor, skill=skill, rating=rating, source=source, observed_at=at
    )


def test_a_peer_5_stretches_memory_less_than_a_coachs_5(pair):
    mentor, mentee, skill = pair
    coached = RepFactory(username="liam")
    memory_from_observation(
        observation=_rated(coached.manager, coached, skill, 5, source=Observation.Source.SESSION)
    )
    memory_from_observation(observation=_rated(mentor, mentee, skill, 5, source=PEER))
    by_coach = SkillMemory.objects.get(rep=coached, skill=skill)
    by_peer = SkillMemory.objects.get(rep=mentee, skill=skill)
    assert by_peer.stability < by_coach.stability


def test_teaching_reviews_the_mentors_memory_and_a_replay_agrees(pair):
    mentor, mentee, skill = pair
    memory_from_observation(observation=_rated(mentor, mentee, skill, 2, source=PEER))
    memory_from_observation(
        observation=_rated(mentor, mentee, skill, 4, source=PEER, at=T0 + days(7))
    )
    taught = SkillMemory.objects.get(rep=mentor, skill=skill)
    assert taught.reviews == 2
    assert [e.rating for e in memory_evidence(rep_ids=[mentor.pk])[mentor.pk]] == [
        TEACHING_RATING,
        TEACHING_RATING,
    ]
    live = (taught.stability, taught.next_due_at)
    [rebuilt] = memory_rebuild(rep=mentor)
    assert rebuilt.stability == pytest.approx(live[0])
    assert rebuilt.next_due_at == live[1]


def test_a_coachs_observation_teaches_the_coach_nothing(pair):
    _mentor, mentee, skill = pair
    coach = RepFactory(username="maria")  # whoever observes outside peer practice
    memory_from_observation(
        observation=_rated(coach, mentee, skill, 5, source=Observation.Source.SESSION)
    )
    assert not SkillMemory.objects.filter(rep=coach).exists()
    assert memory_evidence(rep_ids=[coach.pk]) == {}
