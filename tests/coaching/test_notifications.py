"""The notification bell and list, and the caller's own reminders in the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coaching.models import Notification, Reminder
from tests.coaching.outbox_support import remind
from tests.conftest import api_as
from tests.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def rep(db):
    return RepFactory(username="jo", manager=ManagerFactory())


@pytest.fixture
def someone_else(db):
    return RepFactory(username="kim")


def notify(user, n: int = 1, *, read: bool = False, title: str = "Session booked"):
    now = timezone.now()
    return [
        Notification.objects.create(
            recipient=user,
            title=f"{title} {i}",
            body="See you then.",
            url="/coaching/",
            read_at=now if read else None,
        )
        for i in range(n)
    ]


def test_the_bell_shows_the_unread_count_on_every_page(client, rep, someone_else):
    manager = rep.manager
    notify(manager, 2)
    notify(manager, 3, read=True)
    notify(rep, 4)
    client.force_login(manager)
    page = client.get("/", follow=True).content.decode()
    assert 'id="bell"' in page
    assert '<span class="count">2</span>' in page
    assert 'href="/coaching/notifications/"' in page
    assert 'hx-get="/coaching/notifications/count"' in page
    assert 'hx-trigger="every 60s"' in page


def test_the_bell_costs_one_count_query(client, rep, django_assert_max_num_queries):
    notify(rep, 5)
    client.force_login(rep)
    # Session and user are the sign-in's own; the badge adds exactly one COUNT.
    with django_assert_max_num_queries(3) as captured:
        response = client.get("/coaching/notifications/count", **HTMX)
    assert response.status_code == 200
    assert '<span class="count">5</span>' in response.content.decode()
    counts = [q["sql"] for q in captured.captured_queries if "coaching_notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT(" in counts[0].upper()


def test_no_unread_means_no_badge(client, rep):
    notify(rep, 2, read=True)
    client.force_login(rep)
    assert 'class="count"' not in client.get("/coaching/notifications/count").content.decode()


def test_signed_out_polling_is_told_to_stop(client):
    assert client.get("/coaching/notifications/count", **HTMX).status_code == 286
    assert client.get("/coaching/notifications/count").status_code == 401


def test_the_list_shows_only_the_callers_notifications(client, rep, someone_else):
    notify(rep, 2, title="Mine")
    notify(someone_else, 2, title="Theirs")
    client.force_login(rep)
    page = client.get("/coaching/notifications/").content.decode()
    assert "Mine 0" in page and "Mine 1" in page
    assert "Theirs" not in page
    assert "Mark all read" in page


def test_the_list_page_has_a_query_budget_that_does_not_grow(
    client, rep, django_assert_max_num_queries
):
    notify(rep, 3)
    client.force_login(rep)
    client.get("/coaching/notifications/")  # creates the calendar feed once
    with django_assert_max_num_queries(6):
        assert client.get("/coaching/notifications/").status_code == 200
    notify(rep, 40)
    with django_assert_max_num_queries(6):
        assert client.get("/coaching/notifications/").status_code == 200


def test_the_list_page_needs_sign_in(client):
    response = client.get("/coaching/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_marking_read_with_htmx_returns_the_item_and_the_new_bell(client, rep):
    first, second = notify(rep, 2)
    client.force_login(rep)
    response = client.post(f"/coaching/notifications/{first.pk}/read", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="notification-{first.pk}"' in html
    assert "Mark read" not in html
    assert 'hx-swap-oob="true"' in html and '<span class="count">1</span>' in html
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_marking_read_without_javascript_redirects_back_to_the_list(client, rep):
    [notification] = notify(rep)
    client.force_login(rep)
    response = client.post(f"/coaching/notifications/{notification.pk}/read")
    assert response.status_code == 302
    assert response["Location"] == "/coaching/notifications/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_nobody_marks_someone_elses_notification(client, rep, someone_else):
    [theirs] = notify(someone_else)
    client.force_login(rep)
    assert client.post(f"/coaching/notifications/{theirs.pk}/read", **HTMX).status_code == 404
    assert client.post(f"/coaching/notifications/{theirs.pk}/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_the_callers_and_swaps_the_list(client, rep, someone_else):
    notify(rep, 3)
    notify(someone_else, 2)
    client.force_login(rep)
    response = client.post("/coaching/notifications/read-all", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="notification-list"' in html and "<html" not in html
    assert "Mark all read" not in html
    assert 'hx-swap-oob="true"' in html and 'class="count"' not in html
    assert not Notification.objects.filter(recipient=rep, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=someone_else, read_at__isnull=True).count() == 2

    assert client.post("/coaching/notifications/read-all").status_code == 302


def test_marking_needs_a_post(client, rep):
    [notification] = notify(rep)
    client.force_login(rep)
    assert client.get(f"/coaching/notifications/{notification.pk}/read").status_code == 405
    assert client.get("/coaching/notifications/read-all").status_code == 405


# --- GET /api/v1/reminders/ -----------------------------------------------------------------


def test_the_reminders_api_lists_only_the_callers_own(rep, someone_else):
    now = timezone.now()
    mine = remind(rep, due_at=now + dt.timedelta(hours=1), key="mine")
    remind(someone_else, due_at=now, key="theirs")
    remind(rep.manager, due_at=now, key="coach")

    response = api_as(rep).get("/api/v1/reminders/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert set(body) >= {"count", "next", "previous", "results"}
    assert {r["id"] for r in body["results"]} == {r.pk for r in mine}
    first = body["results"][0]
    assert set(first) == {
        "id", "kind", "channel", "due_at", "status", "sent_at", "session", "commitment"
    }  # fmt: skip
    assert first["status"] == "pending" and first["sent_at"] is None


def test_a_manager_does_not_see_their_reps_reminders(rep):
    remind(rep, key="reps")
    assert api_as(rep.manager).get("/api/v1/reminders/").json()["count"] == 0


def test_the_reminders_api_refuses_anonymous_callers(api):
    assert api.get("/api/v1/reminders/").status_code in (401, 403)


def test_the_reminders_api_pages_within_a_query_budget(rep, django_assert_max_num_queries):
    for n in range(60):
        remind(rep, key=f"many{n}", channels=(Reminder.Channel.IN_APP,))
    client = api_as(rep)
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/reminders/")
    assert response.json()["count"] == 60
    assert len(response.json()["results"]) == 50
    assert response.json()["next"]
