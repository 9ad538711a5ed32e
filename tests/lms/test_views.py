"""The training pages through the test client: who sees what, the flows, htmx and query budgets."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.models import CoachingSession
from lms.models import (
    Course,
    Enrolment,
    LessonProgress,
    ModuleCompletion,
    Question,
    Quiz,
    QuizAttempt,
)
from lms.services import attempt_start, attempt_submit, enrolment_assign, lesson_complete
from tests.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    QuizFactory,
    RepFactory,
    build_module,
    correct_answers,
    question_with_choices,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def as_user(client, user):
    client.force_login(user)
    return client


def answers_form(attempt, *, right: bool) -> dict[str, list[int]]:
    """Form data for an attempt: every question right, or every question wrong."""
    data = {}
    for answer in correct_answers(attempt):
        item = next(i for i in attempt.layout if i["question"] == answer["question"])
        chosen = (
            answer["choices"]
            if right
            else [c for c in item["choices"] if c not in answer["choices"]][:1]
        )
        data[f"question_{answer['question']}"] = chosen
    return data


def finish_lessons(user, module):
    for lesson in module.lessons.all():
        lesson_complete(user=user, lesson=lesson)


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


# --- My learning -------------------------------------------------------------------------------


def test_my_learning_shows_progress_due_date_and_the_next_lesson(client, org):
    course = CourseFactory(title="Discovery calls")
    module = build_module(course=course, lessons=2, questions=1)
    first, second = module.lessons.order_by("position")
    due = timezone.localdate() + dt.timedelta(days=7)
    enrolment_assign(actor=org.manager, user=org.rep, course=course, due_date=due)
    lesson_complete(user=org.rep, lesson=first)

    response = as_user(client, org.rep).get("/learn/")

    html = response.content.decode()
    assert "Discovery calls" in html
    assert 'aria-valuenow="33"' in html  # one of two lessons and a quiz
    assert f"Due {due:%-d %b %Y}" in html
    assert f'href="/learn/lessons/{second.pk}/"' in html
    assert "Overdue" not in html


def test_my_learning_points_at_the_quiz_once_the_lessons_are_done(client, org):
    course = CourseFactory()
    module = build_module(course=course, lessons=1, questions=1)
    enrolment_assign(actor=org.manager, user=org.rep, course=course)
    finish_lessons(org.rep, module)

    html = as_user(client, org.rep).get("/learn/").content.decode()

    assert f'href="/learn/quizzes/{module.quiz.pk}/"' in html
    assert 'aria-valuenow="50"' in html


def test_my_learning_flags_an_overdue_course_and_marks_a_finished_one(client, org):
    late = CourseFactory(title="Late course")
    build_module(course=late, lessons=1, questions=0)
    Enrolment.objects.create(
        user=org.rep, course=late, due_date=timezone.localdate() - dt.timedelta(days=1)
    )
    done = CourseFactory(title="Done course")
    done_module = build_module(course=done, lessons=1, questions=0)
    Enrolment.objects.create(user=org.rep, course=done)
    finish_lessons(org.rep, done_module)

    html = as_user(client, org.rep).get("/learn/").content.decode()

    assert html.count("badge bad") == 1 and "Overdue" in html
    assert "Complete" in html and 'aria-valuenow="100"' in html


def test_my_learning_offers_published_courses_to_start_but_never_drafts(client, org):
    CourseFactory(title="Published one")
    CourseFactory(title="Secret draft", status=Course.Status.DRAFT)
    html = as_user(client, org.rep).get("/learn/").content.decode()
    assert "Published one" in html and "Start" in html
    assert "Secret draft" not in html


def test_starting_a_course_enrols_the_rep_and_opens_the_course(client, org):
    course = CourseFactory()
    response = as_user(client, org.rep).post(f"/learn/courses/{course.pk}/start/")
    assert response.status_code == 302
    assert response["Location"] == f"/learn/courses/{course.pk}/"
    assert Enrolment.objects.filter(user=org.rep, course=course, assigned_by=None).exists()


def test_starting_needs_a_post(client, org):
    course = CourseFactory()
    assert as_user(client, org.rep).get(f"/learn/courses/{course.pk}/start/").status_code == 405


def test_training_pages_need_sign_in(client):
    response = client.get("/learn/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- course page -------------------------------------------------------------------------------


def test_the_course_page_shows_each_modules_state_lessons_done_and_quiz_standing(client, org):
    course = CourseFactory()
    done = build_module(course=course, lessons=1, questions=1)
    started = build_module(course=course, lessons=2, questions=1)
    untouched = build_module(course=course, lessons=1, questions=1)
    Module = type(done)
    Module.objects.filter(pk=done.pk).update(objectives="- Ask **open** questions")
    finish_lessons(org.rep, done)
    attempt = attempt_start(user=org.rep, quiz=done.quiz)
    attempt_submit(attempt=attempt, answers=correct_answers(attempt))
    lesson_complete(user=org.rep, lesson=started.lessons.first())
    failed = attempt_start(user=org.rep, quiz=started.quiz)
    attempt_submit(attempt=failed, answers=[])

    html = as_user(client, org.rep).get(f"/learn/courses/{course.pk}/").content.decode()

    def section(module):
        start = html.index(f'id="module-{module.pk}"')
        return html[start : html.find('class="card module"', start + 1)]

    assert "Complete" in section(done) and "passed" in section(done)
    assert "<strong>open</strong>" in section(done)
    assert "In progress" in section(started) and "2 attempts left" in section(started)
    assert "Not started" in section(untouched)
    assert section(started).count("✓") == 1


def test_a_draft_course_is_404_for_a_rep_and_open_to_an_admin(client, org):
    draft = CourseFactory(status=Course.Status.DRAFT)
    module = build_module(course=draft, lessons=1, questions=1)
    lesson = module.lessons.get()
    as_user(client, org.rep)
    for url in (
        f"/learn/courses/{draft.pk}/",
        f"/learn/lessons/{lesson.pk}/",
        f"/learn/quizzes/{module.quiz.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/learn/courses/{draft.pk}/start/").status_code == 404
    assert client.post(f"/learn/lessons/{lesson.pk}/complete/").status_code == 404
    assert client.post(f"/learn/quizzes/{module.quiz.pk}/start/").status_code == 404

    as_user(client, org.admin)
    assert client.get(f"/learn/courses/{draft.pk}/").status_code == 200
    preview = client.get(f"/learn/lessons/{lesson.pk}/").content.decode()
    assert "Preview" in preview and "Mark complete" not in preview
    response = client.post(f"/learn/quizzes/{module.quiz.pk}/start/", follow=True)
    assert "That course is not published" in response.content.decode()


# --- lesson reader -----------------------------------------------------------------------------


def test_the_lesson_reader_shows_sanitised_text_an_allow_listed_embed_and_neighbours(client, org):
    module = ModuleFactory()
    first = LessonFactory(module=module, position=1, title="Opening")
    middle = LessonFactory(
        module=module,
        position=2,
        title="Middle",
        body='Hello <script>alert("x")</script> <a href="javascript:alert(1)">link</a>',
        video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    )
    LessonFactory(module=module, position=3, title="Closing")

    html = as_user(client, org.rep).get(f"/learn/lessons/{middle.pk}/").content.decode()

    assert "<script>alert" not in html and "javascript:alert" not in html
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html
    # Full screen is granted once, through allow: a second allowfullscreen makes browsers warn.
    assert 'allow="fullscreen; picture-in-picture"' in html and "allowfullscreen" not in html
    assert f'href="/learn/lessons/{first.pk}/"' in html
    assert "Closing →" in html
    assert "Mark complete" in html


def test_a_video_on_another_host_is_a_plain_link(client, org):
    lesson = LessonFactory(video_url="https://videos.example.com/watch/1")
    html = as_user(client, org.rep).get(f"/learn/lessons/{lesson.pk}/").content.decode()
    assert "<iframe" not in html
    assert 'href="https://videos.example.com/watch/1"' in html


def test_the_last_lesson_of_a_module_leads_to_its_quiz(client, org):
    module = build_module(lessons=1, questions=1)
    html = as_user(client, org.rep).get(f"/learn/lessons/{module.lessons.get().pk}/").content
    assert f'href="/learn/quizzes/{module.quiz.pk}/"'.encode() in html


def test_marking_a_lesson_complete_without_javascript_redirects_back(client, org):
    module = build_module(lessons=2, questions=0)
    lesson = module.lessons.first()
    response = as_user(client, org.rep).post(f"/learn/lessons/{lesson.pk}/complete/")
    assert response.status_code == 302
    assert response["Location"] == f"/learn/lessons/{lesson.pk}/"
    assert LessonProgress.objects.filter(user=org.rep, lesson=lesson).exists()
    page = client.get(response["Location"]).content.decode()
    assert "✓ Done" in page and "Mark complete" not in page
    assert "Module complete" not in page


def test_marking_the_last_lesson_with_htmx_swaps_in_done_and_module_complete(client, org):
    module = build_module(lessons=1, questions=0)
    lesson = module.lessons.get()

    response = as_user(client, org.rep).post(f"/learn/lessons/{lesson.pk}/complete/", **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="lesson-status"')
    assert "✓ Done" in html and "Module complete" in html
    assert "coaching session" in html  # the rep's manager got a follow-up booked
    assert ModuleCompletion.objects.filter(user=org.rep, module=module).count() == 1


def test_marking_the_last_lesson_without_javascript_says_the_module_is_complete(client, org):
    module = build_module(lessons=1, questions=0)
    lesson = module.lessons.get()
    response = as_user(client, org.rep).post(f"/learn/lessons/{lesson.pk}/complete/", follow=True)
    html = response.content.decode()
    assert "Module complete" in html
    assert "coaching session with your manager is booked for" in html


def test_marking_complete_needs_a_post(client, org):
    lesson = LessonFactory()
    assert as_user(client, org.rep).get(f"/learn/lessons/{lesson.pk}/complete/").status_code == 405


# --- quizzes -----------------------------------------------------------------------------------


def test_taking_a_quiz_through_posts_from_a_fail_to_a_completed_module(client, org):
    module = build_module(lessons=1, questions=3)
    finish_lessons(org.rep, module)
    quiz = module.quiz
    as_user(client, org.rep)
    assert "Start the quiz" in client.get(f"/learn/quizzes/{quiz.pk}/").content.decode()

    response = client.post(f"/learn/quizzes/{quiz.pk}/start/")
    first = QuizAttempt.objects.get(user=org.rep, quiz=quiz)
    assert response["Location"] == f"/learn/attempts/{first.pk}/"
    form = client.get(response["Location"]).content.decode()
    assert form.count('type="radio"') == 9

    response = client.post(f"/learn/attempts/{first.pk}/submit/", answers_form(first, right=False))
    assert response["Location"] == f"/learn/attempts/{first.pk}/"
    result = client.get(response["Location"]).content.decode()
    assert "not passed" in result and "0 %" in result and "Try again" in result
    assert "Module complete" not in result

    response = client.post(f"/learn/quizzes/{quiz.pk}/start/")
    second = QuizAttempt.objects.get(user=org.rep, quiz=quiz, number=2)
    assert response["Location"] == f"/learn/attempts/{second.pk}/"
    response = client.post(
        f"/learn/attempts/{second.pk}/submit/", answers_form(second, right=True), follow=True
    )
    result = response.content.decode()
    assert "Attempt 2: passed" in result and "100 %" in result
    assert "Module complete" in result
    assert "coaching session with your manager is booked for" in result
    assert ModuleCompletion.objects.filter(user=org.rep, module=module).count() == 1


def test_the_attempt_page_reveals_no_answers_before_submission(client, org):
    module = build_module(lessons=0, questions=0)
    quiz = QuizFactory(module=module)
    question_with_choices(quiz, [False, True, False], explanation="Only-after-submitting")
    attempt = attempt_start(user=org.rep, quiz=quiz)

    html = as_user(client, org.rep).get(f"/learn/attempts/{attempt.pk}/").content.decode()

    assert "Submit answers" in html
    assert "correct" not in html.lower()
    assert "Only-after-submitting" not in html


def test_the_attempt_form_keeps_the_frozen_order_with_checkboxes_for_multiple_choice(client, org):
    quiz = QuizFactory(shuffle_choices=True)
    question = question_with_choices(quiz, [True, True, False, False, False, False])
    assert question.kind == Question.Kind.MULTIPLE
    attempt = attempt_start(user=org.rep, quiz=quiz)

    html = as_user(client, org.rep).get(f"/learn/attempts/{attempt.pk}/").content.decode()

    assert html.count('type="checkbox"') == 6
    shown = [html.index(f'value="{pk}"') for pk in attempt.layout[0]["choices"]]
    assert shown == sorted(shown)


def test_submitting_with_htmx_returns_only_the_graded_result(client, org):
    module = build_module(lessons=1, questions=2)
    finish_lessons(org.rep, module)
    attempt = attempt_start(user=org.rep, quiz=module.quiz)

    response = as_user(client, org.rep).post(
        f"/learn/attempts/{attempt.pk}/submit/", answers_form(attempt, right=True), **HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and '<form method="post" action="/learn/attempts/' not in html
    assert "Attempt 1: passed" in html
    assert html.count('class="choice correct"') == 2
    assert "Because." in html  # the explanation, now that it is graded
    assert "Module complete" in html
    session = CoachingSession.objects.get(rep=org.rep)
    assert f'href="/coaching/sessions/{session.pk}/"' in html


def test_a_wrong_answer_is_highlighted_beside_the_right_one(client, org):
    quiz = QuizFactory(review_policy=Quiz.ReviewPolicy.AFTER_ATTEMPT)
    question_with_choices(quiz, [True, False])
    attempt = attempt_start(user=org.rep, quiz=quiz)
    response = as_user(client, org.rep).post(
        f"/learn/attempts/{attempt.pk}/submit/", answers_form(attempt, right=False), **HTMX
    )
    html = response.content.decode()
    assert html.count('class="choice correct"') == 1
    assert html.count('class="choice wrong"') == 1
    assert "Try again" in html


def test_try_again_with_htmx_swaps_in_a_fresh_attempt(client, org):
    quiz = QuizFactory()
    question_with_choices(quiz, [True, False])
    first = attempt_start(user=org.rep, quiz=quiz)
    attempt_submit(attempt=first, answers=[])

    response = as_user(client, org.rep).post(f"/learn/quizzes/{quiz.pk}/start/", **HTMX)

    second = QuizAttempt.objects.get(user=org.rep, quiz=quiz, number=2)
    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"/learn/attempts/{second.pk}/"
    html = response.content.decode()
    assert "<html" not in html
    assert "Attempt 2 of 3" in html and 'type="radio"' in html


def test_submitting_twice_shows_a_message_not_an_error(client, org):
    quiz = QuizFactory()
    question_with_choices(quiz, [True, False])
    attempt = attempt_start(user=org.rep, quiz=quiz)
    as_user(client, org.rep)
    data = answers_form(attempt, right=True)
    client.post(f"/learn/attempts/{attempt.pk}/submit/", data)

    response = client.post(f"/learn/attempts/{attempt.pk}/submit/", data, follow=True)
    assert response.status_code == 200
    assert "already been submitted" in response.content.decode()

    response = client.post(f"/learn/attempts/{attempt.pk}/submit/", data, **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/learn/attempts/{attempt.pk}/"
    assert "already been submitted" in client.get(response["HX-Redirect"]).content.decode()


def test_a_choice_from_another_question_is_refused_with_a_message(client, org):
    quiz = QuizFactory()
    asked = question_with_choices(quiz, [True, False])
    other = question_with_choices(QuizFactory(), [True, False])
    attempt = attempt_start(user=org.rep, quiz=quiz)

    response = as_user(client, org.rep).post(
        f"/learn/attempts/{attempt.pk}/submit/",
        {f"question_{asked.pk}": [other.choices.first().pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "not one of its question" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_no_attempts_left_is_a_message_on_the_quiz_page(client, org):
    quiz = QuizFactory(max_attempts=1)
    question_with_choices(quiz, [True, False])
    attempt_submit(attempt=attempt_start(user=org.rep, quiz=quiz), answers=[])

    response = as_user(client, org.rep).post(f"/learn/quizzes/{quiz.pk}/start/", follow=True)

    assert response.redirect_chain[-1][0] == f"/learn/quizzes/{quiz.pk}/"
    html = response.content.decode()
    assert "used all 1 attempts" in html
    assert "Try again" not in html and "Start the quiz" not in html


def test_a_rep_cannot_open_or_submit_another_reps_attempt(client, org):
    quiz = QuizFactory()
    question_with_choices(quiz, [True, False])
    theirs = attempt_start(user=org.other_rep, quiz=quiz)
    as_user(client, org.rep)
    assert client.get(f"/learn/attempts/{theirs.pk}/").status_code == 404
    assert client.post(f"/learn/attempts/{theirs.pk}/submit/", {}).status_code == 404
    # Not even their manager reads the attempt itself.
    as_user(client, org.other_manager)
    assert client.get(f"/learn/attempts/{theirs.pk}/").status_code == 404


# --- team training -----------------------------------------------------------------------------


def test_the_team_page_is_404_for_a_rep(client, org):
    as_user(client, org.rep)
    assert client.get("/learn/team/").status_code == 404
    assert client.post("/learn/team/", {}).status_code == 404


def test_the_team_page_shows_only_the_managers_own_team_with_overdue_highlighted(client, org):
    course = CourseFactory(title="Objection handling")
    build_module(course=course, lessons=2, questions=0)
    Enrolment.objects.create(
        user=org.rep, course=course, due_date=timezone.localdate() - dt.timedelta(days=2)
    )
    Enrolment.objects.create(user=org.other_rep, course=course)

    html = as_user(client, org.manager).get("/learn/team/").content.decode()

    assert str(org.rep) in html and "Objection handling" in html
    assert "Overdue" in html and 'class="overdue"' in html
    assert str(org.other_rep) not in html
    assert f'<option value="{org.rep.pk}">' in html
    assert f'<option value="{org.other_rep.pk}">' not in html


def test_an_admin_sees_everyone_on_the_team_page(client, org):
    html = as_user(client, org.admin).get("/learn/team/").content.decode()
    assert str(org.rep) in html and str(org.other_rep) in html


def test_a_manager_assigns_a_course_through_the_form(client, org):
    course = CourseFactory(title="Closing")
    due = timezone.localdate() + dt.timedelta(days=14)
    response = as_user(client, org.manager).post(
        "/learn/team/", {"rep": org.rep.pk, "course": course.pk, "due_date": due.isoformat()}
    )
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(user=org.rep, course=course)
    assert enrolment.due_date == due and enrolment.assigned_by == org.manager
    page = client.get(response["Location"]).content.decode()
    assert f"Assigned Closing to {org.rep}" in page


def test_assigning_with_htmx_returns_the_refreshed_team_partial(client, org):
    course = CourseFactory(title="Prospecting")
    response = as_user(client, org.manager).post(
        "/learn/team/", {"rep": org.rep.pk, "course": course.pk, "due_date": ""}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f"Assigned Prospecting to {org.rep}" in html
    assert "<td>Prospecting" in html


def test_assigning_with_a_past_due_date_shows_the_error(client, org):
    course = CourseFactory()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = as_user(client, org.manager).post(
        "/learn/team/", {"rep": org.rep.pk, "course": course.pk, "due_date": yesterday.isoformat()}
    )
    assert response.status_code == 200
    assert "The due date is in the past" in response.content.decode()
    assert not Enrolment.objects.filter(user=org.rep).exists()


def test_assigning_to_someone_outside_the_team_is_refused(client, org):
    course = CourseFactory()
    response = as_user(client, org.manager).post(
        "/learn/team/", {"rep": org.other_rep.pk, "course": course.pk}
    )
    assert response.status_code == 200
    assert "Choose someone in your team" in response.content.decode()
    assert not Enrolment.objects.filter(user=org.other_rep).exists()


def test_an_empty_assignment_says_what_is_missing(client, org):
    response = as_user(client, org.manager).post("/learn/team/", {})
    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") == 2


def test_assigning_a_draft_course_is_refused(client, org):
    draft = CourseFactory(status=Course.Status.DRAFT)
    response = as_user(client, org.manager).post(
        "/learn/team/", {"rep": org.rep.pk, "course": draft.pk}
    )
    assert "Choose a published course" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_the_nav_offers_team_training_to_managers_only(client, org):
    assert b"Team training" not in as_user(client, org.rep).get("/learn/").content
    assert b"Team training" in as_user(client, org.manager).get("/learn/").content


# --- query budgets -----------------------------------------------------------------------------


def enrolled_courses(rep, manager, count: int) -> list[Course]:
    courses = []
    for _ in range(count):
        course = CourseFactory()
        module = build_module(course=course, lessons=2, questions=2)
        build_module(course=course, lessons=1, questions=0)
        enrolment_assign(actor=manager, user=rep, course=course)
        lesson_complete(user=rep, lesson=module.lessons.first())
        attempt_submit(attempt=attempt_start(user=rep, quiz=module.quiz), answers=[])
        courses.append(course)
    CourseFactory()  # one more to start
    return courses


def test_my_learning_costs_the_same_queries_for_one_course_or_ten(client, org):
    as_user(client, org.rep)
    enrolled_courses(org.rep, org.manager, 1)
    one = queries_for(client, "/learn/")
    enrolled_courses(org.rep, org.manager, 9)
    assert queries_for(client, "/learn/") == one <= 14


def test_the_course_page_costs_the_same_queries_for_one_module_or_ten(client, org):
    course = CourseFactory()
    module = build_module(course=course, lessons=2, questions=2)
    lesson_complete(user=org.rep, lesson=module.lessons.first())
    as_user(client, org.rep)
    one = queries_for(client, f"/learn/courses/{course.pk}/")
    for _ in range(9):
        extra = build_module(course=course, lessons=2, questions=1)
        lesson_complete(user=org.rep, lesson=extra.lessons.first())
    assert queries_for(client, f"/learn/courses/{course.pk}/") == one <= 14


def test_the_team_page_costs_the_same_queries_for_one_course_or_ten(client, org):
    as_user(client, org.manager)
    enrolled_courses(org.rep, org.manager, 1)
    one = queries_for(client, "/learn/team/")
    enrolled_courses(org.rep, org.manager, 9)
    for _ in range(3):
        enrolled_courses(RepFactory(manager=org.manager), org.manager, 2)
    assert queries_for(client, "/learn/team/") == one <= 14


def test_an_admin_assigns_a_course_to_a_whole_team_from_the_team_page(client):
    from lms.models import Enrolment
    from tests.factories import AdminFactory, CourseFactory, ManagerFactory, RepFactory

    manager = ManagerFactory()
    reps = [RepFactory(manager=manager) for _ in range(3)]
    outsider = RepFactory()
    course = CourseFactory()
    client.force_login(AdminFactory())
    page = client.get("/learn/team/")
    assert b"Assign a course to a whole team" in page.content
    response = client.post(
        "/learn/team/assign-team/",
        {"team-manager": manager.pk, "team-course": course.pk},
        follow=True,
    )
    assert b"to 3 people" in response.content
    assert set(Enrolment.objects.filter(course=course).values_list("user", flat=True)) == {
        rep.pk for rep in reps
    }
    assert not Enrolment.objects.filter(user=outsider).exists()


def test_assigning_a_whole_team_is_for_admins_only(client):
    from lms.models import Enrolment
    from tests.factories import CourseFactory, ManagerFactory, RepFactory

    manager = ManagerFactory()
    RepFactory(manager=manager)
    client.force_login(manager)
    assert b"whole team" not in client.get("/learn/team/").content
    course = CourseFactory()
    response = client.post(
        "/learn/team/assign-team/", {"team-manager": manager.pk, "team-course": course.pk}
    )
    assert response.status_code == 404
    assert not Enrolment.objects.exists()


def test_a_past_due_date_for_a_whole_team_writes_nothing(client):
    import datetime as dt

    from lms.models import Enrolment
    from tests.factories import AdminFactory, CourseFactory, ManagerFactory, RepFactory

    manager = ManagerFactory()
    RepFactory(manager=manager)
    client.force_login(AdminFactory())
    response = client.post(
        "/learn/team/assign-team/",
        {
            "team-manager": manager.pk,
            "team-course": CourseFactory().pk,
            "team-due_date": dt.date(2020, 1, 1),
        },
        follow=True,
    )
    assert b"in the past" in response.content
    assert not Enrolment.objects.exists()
