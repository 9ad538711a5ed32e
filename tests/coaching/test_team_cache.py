"""The team dashboard and the team skills API come from a per-team cache: what the team or its
manager does shows on the next request, teams never share an entry, and a warm request costs
the same few queries however large the team."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import pickle
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fsrs import Rating

from accounts.services import user_upsert
from coaching.insights.cache import ENTRY_SHAPE, team_bucket_offset, team_cache_key
from coaching.insights.dashboard import HeatCell, HeatMap, HeatRow, ProposalRow, TeamDashboard
from coaching.insights.kpis import CoachingKpis, DecayRisk, FollowUps
from coaching.insights.matrix import RecommendedAction, SkillRow
from coaching.insights.retention import RetentionSeries
from coaching.models import CoachingSession, Observation
from coaching.sessions.budget import BudgetWeek
from coaching.sessions.commitments import commitment_mark_kept
from coaching.sessions.deferred import BudgetOverview
from coaching.sessions.pairing import ActivePairing
from coaching.sessions.records import session_hold
from coaching.sessions.services import session_book_manual
from coaching.skills.memory import memory_review
from lms.services import attempt_start, attempt_submit
from tests.coaching.factories import (
    CommitmentFactory,
    freeze,
    session_with,
    wrong_answers,
)
from tests.conftest import api_as
from tests.factories import (
    AdminFactory,
    ManagerFactory,
    RepFactory,
    SkillFactory,
    build_module,
)

pytestmark = pytest.mark.django_db

DASHBOARD = "/coaching/dashboard/"
API = "/api/v1/team/skills/"


def days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)


@pytest.fixture
def manager():
    return ManagerFactory(username="maria")


@pytest.fixture
def closing():
    return SkillFactory(slug="closing", name="Closing")


def page(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(DASHBOARD, params)
    assert response.status_code == 200
    return response.content.decode()


def api_rows(user, **params) -> dict[tuple[str, str], dict]:
    response = api_as(user).get(API, params)
    assert response.status_code == 200
    return {
        (row["rep"]["username"], row["skill"]["slug"]): row for row in response.json()["results"]
    }


def heat_cell(body: str, username: str, slug: str) -> str | None:
    match = re.search(
        rf'<td class="heat-cell [^"]*" data-cell="{username}:{slug}">'
        r'<a href="[^"]*" title="([^"]*)"',
        body,
    )
    return match.group(1) if match else None


def listed(body: str, list_id: str) -> str:
    return re.search(rf'<ul id="{list_id}">(.*?)</ul>', body, re.S).group(1)


def quiz_taken(rep, module, *, wrong=0):
    attempt = attempt_start(user=rep, quiz=module.quiz)
    return attempt_submit(attempt=attempt, answers=wrong_answers(attempt, wrong))


# --- what the team does shows on the next request ----------------------------------------------


def test_an_observation_recorded_at_a_session_shows_on_the_next_request(client, manager, closing):
    rep = RepFactory(manager=manager, username="john")
    quiz_taken(rep, build_module(skill=closing, questions=2))
    session = session_with(rep, scheduled_for=timezone.now() - dt.timedelta(hours=2))
    before = page(client, manager)
    assert "application —" in heat_cell(before, "john", "closing")
    assert api_rows(manager)[("john", "closing")]["observations"] == 0
    # The ended session is waiting to be recorded.
    assert f"/coaching/sessions/{session.pk}/" in listed(before, "overdue-not-recorded")

    session_hold(
        actor=manager,
        session=session,
        notes="Good call.",
        observations=[{"skill": closing.pk, "rating": 2}],
    )

    after = page(client, manager)
    assert "application 25" in heat_cell(after, "john", "closing")
    assert f"/coaching/sessions/{session.pk}/" not in after
    row = api_rows(manager)[("john", "closing")]
    assert row["observations"] == 1 and row["application"] == 25


def test_a_session_booked_by_hand_shows_on_the_next_request(client, manager):
    rep = RepFactory(manager=manager, first_name="Missed", last_name="Rep")
    session_with(rep, scheduled_for=timezone.now() - days(3), status=CoachingSession.Status.MISSED)
    assert "Missed Rep" in listed(page(client, manager), "overdue-not-rebooked")

    session_book_manual(
        coach=manager,
        rep=rep,
        scheduled_for=timezone.now() + days(2),
        outside_hours_confirmed=True,  # whatever day and hour the test runs at
    )

    assert "Nothing overdue." in page(client, manager)


def test_a_kept_commitment_shows_in_the_kpis_on_the_next_request(client, manager):
    rep = RepFactory(manager=manager)
    commitment = CommitmentFactory(session=session_with(rep), rep=rep)
    assert 'data-kpi="commitments-kept">—<' in page(client, manager)

    commitment_mark_kept(rep=rep, commitment=commitment)

    assert 'data-kpi="commitments-kept">100 %<' in page(client, manager)


def test_a_quiz_that_completes_nothing_still_moves_knowledge(client, manager, closing):
    rep = RepFactory(manager=manager, username="john")
    module = build_module(skill=closing, questions=2)
    quiz_taken(rep, module)
    assert "knowledge 100" in heat_cell(page(client, manager), "john", "closing")
    assert api_rows(manager)[("john", "closing")]["knowledge"] == 100

    # A retake of a passed quiz completes no module; the latest attempt is what counts.
    quiz_taken(rep, module, wrong=2)

    assert "knowledge 0" in heat_cell(page(client, manager), "john", "closing")
    assert api_rows(manager)[("john", "closing")]["knowledge"] == 0


def test_a_rep_moved_to_another_manager_leaves_one_team_and_joins_the_other(
    client, manager, closing
):
    omar = ManagerFactory(username="omar")
    rep = RepFactory(manager=manager, username="john", first_name="John", last_name="Miller")
    memory_review(rep=rep, skill=closing, rating=Rating.Good, at=timezone.now() - days(3))
    assert "John Miller" in page(client, manager)
    assert "John Miller" not in page(client, omar)
    assert ("john", "closing") in api_rows(manager)
    assert api_rows(omar) == {}

    user_upsert(
        username="john",
        role=rep.role,
        password="unused-in-this-test",
        first_name="John",
        last_name="Miller",
        manager=omar,
    )

    assert "John Miller" not in page(client, manager)
    assert "John Miller" in page(client, omar)
    assert api_rows(manager) == {}
    assert ("john", "closing") in api_rows(omar)


# --- whose entry ----------------------------------------------------------------------------------


def test_two_managers_never_see_each_others_cached_team(client, manager, closing):
    omar = ManagerFactory(username="omar")
    mine = RepFactory(manager=manager, username="john", first_name="John", last_name="Miller")
    theirs = RepFactory(manager=omar, username="nina", first_name="Nina", last_name="Petrova")
    for rep in (mine, theirs):
        memory_review(rep=rep, skill=closing, rating=Rating.Good, at=timezone.now() - days(3))
    for _ in range(2):  # cold, then warm
        marias, omars = page(client, manager), page(client, omar)
        assert "John Miller" in marias and "Nina Petrova" not in marias
        assert "Nina Petrova" in omars and "John Miller" not in omars
        assert set(api_rows(manager)) == {("john", "closing")}
        assert set(api_rows(omar)) == {("nina", "closing")}


def test_an_admin_looking_at_a_team_gets_its_data_but_their_own_forms(client, manager, closing):
    rep = RepFactory(manager=manager, username="john")
    quiz_taken(rep, build_module(skill=closing, questions=2))
    Observation.objects.create(
        rep=rep, observer=manager, skill=closing, rating=2, observed_at=timezone.now() - days(1)
    )
    own = page(client, manager)
    admin = AdminFactory()
    looking = page(client, admin, manager=manager.pk)
    assert heat_cell(own, "john", "closing") == heat_cell(looking, "john", "closing")
    # Only the admin's forms say whose team to go back to.
    assert f'name="manager" value="{manager.pk}"' in looking
    assert 'name="manager"' not in own
    assert 'name="manager"' not in page(client, manager)


def test_every_form_on_a_warm_page_carries_the_viewers_own_csrf_token(manager, closing):
    rep = RepFactory(manager=manager)
    quiz_taken(rep, build_module(skill=closing, questions=2))
    Observation.objects.create(
        rep=rep, observer=manager, skill=closing, rating=2, observed_at=timezone.now() - days(1)
    )
    page(Client(), AdminFactory(), manager=manager.pk)  # warms the entry under another viewer
    client = Client(enforce_csrf_checks=True)
    body = page(client, manager)
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert len(tokens) >= 2  # the heat map's form and the recommendation's
    response = client.post(
        f"/coaching/dashboard/act/{rep.pk}/{closing.pk}/",
        {"kind": "coaching_focus", "csrfmiddlewaretoken": tokens[0]},
    )
    assert response.status_code == 302


def test_the_cached_dashboard_is_data_and_every_request_renders_its_own_page(manager, closing):
    rep = RepFactory(manager=manager, username="john")
    quiz_taken(rep, build_module(skill=closing, questions=2))
    Observation.objects.create(
        rep=rep, observer=manager, skill=closing, rating=2, observed_at=timezone.now() - days(1)
    )
    memory_review(rep=rep, skill=closing, rating=Rating.Hard, at=timezone.now() - days(1))
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page(first, manager)  # fills the entry
    entry = cache.get(team_cache_key(owner=manager, kind="dashboard"))
    assert isinstance(entry, TeamDashboard)
    stored = pickle.dumps(entry)
    for markup in (b"<form", b"<td", b"<svg", b"csrfmiddlewaretoken"):
        assert markup not in stored
    # Two viewers of the one entry: each page carries its own token, drawn fresh.
    tokens = [
        set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page(client, manager)))
        for client in (first, second)
    ]
    assert all(len(found) == 1 for found in tokens) and tokens[0] != tokens[1]
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page(second, manager)


# --- the clock ----------------------------------------------------------------------------------


def test_without_any_write_the_entry_is_recomputed_when_its_time_bucket_ends(
    client, manager, monkeypatch
):
    start = timezone.now().replace(microsecond=0)
    bucket = settings.TEAM_CACHE_SECONDS
    shifted = start.timestamp() + team_bucket_offset(owner_id=manager.pk)
    clock = freeze(monkeypatch, start - dt.timedelta(seconds=shifted % bucket))
    rep = RepFactory(manager=manager, first_name="Quiet", last_name="Rep")
    assert "Nothing overdue." in page(client, manager)
    # Written behind the services' back: only the clock can bring it in.
    session_with(rep, scheduled_for=clock.now + days(4), late=True)
    clock.advance(seconds=bucket - 1)
    assert "Nothing overdue." in page(client, manager)
    clock.advance(seconds=1)
    assert "Quiet Rep" in listed(page(client, manager), "overdue-late")


def test_teams_buckets_are_staggered_so_entries_do_not_all_expire_together(settings):
    settings.TEAM_CACHE_SECONDS = 600
    offsets = {team_bucket_offset(owner_id=pk) for pk in range(1, 51)}
    assert len(offsets) > 40
    assert all(0 <= offset < 600 for offset in offsets)


# --- what a warm request costs ------------------------------------------------------------------


def _team(manager, *, reps: int, skills: int) -> None:
    now = timezone.now()
    skill_rows = [SkillFactory(slug=f"{manager.username}-{i}") for i in range(skills)]
    modules = [build_module(skill=skill, questions=2) for skill in skill_rows]
    for n in range(reps):
        rep = RepFactory(manager=manager)
        for skill, module in zip(skill_rows, modules, strict=True):
            quiz_taken(rep, module, wrong=n % 3)
            Observation.objects.create(
                rep=rep, observer=manager, skill=skill, rating=2 + n % 3, observed_at=now
            )
            memory_review(rep=rep, skill=skill, rating=Rating.Good, at=now - days(20))
        session_with(rep, scheduled_for=now - dt.timedelta(hours=5))
        session_with(rep, scheduled_for=now - days(9), status=CoachingSession.Status.MISSED)


def _warm_queries(client, user, url, **params) -> int:
    client.force_login(user)
    assert client.get(url, params).status_code == 200  # fills the cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize(("small", "large"), [((2, 2), (8, 2)), ((2, 2), (2, 5))])
def test_a_warm_request_costs_the_same_few_queries_for_any_team(
    client, small, large, django_assert_max_num_queries, session_read
):
    small_manager, large_manager = ManagerFactory(username="small"), ManagerFactory(username="big")
    _team(small_manager, reps=small[0], skills=small[1])
    _team(large_manager, reps=large[0], skills=large[1])
    counts = {
        manager.username: (
            _warm_queries(client, manager, DASHBOARD),
            _warm_queries(client, manager, API),
        )
        for manager in (small_manager, large_manager)
    }
    assert counts["small"] == counts["big"]
    client.force_login(large_manager)
    # The user, the team's roster, the viewer's unread notifications: the week against the
    # coaching budget and peer mentoring come with the cached entry.
    with django_assert_max_num_queries(3 + session_read):
        client.get(DASHBOARD)
    # The session, the user and the roster.
    with django_assert_max_num_queries(3):
        client.get(API)


def test_the_entry_shape_number_moves_with_what_an_entry_holds():
    """A deploy must never unpickle an entry of another shape: the key carries ENTRY_SHAPE.
    When this fails, a cached class's fields changed: raise ENTRY_SHAPE in
    coaching/insights/cache.py and record the new pair here."""
    cached = (
        TeamDashboard, HeatMap, HeatRow, HeatCell, RecommendedAction, SkillRow, CoachingKpis,
        FollowUps, DecayRisk, RetentionSeries, BudgetOverview, BudgetWeek, ProposalRow,
        ActivePairing,
    )  # fmt: skip
    fields = [(cls.__name__, [f.name for f in dataclasses.fields(cls)]) for cls in cached]
    digest = hashlib.blake2b(repr(fields).encode(), digest_size=6).hexdigest()
    assert (ENTRY_SHAPE, digest) == (4, "9d02b327f9c6")
