"""A recommendation that assigns a course: the coach picks the due date (two weeks ahead is
offered), and a course the rep already has open is left as it is, with a message saying so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lms.models import Enrolment
from lms.services import attempt_start, attempt_submit, enrolment_assign
from tests.coaching.factories import wrong_answers
from tests.factories import CourseFactory, ManagerFactory, RepFactory, SkillFactory, build_module

pytestmark = pytest.mark.django_db


def in_days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def gap():
    """A rep who failed the closing quiz: a training gap whose action assigns its course."""
    manager = ManagerFactory()
    rep = RepFactory(manager=manager, first_name="John", last_name="Miller")
    skill = SkillFactory(slug="closing", name="Closing")
    course = CourseFactory(title="Closing Through Clear Commitments")
    module = build_module(course=course, skill=skill, questions=5)
    build_module(course=course, skill=SkillFactory(), questions=1)
    attempt = attempt_start(user=rep, quiz=module.quiz)
    attempt_submit(attempt=attempt, answers=wrong_answers(attempt, 4))
    return manager, rep, skill, course


def act(client, manager, rep, skill, **data):
    client.force_login(manager)
    return client.post(
        f"/coaching/dashboard/act/{rep.pk}/{skill.pk}/",
        {"kind": "assign_module", **data},
        headers={"HX-Request": "true"},
    )


def test_the_dashboard_offers_a_due_date_two_weeks_ahead(client, gap):
    manager, *_ = gap
    client.force_login(manager)
    body = client.get("/coaching/dashboard/").content.decode()
    assert f'name="due_date" value="{in_days(14).isoformat()}"' in body


def test_the_course_is_assigned_due_on_the_date_the_coach_chose(client, gap):
    manager, rep, skill, course = gap
    response = act(client, manager, rep, skill, due_date=in_days(10).isoformat())
    assert response.status_code == 200
    enrolment = Enrolment.objects.get(user=rep, course=course)
    assert (enrolment.due_date, enrolment.assigned_by) == (in_days(10), manager)
    assert "Assigned “Closing Through Clear Commitments”" in response.content.decode()


def test_a_course_the_rep_already_has_open_is_left_as_it_is(client, gap):
    manager, rep, skill, course = gap
    enrolment_assign(actor=manager, user=rep, course=course, due_date=in_days(3))
    response = act(client, manager, rep, skill, due_date=in_days(20).isoformat())
    body = response.content.decode()
    assert "already has “Closing Through Clear Commitments” open" in body
    assert "nothing changed" in body and "✓" not in body
    assert Enrolment.objects.get(user=rep, course=course).due_date == in_days(3)


def test_without_htmx_an_action_that_changed_nothing_says_so(client, gap):
    manager, rep, skill, course = gap
    enrolment_assign(actor=manager, user=rep, course=course, due_date=in_days(3))
    client.force_login(manager)
    response = client.post(
        f"/coaching/dashboard/act/{rep.pk}/{skill.pk}/", {"kind": "assign_module"}, follow=True
    )
    assert "nothing changed" in response.content.decode()
    assert Enrolment.objects.get(user=rep, course=course).due_date == in_days(3)


@pytest.mark.parametrize(
    ("due_date", "message"),
    [("yesterday", "Enter the due date as a date."), ("past", "The due date is in the past")],
)
def test_a_due_date_that_is_no_date_or_has_passed_assigns_nothing(client, gap, due_date, message):
    manager, rep, skill, course = gap
    value = in_days(-1).isoformat() if due_date == "past" else due_date
    response = act(client, manager, rep, skill, due_date=value)
    assert message in response.content.decode()
    assert not Enrolment.objects.filter(user=rep, course=course, assigned_by=manager).exists()
