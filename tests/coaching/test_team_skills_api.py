"""``GET /api/v1/team/skills/``: who gets which rows, the fields, the demo's gaps, the budget."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fsrs import Rating
from rest_framework.pagination import PageNumberPagination

from accounts.models import User
from coaching.models import Observation
from coaching.skills.memory import memory_review
from lms.services import attempt_start, attempt_submit
from tests.coaching.factories import wrong_answers
from tests.conftest import api_as
from tests.factories import ManagerFactory, RepFactory, SkillFactory, build_module

pytestmark = pytest.mark.django_db

URL = "/api/v1/team/skills/"


def evidence(rep, skill, *, wrong=0, ratings=(2, 2, 2)):
    module = build_module(skill=skill, questions=2)
    attempt = attempt_start(user=rep, quiz=module.quiz)
    attempt_submit(attempt=attempt, answers=wrong_answers(attempt, wrong))
    for rating in ratings:
        Observation.objects.create(
            rep=rep, observer=rep.manager, skill=skill, rating=rating, observed_at=timezone.now()
        )


@pytest.fixture
def closing():
    return SkillFactory(slug="closing", name="Closing")


@pytest.fixture
def people(org, closing):
    for rep in (org.rep, org.other_rep):
        evidence(rep, closing)
    return org


def usernames(response) -> list[str]:
    return [row["rep"]["username"] for row in response.json()["results"]]


# --- scope ----------------------------------------------------------------------------------------


def test_anonymous_callers_are_refused(api, people):
    assert api.get(URL).status_code in (401, 403)


def test_a_rep_is_refused_with_a_message(people):
    response = api_as(people.rep).get(URL)
    assert response.status_code == 403
    assert response.json()["message"] == "Only a manager or an admin may do this."


def test_a_manager_gets_their_direct_reports_only(people):
    response = api_as(people.manager).get(URL)
    assert response.status_code == 200
    assert usernames(response) == ["rep"]
    assert usernames(api_as(people.other_manager).get(URL)) == ["other_rep"]


def test_a_manager_cannot_ask_for_another_team(people):
    other = people.other_manager.pk
    assert api_as(people.manager).get(URL, {"manager": other}).status_code == 404
    own = api_as(people.manager).get(URL, {"manager": people.manager.pk})
    assert usernames(own) == ["rep"]


def test_an_admin_gets_everyone_or_one_team(people):
    admin = api_as(people.admin)
    assert usernames(admin.get(URL)) == ["other_rep", "rep"]
    assert usernames(admin.get(URL, {"manager": people.other_manager.pk})) == ["other_rep"]
    assert admin.get(URL, {"manager": people.rep.pk}).status_code == 404
    assert admin.get(URL, {"manager": "someone"}).status_code == 404


# --- fields ---------------------------------------------------------------------------------------


def test_each_row_carries_the_numbers_the_diagnosis_and_the_action(people, closing):
    memory_review(rep=people.rep, skill=closing, rating=Rating.Good, at=timezone.now())
    body = api_as(people.manager).get(URL).json()
    assert body["count"] == 1 and body["next"] is None and body["previous"] is None
    [row] = body["results"]
    rep = people.rep
    assert row["rep"] == {"id": rep.pk, "username": "rep", "name": rep.get_full_name()}
    assert row["skill"] == {"id": closing.pk, "slug": "closing", "name": "Closing"}
    assert row["knowledge"] == 100 and row["answers"] == 2
    assert row["application"] == 25 and row["observations"] == 3
    assert 0.89 <= row["retention"] <= 1
    assert row["next_due_at"]
    assert row["stage"] == "learned"
    assert row["diagnosis"] == "coaching_gap" and row["diagnosis_label"] == "Coaching gap"
    first = rep.first_name or rep.username
    assert row["recommended_action"] == {
        "kind": "coaching_focus",
        "label": f"Make Closing a focus of {first}'s coaching plan",
        "text": "",
        "module": None,
        "course": None,
    }


def test_a_training_gap_names_the_module_and_course_to_assign(org, closing):
    evidence(org.rep, closing, wrong=2, ratings=())
    [row] = api_as(org.manager).get(URL).json()["results"]
    assert row["diagnosis"] == "training_gap"
    action = row["recommended_action"]
    assert action["kind"] == "assign_module" and action["module"] and action["course"]


def test_a_row_on_track_has_no_action(org, closing):
    evidence(org.rep, closing, ratings=(4, 4, 5))
    [row] = api_as(org.manager).get(URL).json()["results"]
    assert row["diagnosis"] == "none" and row["recommended_action"] is None


def test_the_list_is_paginated(org, monkeypatch):
    for n in range(3):
        evidence(org.rep, SkillFactory(slug=f"skill-{n}", name=f"Skill {n}"))
    # The page size is read once, when the paginator class is made.
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    first = api_as(org.manager).get(URL).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    second = api_as(org.manager).get(first["next"]).json()
    assert [r["skill"]["name"] for r in second["results"]] == ["Skill 2"]


def test_the_schema_describes_the_endpoint(org):
    schema = api_as(org.rep).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/team/skills/"]["get"]
    assert operation["operationId"] == "team_skills_list"
    assert [p["name"] for p in operation["parameters"]] == ["manager", "page"]
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert page.endswith("PaginatedTeamSkillRowList")
    row = schema["components"]["schemas"]["TeamSkillRow"]["properties"]
    for name in ("rep", "skill", "knowledge", "application", "retention", "stage", "diagnosis"):
        assert name in row
    assert "recommended_action" in row


# --- the demo -------------------------------------------------------------------------------------


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    return {user.username: user for user in User.objects.all()}


def test_the_demo_names_johns_coaching_gap_and_sheilas_training_gap(demo):
    rows = api_as(demo["maria"]).get(URL).json()["results"]
    by_key = {(r["rep"]["username"], r["skill"]["slug"]): r for r in rows}
    assert {username for username, _ in by_key} == {"john", "sheila", "liam", "priya"}
    john = by_key[("john", "closing")]
    assert john["diagnosis_label"] == "Coaching gap"
    assert john["recommended_action"]["kind"] == "coaching_focus"
    sheila = by_key[("sheila", "prospecting")]
    assert sheila["diagnosis_label"] == "Training gap"
    assert "Targeting the right accounts" in sheila["recommended_action"]["label"]


# --- the query budget -----------------------------------------------------------------------------


def _team(manager, *, reps: int, skills: int):
    skill_rows = [SkillFactory(slug=f"{manager.username}-{i}") for i in range(skills)]
    for _ in range(reps):
        rep = RepFactory(manager=manager)
        for skill in skill_rows:
            evidence(rep, skill)
            memory_review(rep=rep, skill=skill, rating=Rating.Good, at=timezone.now())


def _queries(user, **params) -> int:
    client = api_as(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("small", "large"), [((2, 2), (8, 2)), ((2, 2), (2, 5))])
def test_the_query_count_does_not_grow_with_reps_or_skills(org, small, large):
    small_manager, large_manager = ManagerFactory(), ManagerFactory()
    _team(small_manager, reps=small[0], skills=small[1])
    before = (_queries(small_manager), _queries(org.admin))
    _team(large_manager, reps=large[0], skills=large[1])
    after = (_queries(large_manager), _queries(org.admin))
    assert before == after
    # Served warm from the team cache: an admin looking at a team costs one query more (whose).
    assert _queries(org.admin, manager=large_manager.pk) == _queries(large_manager) + 1
    assert max(after) <= 12, after
