"""Assigning a course again: a due date given moves it, none given keeps the one set."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lms.models import Enrolment
from tests.conftest import api_as
from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


def in_days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def assign_by_api(manager, rep, course, **extra):
    return api_as(manager).post(
        "/api/v1/enrolments/", {"course": course.pk, "user": rep.pk, **extra}, format="json"
    )


def test_reassigning_by_api_without_a_due_date_keeps_the_one_set(org):
    course = CourseFactory()
    assert assign_by_api(org.manager, org.rep, course, due_date=in_days(10)).status_code == 201
    again = assign_by_api(org.manager, org.rep, course)
    assert again.status_code == 201
    assert again.json()["due_date"] == in_days(10).isoformat()
    assert Enrolment.objects.get(user=org.rep, course=course).due_date == in_days(10)


def test_reassigning_by_api_with_a_due_date_moves_it(org):
    course = CourseFactory()
    assign_by_api(org.manager, org.rep, course, due_date=in_days(10))
    assign_by_api(org.manager, org.rep, course, due_date=in_days(20))
    assert Enrolment.objects.get(user=org.rep, course=course).due_date == in_days(20)


def test_reassigning_on_the_team_page_without_a_due_date_keeps_the_one_set(client, org):
    course = CourseFactory()
    client.force_login(org.manager)
    post = {"rep": org.rep.pk, "course": course.pk}
    assert client.post("/learn/team/", {**post, "due_date": in_days(5)}).status_code == 302
    assert client.post("/learn/team/", {**post, "due_date": ""}).status_code == 302
    enrolment = Enrolment.objects.get(user=org.rep, course=course)
    assert (enrolment.due_date, enrolment.assigned_by) == (in_days(5), org.manager)
