"""The cached catalogue behind My learning and the course list: never stale, and cheap.

Writes to content are committed here (``committed``) as a request's would be, so the catalogue
moves to a new version exactly as it does in production; each page is read once before the
change, so a missing version bump would show the old catalogue.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from lms.catalogue import VERSION_KEY, catalogue
from lms.models import Course, Module
from lms.services import (
    course_archive,
    course_publish,
    course_unpublish,
    enrolment_assign,
    lesson_complete,
)
from lms.services.authoring import positions_make_room
from tests.conftest import api_as
from tests.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    RepFactory,
    SkillFactory,
    build_module,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block as a committed transaction: its on-commit work happens at the end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def learning_html(client, user) -> str:
    client.force_login(user)
    response = client.get("/learn/")
    assert response.status_code == 200
    return response.content.decode()


def listed_titles(user) -> set[str]:
    response = api_as(user).get("/api/v1/courses/")
    assert response.status_code == 200
    return {course["title"] for course in response.json()["results"]}


def test_publishing_a_course_shows_it_on_my_learning_and_the_api_at_once(client, org, committed):
    with committed():
        course = CourseFactory(title="Negotiation basics", status=Course.Status.DRAFT)
        module = build_module(course=course, lessons=1, questions=1)
        course.skills.set(module.skills.all())  # publishing asks for skills tagged
    assert "Negotiation basics" not in learning_html(client, org.rep)
    assert "Negotiation basics" not in listed_titles(org.rep)

    with committed():
        course_publish(course=course)

    assert "Negotiation basics" in learning_html(client, org.rep)
    assert "Negotiation basics" in listed_titles(org.rep)


@pytest.mark.parametrize("retire", [course_unpublish, course_archive])
def test_unpublishing_or_archiving_a_course_takes_it_off_at_once(client, org, committed, retire):
    with committed():
        course = CourseFactory(title="Cold calling")
        build_module(course=course, lessons=1, questions=1)
        enrolment_assign(actor=org.manager, user=org.rep, course=course)
    assert "Cold calling" in learning_html(client, org.rep)
    assert "Cold calling" in listed_titles(org.rep)

    with committed():
        retire(course=course)

    assert "Cold calling" not in learning_html(client, org.rep)
    assert "Cold calling" not in listed_titles(org.rep)
    # Admins still see it in the list, with its new status.
    assert "Cold calling" in listed_titles(org.admin)


def test_a_completed_lesson_shows_on_my_learning_and_the_api_at_once(client, org, committed):
    with committed():
        course = CourseFactory(title="Discovery")
        module = build_module(course=course, lessons=2, questions=0)
        enrolment_assign(actor=org.manager, user=org.rep, course=course)
    first, second = module.lessons.order_by("position")
    html = learning_html(client, org.rep)
    assert 'aria-valuenow="0"' in html and f'href="/learn/lessons/{first.pk}/"' in html

    with committed():
        lesson_complete(user=org.rep, lesson=first)

    html = learning_html(client, org.rep)
    assert 'aria-valuenow="50"' in html and f'href="/learn/lessons/{second.pk}/"' in html

    with committed():
        lesson_complete(user=org.rep, lesson=second)

    html = learning_html(client, org.rep)
    assert 'aria-valuenow="100"' in html and "All modules done." in html
    listed = api_as(org.rep).get("/api/v1/courses/").json()["results"]
    assert [c["completed_module_count"] for c in listed if c["title"] == "Discovery"] == [1]


def listed_skills(user, title: str) -> list[str]:
    listed = api_as(user).get("/api/v1/courses/").json()["results"]
    return [s["name"] for course in listed if course["title"] == title for s in course["skills"]]


def test_content_edited_in_place_shows_at_once(client, org, committed):
    """What the admin's forms do: save rows directly, retitle, tag, add and reorder lessons."""
    with committed():
        course = CourseFactory(title="Objections")
        module = build_module(course=course, lessons=1, questions=0)
        enrolment_assign(actor=org.manager, user=org.rep, course=course)
    lesson = module.lessons.get()
    assert "Handle the price" not in learning_html(client, org.rep)
    assert listed_skills(org.rep, "Objections") == []

    with committed():
        lesson.title = "Handle the price"
        lesson.save()
        course.skills.add(SkillFactory(slug="listening", name="Listening"))
    html = learning_html(client, org.rep)
    assert "Handle the price" in html and 'aria-valuenow="0"' in html
    assert listed_skills(org.rep, "Objections") == ["Listening"]

    with committed():
        later = LessonFactory(module=module, position=2, title="After the price")
    html = learning_html(client, org.rep)
    assert 'aria-valuenow="0"' in html and f'href="/learn/lessons/{lesson.pk}/"' in html

    with committed():
        # Parked behind the other lesson by an update, which no save announces.
        positions_make_room(model=type(lesson), pks=[lesson.pk])
    assert f'href="/learn/lessons/{later.pk}/"' in learning_html(client, org.rep)


def test_a_content_change_is_seen_by_its_own_transaction_and_never_kept_if_rolled_back(
    org, committed
):
    with committed():
        CourseFactory(title="Kept")
    assert [c.title for c in catalogue().courses] == ["Kept"]
    version = cache.get(VERSION_KEY)

    with pytest.raises(RuntimeError), transaction.atomic():
        CourseFactory(title="Rolled back")
        assert {c.title for c in catalogue().courses} == {"Kept", "Rolled back"}
        raise RuntimeError

    assert cache.get(VERSION_KEY) == version
    kept = cache.get(f"lms:catalogue:{version}")
    assert [c.title for c in kept.courses] == ["Kept"]
    assert [c.title for c in catalogue().courses] == ["Kept"]


def test_the_coach_is_named_with_or_without_enrolments(client, org, committed):
    org.manager.first_name, org.manager.last_name = "Mira", "Stone"
    org.manager.save()
    assert "your coach, Mira Stone." in learning_html(client, org.rep)
    with committed():
        enrolment_assign(actor=org.manager, user=org.rep, course=CourseFactory())
    assert "your coach, Mira Stone." in learning_html(client, org.rep)
    assert "your coach" not in learning_html(client, org.manager)


# --- query budgets -----------------------------------------------------------------------------


def build_learning(org, *, courses: int) -> None:
    """``courses`` published courses of two modules; the rep is enrolled in half, with progress
    in each (a lesson done, a module completed by its quiz-less lessons)."""
    for n in range(courses):
        course = CourseFactory()
        first = build_module(course=course, lessons=2, questions=0)
        build_module(course=course, lessons=1, questions=2)
        if n % 2:
            enrolment_assign(actor=org.manager, user=org.rep, course=course)
            for lesson in first.lessons.all():
                lesson_complete(user=org.rep, lesson=lesson)


# session, user, the rep's enrolments (with who assigned them and their coach), the rep's
# finished lessons, quizzes and modules in one query, the unread notification count
LEARNING_BUDGET = 5
# the caller's completions (force_authenticate: no token lookup)
COURSE_LIST_BUDGET = 1
# building the catalogue after a change: skills, modules with their quiz, lessons, courses
CATALOGUE_BUILD = 4


@pytest.mark.parametrize(
    "path, budget", [("/learn/", LEARNING_BUDGET), ("/api/v1/courses/", COURSE_LIST_BUDGET)]
)
def test_my_learning_and_the_course_list_cost_the_same_queries_for_2_and_20_courses(
    client, org, committed, django_assert_max_num_queries, path, budget
):
    client.force_login(org.rep)
    api = api_as(org.rep)
    counts = []
    for courses in (2, 20):
        with committed():
            build_learning(org, courses=courses)
        get = client.get if path == "/learn/" else api.get
        with django_assert_max_num_queries(budget + CATALOGUE_BUILD):
            assert get(path).status_code == 200
        with django_assert_max_num_queries(budget) as captured:
            response = get(path)
        assert response.status_code == 200
        assert not any('"lms_module"' in query["sql"] for query in captured.captured_queries)
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_my_learning_for_someone_with_no_courses_stays_within_budget(
    client, django_assert_max_num_queries, committed
):
    with committed():
        rep = RepFactory()
        ModuleFactory(course=CourseFactory())
    client.force_login(rep)
    client.get("/learn/")
    # no enrolment to carry the coach: one query for them, none for progress
    with django_assert_max_num_queries(LEARNING_BUDGET):
        assert client.get("/learn/").status_code == 200


def test_a_module_row_saved_in_place_changes_the_catalogue(committed):
    with committed():
        module = ModuleFactory(title="Old title")
    assert catalogue().courses[0].modules[0].title == "Old title"
    with committed():
        Module.objects.get(pk=module.pk).delete()
    assert catalogue().courses[0].modules == ()
