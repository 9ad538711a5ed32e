"""Training without dead ends: extra attempts, the answer review policy, unanswered questions,
courses taken down mid-way and the way on after a pass. Services, API and pages."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from coaching.models import CoachingSession, Notification, Reminder
from coaching.reminders.outbox import reminders_deliver
from config.errors import Conflict, DomainError
from lms.models import (
    Course,
    ExtraAttemptGrant,
    ExtraAttemptRequest,
    LessonProgress,
    ModuleCompletion,
    Quiz,
    QuizAttempt,
)
from lms.selectors.quizzes import attempt_sheet, attempt_tally, attempts_left
from lms.services import (
    attempt_start,
    attempt_submit,
    extra_attempts_ask,
    extra_attempts_grant,
    lesson_complete,
)
from tests.conftest import api_as
from tests.factories import RepFactory, build_module, correct_answers
from tests.lms.test_course_files import GOOD, import_files, write

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
Policy = Quiz.ReviewPolicy


def fail(user, quiz) -> QuizAttempt:
    attempt = attempt_start(user=user, quiz=quiz)
    attempt_submit(attempt=attempt, answers=[])
    return attempt


def pass_(user, quiz) -> QuizAttempt:
    attempt = attempt_start(user=user, quiz=quiz)
    attempt_submit(attempt=attempt, answers=correct_answers(attempt))
    attempt.refresh_from_db()
    return attempt


def used_up(user, *, max_attempts: int = 1, **quiz_kwargs) -> Quiz:
    quiz = build_module(lessons=0, questions=2, max_attempts=max_attempts, **quiz_kwargs).quiz
    for _ in range(max_attempts):
        fail(user, quiz)
    return quiz


def reminders(kind: str, recipient) -> list[Reminder]:
    return list(Reminder.objects.filter(kind=kind, recipient=recipient))


# --- extra attempts: services ------------------------------------------------------------------


def test_failing_the_last_attempt_tells_the_manager_in_app_and_by_email(org):
    quiz = build_module(lessons=0, questions=2, max_attempts=2).quiz
    fail(org.rep, quiz)
    assert not reminders(Reminder.Kind.QUIZ_ATTEMPTS_USED_UP, org.manager)
    last = fail(org.rep, quiz)

    told = reminders(Reminder.Kind.QUIZ_ATTEMPTS_USED_UP, org.manager)
    assert {r.channel for r in told} == {Reminder.Channel.IN_APP, Reminder.Channel.EMAIL}
    assert all(str(org.rep) in r.payload["title"] for r in told)
    assert all(r.payload["url"] == "/learn/team/#extra-attempts" for r in told)
    assert all(f":{last.pk}:" in r.dedupe_key for r in told)


def test_passing_on_the_last_attempt_tells_nobody(org):
    quiz = build_module(lessons=0, questions=2, max_attempts=1).quiz
    pass_(org.rep, quiz)
    assert not Reminder.objects.filter(kind=Reminder.Kind.QUIZ_ATTEMPTS_USED_UP).exists()


def test_a_grant_counts_in_attempts_left_everywhere(org, client):
    quiz = used_up(org.rep, max_attempts=2)
    assert attempts_left(user=org.rep, quiz=quiz) == 0
    with pytest.raises(DomainError, match="used all 2 attempts"):
        attempt_start(user=org.rep, quiz=quiz)

    grant = extra_attempts_grant(actor=org.manager, user=org.rep, quiz=quiz, attempts=2)

    assert (grant.granted_by, grant.attempts, grant.user) == (org.manager, 2, org.rep)
    assert grant.granted_at <= timezone.now()
    assert attempts_left(user=org.rep, quiz=quiz) == 2
    client.force_login(org.rep)
    course_page = client.get(f"/learn/courses/{quiz.module.course_id}/").content.decode()
    assert "2 attempts left" in course_page
    quiz_page = client.get(f"/learn/quizzes/{quiz.pk}/").content.decode()
    assert "2 of 4 attempts left" in quiz_page and "Try again" in quiz_page
    fail(org.rep, quiz)
    assert attempts_left(user=org.rep, quiz=quiz) == 1


def test_grants_add_up(org):
    quiz = used_up(org.rep)
    extra_attempts_grant(actor=org.manager, user=org.rep, quiz=quiz, attempts=1)
    extra_attempts_grant(actor=org.admin, user=org.rep, quiz=quiz, attempts=3)
    assert attempt_tally(user=org.rep, quiz=quiz).granted == 4
    assert attempts_left(user=org.rep, quiz=quiz) == 4


@pytest.mark.parametrize("granter", ["manager", "admin"])
def test_the_manager_or_an_admin_may_grant_and_the_rep_is_told(org, granter):
    quiz = used_up(org.rep)
    extra_attempts_grant(actor=getattr(org, granter), user=org.rep, quiz=quiz, attempts=1)
    told = reminders(Reminder.Kind.EXTRA_ATTEMPTS_GRANTED, org.rep)
    assert {r.channel for r in told} == {Reminder.Channel.IN_APP, Reminder.Channel.EMAIL}
    assert all(r.payload["url"] == f"/learn/quizzes/{quiz.pk}/" for r in told)
    assert str(getattr(org, granter)) in told[0].payload["title"]


@pytest.mark.parametrize("granter", ["other_manager", "rep", "other_rep"])
def test_nobody_else_may_grant(org, granter):
    quiz = used_up(org.rep)
    with pytest.raises(DomainError, match="only to people who report to you"):
        extra_attempts_grant(actor=getattr(org, granter), user=org.rep, quiz=quiz, attempts=1)
    assert not ExtraAttemptGrant.objects.exists()


def test_a_former_manager_may_not_grant(org):
    quiz = used_up(org.rep)
    org.rep.manager = org.other_manager
    org.rep.save(update_fields=["manager"])
    with pytest.raises(DomainError):
        extra_attempts_grant(actor=org.manager, user=org.rep, quiz=quiz, attempts=1)


@pytest.mark.parametrize("attempts", [0, -1, 11, "2", 1.5, True, None])
def test_a_grant_must_be_a_sensible_whole_number(org, attempts):
    quiz = used_up(org.rep)
    with pytest.raises(DomainError, match="from 1 to 10"):
        extra_attempts_grant(actor=org.manager, user=org.rep, quiz=quiz, attempts=attempts)
    assert not ExtraAttemptGrant.objects.exists()


def test_asking_tells_the_manager_once_and_the_grant_answers_it(org):
    quiz = used_up(org.rep)
    request, created = extra_attempts_ask(user=org.rep, quiz=quiz)
    again, created_again = extra_attempts_ask(user=org.rep, quiz=quiz)

    assert (created, created_again) == (True, False)
    assert again.pk == request.pk and request.asked == org.manager
    assert len(reminders(Reminder.Kind.EXTRA_ATTEMPTS_ASKED, org.manager)) == 2  # in-app, email

    grant = extra_attempts_grant(actor=org.manager, user=org.rep, quiz=quiz, attempts=1)
    request.refresh_from_db()
    assert request.grant == grant


def test_asking_again_after_a_grant_runs_out_opens_a_new_request(org):
    quiz = used_up(org.rep)
    extra_attempts_ask(user=org.rep, quiz=quiz)
    extra_attempts_grant(actor=org.manager, user=org.rep, quiz=quiz, attempts=1)
    fail(org.rep, quiz)
    _, created = extra_attempts_ask(user=org.rep, quiz=quiz)
    assert created and ExtraAttemptRequest.objects.filter(user=org.rep).count() == 2


def test_asking_with_attempts_left_or_after_a_pass_is_refused(org):
    quiz = build_module(lessons=0, questions=2, max_attempts=2).quiz
    fail(org.rep, quiz)
    with pytest.raises(DomainError, match="still have 1 attempt"):
        extra_attempts_ask(user=org.rep, quiz=quiz)
    pass_(org.rep, quiz)
    with pytest.raises(DomainError, match="passed this quiz already"):
        extra_attempts_ask(user=org.rep, quiz=quiz)
    assert not ExtraAttemptRequest.objects.exists()


def test_a_rep_without_a_manager_is_told_an_admin_can_help(db):
    rep = RepFactory(manager=None)
    quiz = used_up(rep)
    with pytest.raises(DomainError, match="an admin can give you more"):
        extra_attempts_ask(user=rep, quiz=quiz)


# --- extra attempts: API -----------------------------------------------------------------------


def grant_api(user, quiz, body):
    return api_as(user).post(f"/api/v1/quizzes/{quiz.pk}/extra-attempts/", body, format="json")


@pytest.mark.parametrize("granter", ["manager", "admin"])
def test_the_api_grants_attempts(org, granter):
    quiz = used_up(org.rep)
    response = grant_api(getattr(org, granter), quiz, {"user": org.rep.pk, "attempts": 2})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["user"], body["quiz"], body["attempts"]) == (org.rep.pk, quiz.pk, 2)
    assert body["granted_by"] == getattr(org, granter).pk and body["attempts_left"] == 2


@pytest.mark.parametrize(
    ("caller", "person"),
    [
        ("rep", "rep"),
        ("other_rep", "rep"),
        ("other_manager", "rep"),  # not their rep
        ("manager", "other_rep"),  # someone else's rep
        ("manager", "other_manager"),
    ],
)
def test_the_api_answers_404_to_anyone_but_the_reps_manager_or_an_admin(org, caller, person):
    quiz = used_up(org.rep)
    response = grant_api(
        getattr(org, caller), quiz, {"user": getattr(org, person).pk, "attempts": 1}
    )
    assert response.status_code == 404
    assert "message" in response.json()
    assert not ExtraAttemptGrant.objects.exists()


def test_the_api_answers_404_for_an_unknown_quiz(org):
    response = api_as(org.manager).post(
        "/api/v1/quizzes/999999/extra-attempts/", {"user": org.rep.pk, "attempts": 1}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("attempts", [0, -3, 11, "two", 2.5, None])
def test_the_api_refuses_a_bad_number_with_a_message(org, attempts):
    quiz = used_up(org.rep)
    response = grant_api(org.manager, quiz, {"user": org.rep.pk, "attempts": attempts})
    assert response.status_code == 400
    assert response.json()["message"]
    assert not ExtraAttemptGrant.objects.exists()


# --- review policy -----------------------------------------------------------------------------


def key_shown(user, quiz) -> bool:
    attempt = QuizAttempt.objects.filter(user=user, quiz=quiz).order_by("-number").first()
    return attempt_sheet(attempt=attempt).key_shown


@pytest.mark.parametrize(
    ("policy", "after_fail", "after_exhausted", "after_pass"),
    [
        (Policy.AFTER_ATTEMPT, True, True, True),
        (Policy.ONCE_PASSED, False, False, True),
        (Policy.PASSED_OR_EXHAUSTED, False, True, True),
    ],
)
def test_the_review_policy_decides_when_the_key_is_shown(
    org, policy, after_fail, after_exhausted, after_pass
):
    quiz = build_module(lessons=0, questions=2, max_attempts=2, review_policy=policy).quiz
    fail(org.rep, quiz)
    assert key_shown(org.rep, quiz) is after_fail
    fail(org.rep, quiz)
    assert key_shown(org.rep, quiz) is after_exhausted

    other = build_module(lessons=0, questions=2, max_attempts=2, review_policy=policy).quiz
    pass_(org.rep, other)
    assert key_shown(org.rep, other) is after_pass


def test_the_default_policy_is_once_passed_or_exhausted(db):
    assert build_module(lessons=0).quiz.review_policy == Policy.PASSED_OR_EXHAUSTED


def test_a_failed_attempt_shows_what_was_missed_and_why_but_not_the_key_on_the_page(client, org):
    quiz = build_module(lessons=0, questions=2, max_attempts=3).quiz
    attempt = attempt_start(user=org.rep, quiz=quiz)
    client.force_login(org.rep)
    response = client.post(f"/learn/attempts/{attempt.pk}/submit/", {"submit_anyway": "1"}, **HTMX)
    html = response.content.decode()
    assert "Missed" in html and "Because." in html
    assert "correct answer" not in html and 'class="choice correct"' not in html
    assert "right answers are shown once you pass or have used all your attempts" in html


def test_the_api_withholds_the_key_by_policy_and_keeps_the_shape(org):
    quiz = build_module(lessons=0, questions=2, max_attempts=2).quiz
    client = api_as(org.rep)
    first = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    result = client.post(f"/api/v1/attempts/{first['id']}/submit/", {"answers": []}).json()
    assert result["correct_choices_shown"] is False
    assert all(r["correct_choices"] is None for r in result["results"])
    assert all(
        r["explanation"] == "Because." and r["is_correct"] is False for r in result["results"]
    )
    detail = client.get(f"/api/v1/attempts/{first['id']}/").json()
    assert detail["correct_choices_shown"] is False
    assert all(q["correct_choices"] is None for q in detail["questions"])

    second = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    result = client.post(f"/api/v1/attempts/{second['id']}/submit/", {"answers": []}).json()
    assert result["correct_choices_shown"] is True
    assert all(len(r["correct_choices"]) == 1 for r in result["results"])
    # Out of attempts, the earlier attempt shows the key too.
    assert client.get(f"/api/v1/attempts/{first['id']}/").json()["correct_choices_shown"] is True


# --- unanswered questions ----------------------------------------------------------------------


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "no-js"])
def test_unanswered_questions_are_confirmed_before_submitting(client, org, headers):
    quiz = build_module(lessons=0, questions=3).quiz
    attempt = attempt_start(user=org.rep, quiz=quiz)
    first = correct_answers(attempt)[0]
    picked = {f"question_{first['question']}": first["choices"]}
    client.force_login(org.rep)

    response = client.post(f"/learn/attempts/{attempt.pk}/submit/", picked, **headers)

    html = response.content.decode()
    assert response.status_code == 200
    assert "2 questions unanswered: submit anyway?" in html
    assert f'value="{first["choices"][0]}" checked' in html  # the answer given is kept
    attempt.refresh_from_db()
    assert attempt.submitted_at is None

    response = client.post(
        f"/learn/attempts/{attempt.pk}/submit/", {**picked, "submit_anyway": "1"}, **headers
    )
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.score == 33


def test_the_api_accepts_unanswered_questions_at_once(org):
    quiz = build_module(lessons=0, questions=2).quiz
    client = api_as(org.rep)
    attempt = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    response = client.post(f"/api/v1/attempts/{attempt['id']}/submit/", {"answers": []})
    assert response.status_code == 200 and response.json()["score"] == 0


# --- a course taken down mid-way ---------------------------------------------------------------


@pytest.mark.parametrize("status", [Course.Status.DRAFT, Course.Status.ARCHIVED])
def test_an_open_attempt_of_a_course_taken_down_cannot_complete_the_module(org, status):
    module = build_module(lessons=0, questions=2)
    attempt = attempt_start(user=org.rep, quiz=module.quiz)
    Course.objects.filter(pk=module.course_id).update(status=status)
    attempt.quiz.module.course.refresh_from_db()
    with pytest.raises(Conflict, match="not published"):
        attempt_submit(attempt=attempt, answers=correct_answers(attempt))
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert not ModuleCompletion.objects.exists()


@pytest.mark.parametrize("status", [Course.Status.DRAFT, Course.Status.ARCHIVED])
def test_a_lesson_of_a_course_taken_down_cannot_complete_the_module(org, status):
    module = build_module(lessons=2, questions=0)
    first, last = module.lessons.order_by("position")
    lesson_complete(user=org.rep, lesson=first)
    Course.objects.filter(pk=module.course_id).update(status=status)
    last.refresh_from_db()
    with pytest.raises(Conflict, match="not published"):
        lesson_complete(user=org.rep, lesson=last)
    assert not ModuleCompletion.objects.exists()


@pytest.mark.parametrize("status", [Course.Status.DRAFT, Course.Status.ARCHIVED])
def test_the_api_answers_409_for_a_course_taken_down(org, status):
    module = build_module(lessons=1, questions=2)
    lesson = module.lessons.get()
    client = api_as(org.rep)
    attempt = client.post(f"/api/v1/quizzes/{module.quiz.pk}/attempts/").json()
    Course.objects.filter(pk=module.course_id).update(status=status)

    submitted = client.post(f"/api/v1/attempts/{attempt['id']}/submit/", {"answers": []})
    completed = client.post(f"/api/v1/lessons/{lesson.pk}/complete/")

    assert submitted.status_code == 409 and "not published" in submitted.json()["message"]
    assert completed.status_code == 409 and "not published" in completed.json()["message"]
    assert not LessonProgress.objects.exists() and not ModuleCompletion.objects.exists()


def test_the_page_says_why_an_attempt_of_an_archived_course_cannot_count(client, org):
    module = build_module(lessons=0, questions=2)
    attempt = attempt_start(user=org.rep, quiz=module.quiz)
    Course.objects.filter(pk=module.course_id).update(status=Course.Status.ARCHIVED)
    client.force_login(org.rep)

    page = client.get(f"/learn/attempts/{attempt.pk}/").content.decode()
    assert "not published any more" in page and "Submit answers" not in page
    response = client.post(
        f"/learn/attempts/{attempt.pk}/submit/", {"submit_anyway": "1"}, follow=True
    )
    assert response.status_code == 200
    assert "archived and not published any more" in response.content.decode()


# --- pages: the way forward --------------------------------------------------------------------


def test_a_rep_out_of_attempts_sees_whom_to_ask_asks_once_and_sees_it(client, org):
    quiz = used_up(org.rep)
    client.force_login(org.rep)
    page = client.get(f"/learn/quizzes/{quiz.pk}/").content.decode()
    assert f"Your manager, {org.manager}, can give you more attempts." in page
    assert "Try again" not in page

    response = client.post(f"/learn/quizzes/{quiz.pk}/ask/", **HTMX)
    assert "You asked" in response.content.decode() and "<html" not in response.content.decode()
    client.post(f"/learn/quizzes/{quiz.pk}/ask/")
    assert ExtraAttemptRequest.objects.count() == 1
    assert len(reminders(Reminder.Kind.EXTRA_ATTEMPTS_ASKED, org.manager)) == 2
    page = client.get(f"/learn/quizzes/{quiz.pk}/").content.decode()
    assert f"You asked {org.manager} for more attempts on" in page


def test_the_manager_grants_from_the_team_page(client, org):
    quiz = used_up(org.rep)
    extra_attempts_ask(user=org.rep, quiz=quiz)
    client.force_login(org.manager)
    page = client.get("/learn/team/").content.decode()
    assert 'id="extra-attempts"' in page and str(org.rep) in page and "Asked you on" in page

    response = client.post(
        "/learn/team/extra-attempts/",
        {"user": org.rep.pk, "quiz": quiz.pk, "attempts": 2},
        follow=True,
    )
    assert "has 2 more attempts" in response.content.decode()
    assert attempts_left(user=org.rep, quiz=quiz) == 2
    assert "Nobody is out of attempts" in client.get("/learn/team/").content.decode()

    client.force_login(org.rep)
    page = client.get(f"/learn/quizzes/{quiz.pk}/").content.decode()
    assert f"{org.manager} gave you 2 more attempts" in page and "Try again" in page


def test_another_manager_cannot_grant_from_the_page(client, org):
    quiz = used_up(org.rep)
    client.force_login(org.other_manager)
    response = client.post(
        "/learn/team/extra-attempts/", {"user": org.rep.pk, "quiz": quiz.pk, "attempts": 2}
    )
    assert response.status_code == 404
    assert not ExtraAttemptGrant.objects.exists()


def test_a_bad_number_on_the_page_is_a_message(client, org):
    quiz = used_up(org.rep)
    client.force_login(org.manager)
    response = client.post(
        "/learn/team/extra-attempts/",
        {"user": org.rep.pk, "quiz": quiz.pk, "attempts": 50},
        follow=True,
    )
    assert "from 1 to 10" in response.content.decode()
    assert not ExtraAttemptGrant.objects.exists()


def test_the_notification_leads_the_manager_to_the_grant(client, org):
    used_up(org.rep)
    reminder = Reminder.objects.get(
        kind=Reminder.Kind.QUIZ_ATTEMPTS_USED_UP, channel=Reminder.Channel.IN_APP
    )
    url, anchor = reminder.payload["url"].split("#")
    client.force_login(org.manager)
    assert f'id="{anchor}"' in client.get(url).content.decode()


@pytest.mark.parametrize("people", [1, 4])
def test_the_team_page_costs_the_same_however_many_are_out_of_attempts(
    client, org, people, django_assert_max_num_queries
):
    for _ in range(people):
        used_up(RepFactory(manager=org.manager))
    client.force_login(org.manager)
    with django_assert_max_num_queries(14):
        assert client.get("/learn/team/").status_code == 200


def test_quiz_and_attempt_pages_stay_within_their_query_budget(
    client, org, django_assert_max_num_queries
):
    quiz = used_up(org.rep)
    extra_attempts_ask(user=org.rep, quiz=quiz)
    attempt = QuizAttempt.objects.filter(user=org.rep).first()
    client.force_login(org.rep)
    with django_assert_max_num_queries(12):
        assert client.get(f"/learn/quizzes/{quiz.pk}/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/learn/attempts/{attempt.pk}/").status_code == 200


# --- after passing -----------------------------------------------------------------------------


def test_after_a_pass_the_result_names_the_session_time_and_try_again_is_not_the_main_button(
    client, org
):
    org.rep.timezone = "Europe/Berlin"
    org.rep.save(update_fields=["timezone"])
    module = build_module(lessons=0, questions=2)
    attempt = attempt_start(user=org.rep, quiz=module.quiz)
    client.force_login(org.rep)
    data = {f"question_{a['question']}": a["choices"] for a in correct_answers(attempt)}

    html = client.post(f"/learn/attempts/{attempt.pk}/submit/", data, **HTMX).content.decode()

    session = CoachingSession.objects.get(rep=org.rep)
    local = timezone.localtime(session.scheduled_for, org.rep.tzinfo)
    assert f"{local:%H:%M} {local.tzname()}" in html
    assert f'href="/coaching/sessions/{session.pk}/"' in html
    assert 'class="button primary" href="/learn/courses/' in html
    assert 'class="primary">Try again' not in html


def test_a_completed_course_says_so_with_a_next_step(client, org):
    module = build_module(lessons=1, questions=0)
    lesson_complete(user=org.rep, lesson=module.lessons.get())
    client.force_login(org.rep)
    html = client.get(f"/learn/courses/{module.course_id}/").content.decode()
    assert "Course complete." in html and "pick your next course" in html


# --- course files carry the review policy ------------------------------------------------------


def test_a_course_file_may_set_the_review_policy_and_the_export_keeps_it(tmp_path):
    with_policy = GOOD.replace(
        "    questions_per_attempt: null\n",
        "    questions_per_attempt: null\n        review_policy: once_passed\n",
    )
    assert "review_policy: once_passed" in with_policy
    import_files(write(tmp_path, "discovery.yaml", with_policy))
    quiz = Quiz.objects.get(module__slug="opening")
    assert quiz.review_policy == Policy.ONCE_PASSED

    out = io.StringIO()
    call_command("export_course", "discovery-basics", stdout=out)
    assert "review_policy: once_passed" in out.getvalue()


def test_a_course_file_without_a_review_policy_gets_the_default(tmp_path):
    import_files(write(tmp_path, "discovery.yaml", GOOD))
    assert Quiz.objects.get(module__slug="opening").review_policy == Policy.PASSED_OR_EXHAUSTED


def test_an_unknown_review_policy_is_refused_with_its_line(tmp_path):
    bad = GOOD.replace(
        "    questions_per_attempt: null\n",
        "    questions_per_attempt: null\n        review_policy: never\n",
    )
    with pytest.raises(CommandError, match=r"review_policy: must be one of after_attempt"):
        import_files(write(tmp_path, "discovery.yaml", bad))
    assert not Quiz.objects.exists()


def test_the_outbox_delivers_the_used_up_notice_to_the_bell_and_by_email(org, mailoutbox):
    org.manager.email = "maria@example.com"
    org.manager.save(update_fields=["email"])
    used_up(org.rep)
    due = Reminder.objects.filter(kind=Reminder.Kind.QUIZ_ATTEMPTS_USED_UP)
    reminders_deliver(reminder_ids=list(due.values_list("pk", flat=True)))

    notification = Notification.objects.get(recipient=org.manager)
    assert str(org.rep) in notification.title
    assert notification.url == "/learn/team/#extra-attempts"
    (email,) = mailoutbox
    assert email.to == ["maria@example.com"] and str(org.rep) in email.subject
    assert "/learn/team/#extra-attempts" in email.body


def test_marking_a_lesson_of_an_archived_course_says_why_on_my_learning(client, org):
    module = build_module(lessons=2, questions=0)
    first, last = module.lessons.order_by("position")
    lesson_complete(user=org.rep, lesson=first)
    Course.objects.filter(pk=module.course_id).update(status=Course.Status.ARCHIVED)
    client.force_login(org.rep)

    response = client.post(f"/learn/lessons/{last.pk}/complete/", follow=True)

    assert response.redirect_chain[-1][0] == "/learn/"
    assert "archived and not published any more" in response.content.decode()
    assert not LessonProgress.objects.filter(lesson=last).exists()
