"""The plain filters on coaching rows, above all "ended and not recorded" and a session's end."""

import datetime as dt

import pytest

from coaching.models import CoachingPlan, CoachingSession, Commitment
from tests.coaching.factories import CommitmentFactory, session_with
from tests.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)
Status = CoachingSession.Status


@pytest.fixture
def rep():
    return RepFactory(manager=ManagerFactory())


def ids(queryset):
    return set(queryset.values_list("pk", flat=True))


def test_a_session_ends_its_length_after_it_starts(rep):
    session = session_with(rep, scheduled_for=NOW, duration_minutes=45)
    assert session.ends_at == NOW + 45 * MIN


@pytest.mark.parametrize("minutes", [10, 30, 90, 240])
def test_filters_put_the_end_where_the_row_does(rep, minutes):
    session = session_with(rep, scheduled_for=NOW, duration_minutes=minutes)
    sessions = CoachingSession.objects.with_ends_at()
    assert ids(sessions.filter(ends_at=session.ends_at)) == {session.pk}
    assert not sessions.filter(ends_at__gt=session.ends_at).exists()


def test_ended_and_not_recorded_is_a_scheduled_session_whose_end_has_come(rep):
    ended = session_with(rep, scheduled_for=NOW - 60 * MIN, duration_minutes=60)
    under_way = session_with(rep, scheduled_for=NOW - 20 * MIN, duration_minutes=30)
    session_with(rep, scheduled_for=NOW + 60 * MIN)
    session_with(rep, scheduled_for=NOW - 90 * MIN, status=Status.HELD)
    session_with(rep, scheduled_for=NOW - 90 * MIN, status=Status.MISSED)
    session_with(rep, scheduled_for=NOW - 90 * MIN, status=Status.CANCELLED)

    assert ids(CoachingSession.objects.ended_unrecorded(now=NOW)) == {ended.pk}
    assert ids(CoachingSession.objects.ended_unrecorded(now=NOW + 10 * MIN)) == {
        ended.pk,
        under_way.pk,
    }
    assert ids(CoachingSession.objects.ended_unrecorded(now=NOW - MIN)) == set()


def test_upcoming_counts_a_session_under_way_but_not_one_that_ended(rep):
    session_with(rep, scheduled_for=NOW - 60 * MIN, duration_minutes=60)
    under_way = session_with(rep, scheduled_for=NOW - 20 * MIN, duration_minutes=30)
    later = session_with(rep, scheduled_for=NOW + 60 * MIN)
    session_with(rep, scheduled_for=NOW + 90 * MIN, status=Status.CANCELLED)
    assert ids(CoachingSession.objects.upcoming(now=NOW)) == {under_way.pk, later.pk}


def test_every_session_but_a_cancelled_one_occupies_its_people(rep):
    kept = {
        session_with(rep, scheduled_for=NOW + n * 60 * MIN, status=status).pk
        for n, status in enumerate([Status.SCHEDULED, Status.HELD, Status.MISSED])
    }
    session_with(rep, scheduled_for=NOW, status=Status.CANCELLED)
    assert ids(CoachingSession.objects.occupying()) == kept
    assert ids(CoachingSession.objects.concluded()) == ids(
        CoachingSession.objects.exclude(status=Status.SCHEDULED)
    )


def test_overlapping_is_half_open(rep):
    session = session_with(rep, scheduled_for=NOW, duration_minutes=30)
    sessions = CoachingSession.objects
    assert ids(sessions.overlapping(start=NOW + 29 * MIN, end=NOW + 60 * MIN)) == {session.pk}
    assert ids(sessions.overlapping(start=NOW - 30 * MIN, end=NOW + MIN)) == {session.pk}
    assert not sessions.overlapping(start=NOW + 30 * MIN, end=NOW + 60 * MIN).exists()
    assert not sessions.overlapping(start=NOW - 30 * MIN, end=NOW).exists()


def test_involving_finds_a_person_as_coach_and_as_rep(rep):
    manager = rep.manager
    coached = session_with(rep, scheduled_for=NOW)
    own = session_with(RepFactory(manager=manager), scheduled_for=NOW)
    as_rep = session_with(manager, coach=ManagerFactory(), scheduled_for=NOW)
    assert ids(CoachingSession.objects.involving([manager, None])) == {
        coached.pk,
        own.pk,
        as_rep.pk,
    }
    assert ids(CoachingSession.objects.involving([rep])) == {coached.pk}


def test_plain_status_filters(rep):
    session_with(rep, scheduled_for=NOW)
    plan = CoachingPlan.objects.get(rep=rep)
    CoachingPlan.objects.filter(pk=plan.pk).update(status=CoachingPlan.Status.ARCHIVED)
    assert not CoachingPlan.objects.active().exists()

    open_one = CommitmentFactory(rep=rep)
    missed = CommitmentFactory(rep=rep, status=Commitment.Status.MISSED)
    CommitmentFactory(rep=rep, status=Commitment.Status.KEPT)
    assert ids(Commitment.objects.open()) == {open_one.pk}
    assert ids(Commitment.objects.open_or_missed()) == {open_one.pk, missed.pk}
