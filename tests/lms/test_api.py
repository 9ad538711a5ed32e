"""The training API end to end: courses, enrolments, lessons, quiz attempts, completions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import TestCase
from django.utils import timezone
from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import ScopedRateThrottle

from lms.models import (
    Choice,
    Course,
    Enrolment,
    LessonProgress,
    ModuleCompletion,
    Quiz,
    QuizAttempt,
)
from lms.services import enrolment_assign
from lms.signals import module_completed
from tests.conftest import api_as
from tests.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    RepFactory,
    SkillFactory,
    build_module,
    correct_answers,
    question_with_choices,
)

pytestmark = pytest.mark.django_db

TEAM_ONLY = "You can assign courses only to people who report to you."
VIEWERS = ["rep", "manager", "other_manager", "admin"]


def complete_lessons(client, module) -> None:
    for lesson in module.lessons.all():
        assert client.post(f"/api/v1/lessons/{lesson.pk}/complete/").status_code == 200


def start(client, quiz) -> dict:
    response = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    assert response.status_code == 201, response.content
    return response.json()


def right_answers(attempt_id: int) -> list[dict]:
    return correct_answers(QuizAttempt.objects.get(pk=attempt_id))


def wrong_answers(attempt_id: int) -> list[dict]:
    attempt = QuizAttempt.objects.get(pk=attempt_id)
    wrong = Choice.objects.filter(question_id__in=attempt.question_ids, is_correct=False)
    first_wrong: dict[int, int] = {}
    for choice in wrong.order_by("position"):
        first_wrong.setdefault(choice.question_id, choice.pk)
    return [{"question": qid, "choices": [first_wrong[qid]]} for qid in attempt.question_ids]


@pytest.fixture
def follow_up_booked():
    """Stands in for coaching's receiver: every completion books session 4242."""

    def receiver(sender, completion, attempt, **kwargs):
        return {"follow_up_session": 4242}

    module_completed.connect(receiver, weak=False, dispatch_uid="test-api-follow-up")
    yield 4242
    module_completed.disconnect(dispatch_uid="test-api-follow-up")


# --- the whole flow ----------------------------------------------------------------------------


def test_a_rep_enrols_learns_passes_and_completes_the_module(org, follow_up_booked):
    module = build_module(lessons=2, questions=3)
    course = module.course
    client = api_as(org.rep)

    enrolled = client.post("/api/v1/enrolments/", {"course": course.pk})
    assert enrolled.status_code == 201
    assert enrolled.json()["user"] == org.rep.pk
    assert enrolled.json()["course"] == course.pk
    assert enrolled.json()["assigned_by"] is None
    assert enrolled.json()["overdue"] is False

    detail = client.get(f"/api/v1/courses/{course.pk}/").json()
    assert [m["id"] for m in detail["modules"]] == [module.pk]
    assert detail["modules"][0]["quiz"] == module.quiz.pk
    assert [lesson["position"] for lesson in detail["modules"][0]["lessons"]] == [1, 2]
    assert detail["completed_modules"] == []

    complete_lessons(client, module)
    attempt = start(client, module.quiz)
    assert attempt["number"] == 1
    assert len(attempt["questions"]) == 3

    submitted = client.post(
        f"/api/v1/attempts/{attempt['id']}/submit/", {"answers": right_answers(attempt["id"])}
    )
    assert submitted.status_code == 200
    body = submitted.json()
    assert body["score"] == 100
    assert body["passed"] is True
    assert body["module_completed"] is True
    assert body["follow_up_session"] == follow_up_booked
    assert [r["id"] for r in body["results"]] == [q["id"] for q in attempt["questions"]]
    assert all(r["is_correct"] and r["explanation"] == "Because." for r in body["results"])
    assert all(r["correct_choices"] == r["chosen_choices"] for r in body["results"])

    assert ModuleCompletion.objects.filter(user=org.rep, module=module).count() == 1
    completions = client.get("/api/v1/completions/").json()["results"]
    assert [(c["user"], c["module"], c["course"], c["score"]) for c in completions] == [
        (org.rep.pk, module.pk, course.pk, 100)
    ]
    detail = client.get(f"/api/v1/courses/{course.pk}/").json()
    assert detail["completed_modules"] == [module.pk]
    listed = client.get("/api/v1/courses/").json()["results"]
    assert listed[0]["module_count"] == 1 and listed[0]["completed_module_count"] == 1


def test_a_failed_submit_reports_what_was_missed_and_completes_nothing(org):
    module = build_module(lessons=1, questions=2)
    client = api_as(org.rep)
    complete_lessons(client, module)
    attempt = start(client, module.quiz)
    body = client.post(
        f"/api/v1/attempts/{attempt['id']}/submit/", {"answers": wrong_answers(attempt["id"])}
    ).json()
    assert body["score"] == 0 and body["passed"] is False
    assert body["module_completed"] is False and body["follow_up_session"] is None
    assert not any(r["is_correct"] for r in body["results"])
    assert all(r["correct_choices"] != r["chosen_choices"] for r in body["results"])
    assert not ModuleCompletion.objects.filter(user=org.rep).exists()


def test_an_unanswered_question_counts_as_wrong(org):
    module = build_module(lessons=0, questions=2)
    client = api_as(org.rep)
    attempt = start(client, module.quiz)
    answers = right_answers(attempt["id"])[:1]
    body = client.post(f"/api/v1/attempts/{attempt['id']}/submit/", {"answers": answers}).json()
    assert body["score"] == 50
    assert [r["chosen_choices"] for r in body["results"]][1] == []


# --- lessons -----------------------------------------------------------------------------------


def test_completing_a_lesson_twice_is_a_200_both_times_and_records_it_once(org, follow_up_booked):
    module = build_module(lessons=1, questions=0)
    lesson = module.lessons.get()
    client = api_as(org.rep)

    first = client.post(f"/api/v1/lessons/{lesson.pk}/complete/")
    second = client.post(f"/api/v1/lessons/{lesson.pk}/complete/")

    assert first.status_code == second.status_code == 200
    assert first.json()["lesson"] == lesson.pk
    assert first.json()["completed_at"] == second.json()["completed_at"]
    # A module without a quiz completes with its last lesson, and only the first time says so.
    assert first.json()["module_completed"] is True
    assert first.json()["follow_up_session"] == follow_up_booked
    assert second.json()["module_completed"] is False
    assert second.json()["follow_up_session"] is None
    assert LessonProgress.objects.filter(user=org.rep, lesson=lesson).count() == 1
    assert ModuleCompletion.objects.filter(user=org.rep, module=module).count() == 1


def test_a_lesson_before_the_last_does_not_complete_the_module(org):
    module = build_module(lessons=2, questions=0)
    first = module.lessons.order_by("position").first()
    body = api_as(org.rep).post(f"/api/v1/lessons/{first.pk}/complete/").json()
    assert body["module_completed"] is False and body["follow_up_session"] is None


@pytest.mark.parametrize(
    ("who", "expected"),
    [("rep", 404), ("manager", 404), ("other_manager", 404), ("admin", 409)],
)
def test_a_lesson_in_a_draft_is_hidden_or_refused(org, who, expected):
    """Only an admin sees a draft; their progress on it is refused like anyone's would be."""
    course = CourseFactory(status=Course.Status.DRAFT)
    lesson = LessonFactory(module=ModuleFactory(course=course))
    response = api_as(getattr(org, who)).post(f"/api/v1/lessons/{lesson.pk}/complete/")
    assert response.status_code == expected
    assert "message" in response.json()
    assert not LessonProgress.objects.exists()


def test_an_unknown_lesson_is_a_404(org):
    assert api_as(org.rep).post("/api/v1/lessons/999999/complete/").status_code == 404


# --- attempts ----------------------------------------------------------------------------------


LEAKS = ("is_correct", "explanation", "correct", "Because.")


def test_nothing_before_submission_says_which_choices_are_right(org):
    module = build_module(lessons=1, questions=3)
    quiz = module.quiz
    quiz.shuffle_choices = True
    quiz.save()
    client = api_as(org.rep)

    started = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    read = client.get(f"/api/v1/attempts/{started.json()['id']}/")
    course = client.get(f"/api/v1/courses/{module.course_id}/")
    for response in (started, read, course):
        text = response.content.decode()
        for leak in LEAKS:
            assert leak not in text, (response.request["PATH_INFO"], leak)

    assert read.json()["questions"] == started.json()["questions"]
    question = started.json()["questions"][0]
    assert set(question) == {"id", "prompt", "kind", "choices"}
    assert all(set(choice) == {"id", "text"} for choice in question["choices"])


def test_questions_and_choices_come_in_the_frozen_order_of_the_attempt(org):
    module = build_module(lessons=0, questions=3)
    client = api_as(org.rep)
    attempt = start(client, module.quiz)
    stored = QuizAttempt.objects.get(pk=attempt["id"])
    # Reverse the frozen layout: the API must follow it, not the authoring order.
    stored.layout = [
        {"question": item["question"], "choices": list(reversed(item["choices"]))}
        for item in reversed(stored.layout)
    ]
    stored.save()
    shown = client.get(f"/api/v1/attempts/{attempt['id']}/").json()["questions"]
    assert [
        {"question": q["id"], "choices": [c["id"] for c in q["choices"]]} for q in shown
    ] == stored.layout
    again = start(client, module.quiz)
    assert again["id"] == attempt["id"]
    assert [q["id"] for q in again["questions"]] == [q["id"] for q in shown]


def test_a_submitted_attempt_shows_its_score_and_the_right_answers(org):
    module = build_module(lessons=0, questions=2)
    module.quiz.review_policy = Quiz.ReviewPolicy.AFTER_ATTEMPT
    module.quiz.save(update_fields=["review_policy"])
    client = api_as(org.rep)
    attempt = start(client, module.quiz)
    answers = right_answers(attempt["id"])
    answers[1] = wrong_answers(attempt["id"])[1]
    client.post(f"/api/v1/attempts/{attempt['id']}/submit/", {"answers": answers})

    graded = client.get(f"/api/v1/attempts/{attempt['id']}/").json()
    assert graded["score"] == 50 and graded["passed"] is False
    assert graded["submitted_at"] is not None
    first, second = graded["questions"]
    assert first["is_correct"] is True and first["chosen_choices"] == first["correct_choices"]
    assert second["is_correct"] is False
    assert second["chosen_choices"] == answers[1]["choices"]
    assert second["correct_choices"] == answers_correct_ids(second["id"])
    assert second["explanation"] == "Because."


def answers_correct_ids(question_id: int) -> list[int]:
    return list(
        Choice.objects.filter(question_id=question_id, is_correct=True).values_list("pk", flat=True)
    )


def test_a_second_submit_is_a_409(org):
    module = build_module(lessons=0, questions=2)
    client = api_as(org.rep)
    attempt = start(client, module.quiz)
    url = f"/api/v1/attempts/{attempt['id']}/submit/"
    assert client.post(url, {"answers": right_answers(attempt["id"])}).status_code == 200
    second = client.post(url, {"answers": right_answers(attempt["id"])})
    assert second.status_code == 409
    assert "already been submitted" in second.json()["message"]


def test_a_question_outside_the_attempt_is_a_400(org):
    module = build_module(lessons=0, questions=2)
    stranger = question_with_choices(build_module(lessons=0, questions=1).quiz, [True, False])
    client = api_as(org.rep)
    attempt = start(client, module.quiz)
    answers = [*right_answers(attempt["id"]), {"question": stranger.pk, "choices": []}]
    response = client.post(f"/api/v1/attempts/{attempt['id']}/submit/", {"answers": answers})
    assert response.status_code == 400
    assert f"Question {stranger.pk}" in response.json()["message"]
    assert QuizAttempt.objects.get(pk=attempt["id"]).submitted_at is None


@pytest.mark.parametrize("whose", ["another question of the quiz", "another quiz"])
def test_a_choice_outside_its_question_is_a_400(org, whose):
    module = build_module(lessons=0, questions=2)
    client = api_as(org.rep)
    attempt = start(client, module.quiz)
    answers = right_answers(attempt["id"])
    if whose == "another quiz":
        foreign = question_with_choices(build_module(lessons=0, questions=1).quiz, [True])
        stray = foreign.choices.get().pk
    else:
        stray = answers[1]["choices"][0]
    answers[0]["choices"] = [stray]
    response = client.post(f"/api/v1/attempts/{attempt['id']}/submit/", {"answers": answers})
    assert response.status_code == 400
    assert f"Choice {stray}" in response.json()["message"]
    assert QuizAttempt.objects.get(pk=attempt["id"]).submitted_at is None


def test_a_malformed_submission_is_a_400_naming_the_field(org):
    module = build_module(lessons=0, questions=1)
    client = api_as(org.rep)
    attempt = start(client, module.quiz)
    url = f"/api/v1/attempts/{attempt['id']}/submit/"
    missing = client.post(url, {})
    assert missing.status_code == 400 and "answers" in missing.json()["message"]
    bad = client.post(url, {"answers": [{"question": "x", "choices": [1]}]})
    assert bad.status_code == 400 and "message" in bad.json()


def test_no_attempts_left_is_a_400_with_a_message(org):
    module = build_module(lessons=0, questions=1, max_attempts=2)
    client = api_as(org.rep)
    for _ in range(2):
        attempt = start(client, module.quiz)
        client.post(
            f"/api/v1/attempts/{attempt['id']}/submit/", {"answers": wrong_answers(attempt["id"])}
        )
    response = client.post(f"/api/v1/quizzes/{module.quiz.pk}/attempts/")
    assert response.status_code == 400
    assert "all 2 attempts" in response.json()["message"]
    assert QuizAttempt.objects.filter(user=org.rep).count() == 2


def test_an_open_attempt_is_resumed_not_spent_again(org):
    module = build_module(lessons=0, questions=1, max_attempts=1)
    client = api_as(org.rep)
    first = start(client, module.quiz)
    assert start(client, module.quiz)["id"] == first["id"]
    assert QuizAttempt.objects.filter(user=org.rep).count() == 1


@pytest.mark.parametrize("who", ["manager", "other_manager", "admin"])
def test_other_peoples_attempts_are_a_404_to_read_and_to_submit(org, who):
    module = build_module(lessons=0, questions=1)
    attempt = start(api_as(org.rep), module.quiz)
    client = api_as(getattr(org, who))
    assert client.get(f"/api/v1/attempts/{attempt['id']}/").status_code == 404
    submitted = client.post(
        f"/api/v1/attempts/{attempt['id']}/submit/", {"answers": right_answers(attempt["id"])}
    )
    assert submitted.status_code == 404
    assert QuizAttempt.objects.get(pk=attempt["id"]).submitted_at is None


def test_the_taker_reads_their_own_attempt(org):
    module = build_module(lessons=0, questions=1)
    client = api_as(org.rep)
    attempt = start(client, module.quiz)
    assert client.get(f"/api/v1/attempts/{attempt['id']}/").status_code == 200


@pytest.mark.parametrize(
    ("who", "expected"),
    [("rep", 404), ("manager", 404), ("other_manager", 404), ("admin", 409)],
)
def test_a_quiz_in_an_unpublished_course_cannot_be_started(org, who, expected):
    course = CourseFactory(status=Course.Status.DRAFT)
    module = build_module(course=course, lessons=0, questions=1)
    response = api_as(getattr(org, who)).post(f"/api/v1/quizzes/{module.quiz.pk}/attempts/")
    assert response.status_code == expected
    assert "message" in response.json()
    assert not QuizAttempt.objects.exists()


# --- enrolments --------------------------------------------------------------------------------


def test_a_manager_assigns_a_course_to_a_direct_report(org):
    course = CourseFactory()
    due = timezone.localdate() + dt.timedelta(days=14)
    response = api_as(org.manager).post(
        "/api/v1/enrolments/", {"course": course.pk, "user": org.rep.pk, "due_date": str(due)}
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {"id", "user", "course", "assigned_by", "due_date", "overdue", "created_at"}
    assert body["user"] == org.rep.pk
    assert body["assigned_by"] == org.manager.pk
    assert body["due_date"] == due.isoformat()
    assert body["overdue"] is False
    assert Enrolment.objects.get(user=org.rep, course=course).assigned_by == org.manager


def test_an_admin_assigns_a_course_to_anyone(org):
    course = CourseFactory()
    response = api_as(org.admin).post(
        "/api/v1/enrolments/", {"course": course.pk, "user": org.other_rep.pk}
    )
    assert response.status_code == 201
    assert response.json()["assigned_by"] == org.admin.pk


@pytest.mark.parametrize(
    ("who", "target"),
    [
        ("manager", "other_rep"),
        ("manager", "other_manager"),
        ("manager", "admin"),
        ("other_manager", "rep"),
        ("rep", "other_rep"),
        ("rep", "manager"),
    ],
)
def test_assigning_outside_your_team_is_a_400(org, who, target):
    course = CourseFactory()
    response = api_as(getattr(org, who)).post(
        "/api/v1/enrolments/", {"course": course.pk, "user": getattr(org, target).pk}
    )
    assert response.status_code == 400
    assert response.json()["message"] == TEAM_ONLY
    assert not Enrolment.objects.exists()


def test_assigning_to_an_unknown_person_answers_like_someone_outside_the_team(org):
    response = api_as(org.manager).post(
        "/api/v1/enrolments/", {"course": CourseFactory().pk, "user": 999999}
    )
    assert response.status_code == 400
    assert response.json()["message"] == TEAM_ONLY


def test_a_due_date_in_the_past_is_a_400(org):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = api_as(org.manager).post(
        "/api/v1/enrolments/",
        {"course": CourseFactory().pk, "user": org.rep.pk, "due_date": str(yesterday)},
    )
    assert response.status_code == 400
    assert "past" in response.json()["message"]
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("who", ["rep", "manager"])
def test_an_unknown_or_unpublished_course_is_a_400_naming_the_field(org, who):
    draft = CourseFactory(status=Course.Status.DRAFT)
    client = api_as(getattr(org, who))
    for course_id in (draft.pk, 999999):
        response = client.post("/api/v1/enrolments/", {"course": course_id})
        assert response.status_code == 400
        assert response.json()["message"] == "course: No such course."
    assert not Enrolment.objects.exists()


def test_an_admin_cannot_enrol_anyone_in_a_draft(org):
    draft = CourseFactory(status=Course.Status.DRAFT)
    response = api_as(org.admin).post(
        "/api/v1/enrolments/", {"course": draft.pk, "user": org.rep.pk}
    )
    assert response.status_code == 409
    assert "not published" in response.json()["message"]


def test_enrolling_yourself_twice_keeps_one_enrolment(org):
    course = CourseFactory()
    client = api_as(org.rep)
    first = client.post("/api/v1/enrolments/", {"course": course.pk})
    second = client.post("/api/v1/enrolments/", {"course": course.pk, "user": org.rep.pk})
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Enrolment.objects.filter(user=org.rep).count() == 1


def test_an_enrolment_past_its_due_date_is_overdue_until_the_course_is_done(org):
    module = build_module(lessons=1, questions=0)
    Enrolment.objects.create(
        user=org.rep, course=module.course, due_date=timezone.localdate() - dt.timedelta(days=1)
    )
    client = api_as(org.rep)
    assert client.get("/api/v1/enrolments/").json()["results"][0]["overdue"] is True
    complete_lessons(client, module)
    row = client.get("/api/v1/enrolments/").json()["results"][0]
    assert row["overdue"] is False
    assert row["completed_module_count"] == row["module_count"] == 1


# --- the permission matrix ---------------------------------------------------------------------


@pytest.fixture
def everyone_enrolled_and_completed(org):
    """One enrolment and one module completion for each person in the organisation."""
    module = build_module(lessons=1, questions=0)
    for person in (org.rep, org.manager, org.other_rep, org.other_manager, org.admin):
        enrolment_assign(actor=org.admin, user=person, course=module.course)
        api_as(person).post(f"/api/v1/lessons/{module.lessons.get().pk}/complete/")
    return module


SEES = {
    "rep": {"rep"},
    "manager": {"rep", "manager"},
    "other_manager": {"other_rep", "other_manager"},
    "admin": {"rep", "manager", "other_rep", "other_manager", "admin"},
}


@pytest.mark.parametrize("who", VIEWERS)
@pytest.mark.parametrize("path", ["/api/v1/enrolments/", "/api/v1/completions/"])
def test_each_person_sees_their_own_their_teams_or_everyones_rows(
    org, everyone_enrolled_and_completed, who, path
):
    response = api_as(getattr(org, who)).get(path)
    assert response.status_code == 200
    names = {
        username
        for username in SEES["admin"]
        for row in response.json()["results"]
        if row["user"] == getattr(org, username).pk
    }
    assert names == SEES[who]
    assert response.json()["count"] == len(SEES[who])


@pytest.mark.parametrize("who", VIEWERS)
def test_everyone_sees_published_courses_and_only_admins_see_drafts(org, who):
    published = CourseFactory()
    draft = CourseFactory(status=Course.Status.DRAFT)
    client = api_as(getattr(org, who))
    listed = {row["id"] for row in client.get("/api/v1/courses/").json()["results"]}
    is_admin = who == "admin"
    assert listed == ({published.pk, draft.pk} if is_admin else {published.pk})
    assert client.get(f"/api/v1/courses/{published.pk}/").status_code == 200
    assert client.get(f"/api/v1/courses/{draft.pk}/").status_code == (200 if is_admin else 404)
    assert client.get("/api/v1/courses/999999/").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/courses/"),
        ("get", "/api/v1/courses/{course}/"),
        ("get", "/api/v1/enrolments/"),
        ("post", "/api/v1/enrolments/"),
        ("post", "/api/v1/lessons/{lesson}/complete/"),
        ("post", "/api/v1/quizzes/{quiz}/attempts/"),
        ("get", "/api/v1/attempts/{attempt}/"),
        ("post", "/api/v1/attempts/{attempt}/submit/"),
        ("get", "/api/v1/completions/"),
    ],
)
def test_anonymous_callers_are_refused_everywhere(org, api, method, path):
    module = build_module(lessons=1, questions=1)
    attempt = start(api_as(org.rep), module.quiz)
    url = path.format(
        course=module.course_id,
        lesson=module.lessons.get().pk,
        quiz=module.quiz.pk,
        attempt=attempt["id"],
    )
    enrolments_before = Enrolment.objects.count()
    response = getattr(api, method)(url, {"course": module.course_id, "answers": []})
    assert response.status_code == 401
    assert "message" in response.json()
    assert not LessonProgress.objects.exists()
    assert Enrolment.objects.count() == enrolments_before


# --- pagination --------------------------------------------------------------------------------


def test_lists_are_paginated_with_count_next_previous_and_results(org, monkeypatch):
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    for _ in range(3):
        enrolment_assign(actor=org.admin, user=org.rep, course=CourseFactory())
    client = api_as(org.rep)
    first = client.get("/api/v1/enrolments/").json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 3 and len(first["results"]) == 2
    assert first["previous"] is None and first["next"].endswith("?page=2")
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert second["previous"] is not None
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert sorted(ids) == sorted(Enrolment.objects.values_list("pk", flat=True))


def test_writes_share_the_write_rate_and_reads_are_not_throttled(org, monkeypatch):
    # DRF reads the rates once at import, so the test narrows them on the class.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"write": "2/min"})
    lesson = build_module(lessons=1, questions=0).lessons.get()
    client = api_as(org.rep)
    statuses = [client.post(f"/api/v1/lessons/{lesson.pk}/complete/").status_code for _ in "abc"]
    assert statuses == [200, 200, 429]
    assert client.get("/api/v1/enrolments/").status_code == 200
    assert client.get("/api/v1/enrolments/").status_code == 200
    refused = client.post("/api/v1/enrolments/", {"course": lesson.module.course_id})
    assert refused.status_code == 429
    assert "message" in refused.json()


# --- query budgets -----------------------------------------------------------------------------


def build_courses(org, rows: int) -> None:
    # Committed, as the admin's would be, so the catalogue moves to a new version.
    with TestCase.captureOnCommitCallbacks(execute=True):
        for n in range(rows):
            course = CourseFactory()
            course.skills.add(SkillFactory(slug=f"skill-{n % 5}"), SkillFactory(slug="closing"))
            ModuleFactory(course=course, position=1)
            ModuleFactory(course=course, position=2)


def build_enrolments(org, rows: int) -> None:
    for _ in range(rows):
        rep = RepFactory(manager=org.manager)
        enrolment_assign(actor=org.admin, user=rep, course=CourseFactory())


def build_completions(org, rows: int) -> None:
    module = build_module(lessons=1, questions=0)
    lesson = module.lessons.get()
    for _ in range(rows):
        rep = RepFactory(manager=org.manager)
        api_as(rep).post(f"/api/v1/lessons/{lesson.pk}/complete/")


def build_course_detail(org, rows: int) -> int:
    course = CourseFactory()
    course.skills.add(SkillFactory(slug="closing"))
    for n in range(rows):
        module = build_module(course=course, lessons=3, questions=2)
        module.skills.add(SkillFactory(slug=f"skill-{n % 4}"))
        api_as(org.rep).post(f"/api/v1/lessons/{module.lessons.first().pk}/complete/")
    return course.pk


BUDGETS = {
    # the caller's completions (the courses, their skills and modules are the cached catalogue)
    "/api/v1/courses/": (build_courses, 1),
    # count, rows (people, courses and progress are joined or subqueries)
    "/api/v1/enrolments/": (build_enrolments, 2),
    "/api/v1/completions/": (build_completions, 2),
    # course, its skills, modules, their skills, lessons
    "/api/v1/courses/{id}/": (build_course_detail, 5),
}


@pytest.mark.parametrize("path", list(BUDGETS))
@pytest.mark.parametrize("who", ["manager", "admin"])
def test_lists_and_course_detail_cost_the_same_queries_for_2_and_20_rows(
    org, django_assert_max_num_queries, path, who
):
    build, budget = BUDGETS[path]
    counts = []
    for rows in (2, 20):
        built = build(org, rows)
        url = path.format(id=built)
        client = api_as(getattr(org, who))
        client.get(url)  # the first request after a content change builds the catalogue
        with django_assert_max_num_queries(budget) as captured:
            response = client.get(url)
        assert response.status_code == 200
        if "{id}" not in path:
            assert response.json()["count"] >= rows
        else:
            assert len(response.json()["modules"]) == rows
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- schema ------------------------------------------------------------------------------------


def test_the_schema_describes_the_request_and_response_bodies(org):
    schema = api_as(org.rep).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    submit = paths["/api/v1/attempts/{attempt_id}/submit/"]["post"]
    assert submit["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/AttemptSubmitInputRequest"
    )
    assert set(submit["responses"]) >= {"200", "400", "404", "409"}
    components = schema["components"]["schemas"]
    assert "is_correct" not in components["Attempt"]["properties"]
    assert "is_correct" in components["GradedQuestion"]["properties"]
    assert {"count", "next", "previous", "results"} <= set(
        components["PaginatedEnrolmentList"]["properties"]
    )
    enrol = paths["/api/v1/enrolments/"]["post"]
    assert "201" in enrol["responses"]
