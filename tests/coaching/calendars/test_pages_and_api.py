"""The profile's calendar section, its forms, and GET /api/v1/me/busy/: nobody reads another
person's calendar address, credentials or event titles; a manager reads only their current
reports' merged busy times."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_set_manager
from coaching.models import CalendarBusy, CalendarSource
from coaching.sessions.calendars.secrets import secret_decrypt
from coaching.sessions.calendars.services import calendar_set
from coaching.web.calendars import calendar_context
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

SECRET_URL = "https://calendar.example.com/private-8f3a9c/basic.ics"


@pytest.fixture
def public_dns(monkeypatch):
    """Names under example.com resolve to a public address, without a DNS server."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if str(host).endswith("example.com"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def rep_calendar(org, public_dns):
    """The rep's calendar, set with a secret address and read: two overlapping meetings."""
    source = calendar_set(user=org.rep, url=SECRET_URL)
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    for offset, title in ((0, "Call with Acme about the renewal"), (30, "Dentist")):
        CalendarBusy.objects.create(
            user=org.rep,
            source=source,
            start=start + dt.timedelta(minutes=offset),
            end=start + dt.timedelta(minutes=offset + 60),
            title=title,
        )
    return start


def _leaks(text: str) -> list[str]:
    return [s for s in ("private-8f3a9c", "Acme", "Dentist") if s in text]


def test_a_manager_reads_a_reports_merged_busy_times_and_nothing_else(
    org, rep_calendar, django_assert_max_num_queries
):
    client = api_as(org.manager)
    with django_assert_max_num_queries(2):
        response = client.get(reverse("api-me-busy"), {"user": org.rep.pk})
    assert response.status_code == 200
    body = response.json()
    start = rep_calendar
    assert body["busy"] == [
        {
            "start": start.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            "end": (start + dt.timedelta(minutes=90))
            .astimezone(dt.UTC)
            .isoformat()
            .replace("+00:00", "Z"),
        }
    ]
    assert body["calendar"] is None and _leaks(response.content.decode()) == []


@pytest.mark.parametrize("caller", ["other_manager", "peer", "rep_on_manager"])
def test_nobody_else_reads_a_persons_busy_times(org, rep_calendar, caller):
    asker, target = {
        "other_manager": (org.other_manager, org.rep),
        "peer": (org.other_rep, org.rep),
        "rep_on_manager": (org.rep, org.manager),
    }[caller]
    response = api_as(asker).get(reverse("api-me-busy"), {"user": target.pk})
    assert response.status_code == 404


def test_a_former_manager_reads_nothing_and_an_admin_reads_the_merged_times(org, rep_calendar):
    former = org.manager
    user_set_manager(user=org.rep, manager=org.other_manager)
    assert api_as(former).get(reverse("api-me-busy"), {"user": org.rep.pk}).status_code == 404
    response = api_as(org.other_manager).get(reverse("api-me-busy"), {"user": org.rep.pk})
    assert response.status_code == 200 and len(response.json()["busy"]) == 1
    response = api_as(org.admin).get(reverse("api-me-busy"), {"user": org.rep.pk})
    assert response.status_code == 200 and _leaks(response.content.decode()) == []


def test_the_owner_gets_their_merged_times_and_last_read_but_never_the_address(org, rep_calendar):
    response = api_as(org.rep).get(reverse("api-me-busy"))
    body = response.json()
    assert len(body["busy"]) == 1
    assert body["calendar"] == {
        "set": True,
        "kind": "ics",
        "last_read_at": None,
        "last_ok_at": None,
        "last_error": "",
    }
    assert _leaks(response.content.decode()) == []


@pytest.mark.parametrize(
    "query",
    [
        {"start": "not a time"},
        {"start": "2026-01-02T00:00Z", "end": "2026-01-01T00:00Z"},
        {"user": "x"},
    ],
)
def test_bad_busy_queries_are_a_400(org, query):
    assert api_as(org.rep).get(reverse("api-me-busy"), query).status_code == 400


def _request(user):
    request = RequestFactory().get("/accounts/profile/")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_the_calendar_section_shows_its_owner_the_titles_and_never_the_address(
    org, rep_calendar, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        context = calendar_context(_request(org.rep))
    html = render_to_string("components/calendar_source.html", context, request=_request(org.rep))
    assert "Call with Acme about the renewal" in html and "Dentist" in html
    assert "calendar.example.com" in html and "private-8f3a9c" not in html
    manager_html = render_to_string(
        "components/calendar_source.html",
        calendar_context(_request(org.manager)),
        request=_request(org.manager),
    )
    assert _leaks(manager_html) == []


def test_saving_clearing_and_reading_now_act_on_the_callers_own_calendar(org, client, public_dns):
    client.force_login(org.rep)
    response = client.post(
        reverse("profile_calendar_set"), {"url": "webcal://calendar.example.com/a.ics"}
    )
    assert response.status_code == 302 and response.url.endswith("#busy-calendar")
    assert CalendarSource.objects.get(user=org.rep).url == "https://calendar.example.com/a.ics"
    client.post(reverse("profile_calendar_set"), {"url": "http://10.0.0.8/a.ics"})
    assert CalendarSource.objects.get(user=org.rep).url == "https://calendar.example.com/a.ics"
    client.force_login(org.manager)
    client.post(reverse("profile_calendar_clear"))
    assert CalendarSource.objects.filter(user=org.rep).exists()
    client.force_login(org.rep)
    client.post(reverse("profile_calendar_clear"))
    assert not CalendarSource.objects.filter(user=org.rep).exists()


def test_a_caldav_password_is_never_sent_back(org, public_dns):
    calendar_set(
        user=org.rep, url="https://dav.example.com/cal/", username="rep", secret="s3cret-pw"
    )
    html = render_to_string(
        "components/calendar_source.html",
        calendar_context(_request(org.rep)),
        request=_request(org.rep),
    )
    assert "s3cret-pw" not in html
    assert "s3cret-pw" not in api_as(org.rep).get(reverse("api-me-busy")).content.decode()


def test_read_now_reads_or_says_it_was_just_read(
    org, client, public_dns, django_capture_on_commit_callbacks
):
    calendar_set(user=org.rep, url=SECRET_URL)
    client.force_login(org.rep)
    with django_capture_on_commit_callbacks() as queued:
        page = client.post(reverse("profile_calendar_read"), follow=True).content.decode()
    assert len(queued) == 1 and "Reading your calendar now" in page
    CalendarSource.objects.filter(user=org.rep).update(last_read_at=timezone.now())
    with django_capture_on_commit_callbacks() as queued:
        page = client.post(reverse("profile_calendar_read"), follow=True).content.decode()
    assert queued == [] and "Reading your calendar now" not in page
    assert "Your calendar was read less than 30 seconds ago" in page


@pytest.mark.parametrize(
    "state, shown, not_shown",
    [
        ({}, "being read now", "Nothing busy in your calendar"),
        (
            {"last_error": "404 Not Found"},
            "No busy times read from it yet",
            "Nothing busy in your calendar",
        ),
        ({"last_ok": True}, "Nothing busy in your calendar", "No busy times read from it yet"),
        (
            {"last_ok": True, "last_error": "404 Not Found"},
            "Nothing busy in your calendar",
            "No busy times read from it yet",
        ),
    ],
)
def test_a_calendar_never_read_does_not_claim_an_empty_week(
    org, public_dns, state, shown, not_shown
):
    calendar_set(user=org.rep, url=SECRET_URL)
    now = timezone.now()
    if state:
        CalendarSource.objects.filter(user=org.rep).update(
            last_read_at=now,
            last_ok_at=now if state.get("last_ok") else None,
            last_error=state.get("last_error", ""),
        )
    html = render_to_string(
        "components/calendar_source.html",
        calendar_context(_request(org.rep)),
        request=_request(org.rep),
    )
    assert shown in html and not_shown not in html


def test_an_empty_address_keeps_the_saved_one_to_change_only_the_password(org, client, public_dns):
    client.force_login(org.rep)
    refused = client.post(reverse("profile_calendar_set"), {"url": ""}, follow=True)
    assert "Paste your calendar&#x27;s address." in refused.content.decode()
    assert not CalendarSource.objects.filter(user=org.rep).exists()
    calendar_set(
        user=org.rep, url="https://dav.example.com/cal/", username="rep", secret="wrong-pw"
    )
    page = client.get(reverse("profile")).content.decode()
    assert "leave the address empty to keep this one" in page
    client.post(
        reverse("profile_calendar_set"), {"url": "", "username": "rep", "password": "right-pw"}
    )
    source = CalendarSource.objects.get(user=org.rep)
    assert source.url == "https://dav.example.com/cal/" and source.username == "rep"
    assert secret_decrypt(source.secret_encrypted) == "right-pw"
