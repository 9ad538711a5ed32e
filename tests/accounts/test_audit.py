"""The audit trail: a row for each security-relevant action, append-only, kept for
AUDIT_RETENTION_DAYS, and read by admins on a page with filters and as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEvent, AuditTrailIsAppendOnly
from accounts.services import user_set_manager
from accounts.tasks import purge_audit_trail
from config.celery_app import app as celery_app
from lms.models import Course
from tests.factories import PASSWORD, AdminFactory, ManagerFactory, RepFactory
from tests.lms.test_admin import published_course

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action


@pytest.fixture
def ada(db):
    return AdminFactory(username="ada")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def only(action: str) -> AuditEvent:
    return AuditEvent.objects.get(action=action)


# --- a row for each action -------------------------------------------------------------------


def test_signing_in_on_the_page_is_recorded_with_the_address():
    jo = RepFactory(username="jo")
    response = Client(REMOTE_ADDR="203.0.113.7").post(
        reverse("login"), {"username": "jo", "password": PASSWORD}
    )
    assert response.status_code == 302
    event = only(Action.SIGN_IN)
    assert (event.actor, event.subject, event.address) == (jo, jo, "203.0.113.7")


def test_a_failed_sign_in_names_the_username_tried():
    jo = RepFactory(username="jo")
    Client(REMOTE_ADDR="203.0.113.8").post(reverse("login"), {"username": "jo", "password": "no"})
    Client().post(reverse("login"), {"username": "nobody-here", "password": "no"})
    failed = AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED).order_by("pk")
    assert [(e.actor_name, e.subject) for e in failed] == [("jo", jo), ("nobody-here", None)]
    assert failed[0].address == "203.0.113.8" and failed[0].actor is None


def test_the_address_is_the_clients_own_and_a_forwarded_one_only_behind_our_proxies(settings):
    forged = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.9"}
    Client(**forged).post(reverse("login"), {"username": "x", "password": "no"})
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    Client(**forged).post(reverse("login"), {"username": "y", "password": "no"})
    failed = AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED).order_by("pk")
    assert [e.address for e in failed] == ["10.0.0.2", "198.51.100.9"]


def test_a_lockout_is_recorded(settings):
    RepFactory(username="jo")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(reverse("login"), {"username": "jo", "password": "wrong"})
    event = only(Action.LOCKED_OUT)
    assert event.subject_name == "jo" and event.address == "127.0.0.1"


def test_issuing_a_token_is_recorded_with_the_client():
    jo = RepFactory(username="jo")
    APIClient().post(
        "/api/v1/auth/token/",
        {"username": "jo", "password": PASSWORD},
        format="json",
        HTTP_USER_AGENT="Sync/2.1",
    )
    event = only(Action.TOKEN_ISSUED)
    assert (event.actor, event.subject, event.detail) == (jo, jo, "Sync/2.1")


def test_a_role_change_in_the_admin_is_recorded(ada):
    kim = ManagerFactory(username="kim")
    form = {
        "username": "kim",
        "first_name": kim.first_name,
        "last_name": kim.last_name,
        "email": kim.email,
        "role": "admin",
        "timezone": kim.timezone,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    response = signed_in(ada).post(reverse("admin:accounts_user_change", args=[kim.pk]), form)
    assert response.status_code == 302
    events = AuditEvent.objects.filter(action=Action.ROLE_CHANGED).order_by("pk")
    assert [(e.actor, e.subject, e.detail) for e in events] == [
        (ada, kim, "Manager → Admin"),
        (ada, kim, "superuser granted"),
    ]


def test_a_reporting_line_change_is_recorded_with_both_managers(ada):
    maria, omar = ManagerFactory(username="maria"), ManagerFactory(username="omar")
    jo = RepFactory(username="jo", manager=maria)
    user_set_manager(user=jo, manager=omar, actor=ada)
    event = only(Action.MANAGER_CHANGED)
    assert (event.actor, event.subject, event.detail) == (ada, jo, "maria → omar")


def test_publishing_and_unpublishing_a_course_in_the_admin_are_recorded(ada):
    course = published_course()
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
    client, url = signed_in(ada), reverse("admin:lms_course_changelist")
    client.post(url, {"action": "publish_courses", "_selected_action": [course.pk]})
    client.post(url, {"action": "unpublish_courses", "_selected_action": [course.pk]})
    published, unpublished = only(Action.COURSE_PUBLISHED), only(Action.COURSE_UNPUBLISHED)
    assert (published.actor, published.subject_name) == (ada, course.title)
    assert (unpublished.actor, unpublished.detail) == (ada, "now draft")


def test_exporting_the_organisations_skill_matrix_is_recorded(ada):
    response = signed_in(ada).get(reverse("coaching:org_csv"))
    b"".join(response.streaming_content)
    event = only(Action.DATA_EXPORTED)
    assert (event.actor, event.subject_name) == (ada, "Skill matrix (CSV)")


# --- append-only and retention ----------------------------------------------------------------


def test_rows_cannot_be_changed_or_deleted_through_the_orm(ada):
    event = AuditEvent.objects.create(action=Action.SIGN_IN, actor=ada, actor_name="ada")
    event.detail = "rewritten"
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(detail="rewritten")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


def test_the_admin_shows_rows_but_offers_no_change_or_delete(ada):
    event = AuditEvent.objects.create(action=Action.SIGN_IN, actor=ada, actor_name="ada")
    client = signed_in(ada)
    assert client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:accounts_auditevent_delete", args=[event.pk])).status_code == 403
    )
    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403


def test_the_daily_job_deletes_rows_past_the_retention_and_keeps_the_rest(settings, ada):
    settings.AUDIT_RETENTION_DAYS = 365
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(days=366)):
        old = AuditEvent.objects.create(action=Action.SIGN_IN, actor_name="ada")
    with time_machine.travel(now - dt.timedelta(days=364)):
        kept = AuditEvent.objects.create(action=Action.SIGN_IN, actor_name="ada")
    assert purge_audit_trail.apply().get() == 1
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    beat = celery_app.conf.beat_schedule
    assert any(entry["task"] == "accounts.tasks.purge_audit_trail" for entry in beat.values())


# --- the page and the CSV ---------------------------------------------------------------------


@pytest.fixture
def trail(ada):
    jo = RepFactory(username="jo")
    rows = []
    for days_ago, action, actor in [
        (10, Action.SIGN_IN, jo),
        (5, Action.SIGN_IN_FAILED, None),
        (1, Action.DEACTIVATED, ada),
    ]:
        with time_machine.travel(timezone.now() - dt.timedelta(days=days_ago)):
            rows.append(
                AuditEvent.objects.create(
                    action=action,
                    actor=actor,
                    actor_name=actor.username if actor else "jo",
                    subject=jo,
                    subject_name="jo",
                    address="198.51.100.4",
                    detail='=HYPERLINK("x")' if action == Action.DEACTIVATED else "",
                )
            )
    return rows


def test_an_admin_reads_the_trail_newest_first(ada, trail):
    page = signed_in(ada).get(reverse("audit"))
    assert page.status_code == 200
    about_jo = [e.action for e in page.context["page"].object_list if e.subject_name == "jo"]
    assert about_jo == [Action.DEACTIVATED, Action.SIGN_IN_FAILED, Action.SIGN_IN]
    assert "198.51.100.4" in page.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "JO"}, {"sign_in", "sign_in_failed"}),
        ({"action": "sign_in_failed"}, {"sign_in_failed"}),
        ({"since": "DAYS-6", "until": "DAYS-2"}, {"sign_in_failed"}),
        # The admin's own sign-in to read the page is today's row.
        ({"since": "DAYS-1"}, {"deactivated", "sign_in"}),
    ],
)
def test_the_filters_narrow_the_trail(ada, trail, query, expected):
    today = timezone.localdate()
    query = {
        key: (today - dt.timedelta(days=int(value[5:]))).isoformat()
        if value.startswith("DAYS-")
        else value
        for key, value in query.items()
    }
    page = signed_in(ada).get(reverse("audit"), query)
    assert {event.action for event in page.context["page"].object_list} == expected


def test_a_period_ending_before_it_starts_is_a_form_error(ada, trail):
    page = signed_in(ada).get(reverse("audit"), {"since": "2026-05-02", "until": "2026-05-01"})
    assert page.status_code == 200
    assert "swap them" in page.content.decode()


def test_the_csv_has_the_filtered_rows_with_cells_a_spreadsheet_will_not_run(ada, trail):
    response = signed_in(ada).get(reverse("audit_csv"), {"actor": "ada", "action": "deactivated"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["when (UTC)", "action", "who", "whom or what", "address", "detail"]
    assert len(rows) == 2
    assert rows[1][1:] == ["Deactivated", "ada", "jo", "198.51.100.4", '\'=HYPERLINK("x")']
    assert AuditEvent.objects.filter(
        action=Action.DATA_EXPORTED, subject_name="Audit trail (CSV)"
    ).exists()


def test_the_page_costs_the_same_queries_for_many_rows(ada, trail, django_assert_max_num_queries):
    client = signed_in(ada)
    client.get(reverse("audit"))  # warm: the session, content types
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("audit"))
    AuditEvent.objects.bulk_create(
        AuditEvent(action=Action.SIGN_IN, actor=ada, actor_name="ada", subject=ada)
        for _ in range(120)
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("audit"))
    assert len(page.context["page"].object_list) == 50
    assert len(few.captured_queries) <= 8
