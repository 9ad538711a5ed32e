"""Reading a CalDAV calendar from a real Radicale server that the test fills through the
caldav library; the password stays encrypted at rest."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import caldav
import pytest
from cryptography.fernet import Fernet

from coaching.models import CalendarBusy, CalendarSource
from coaching.sessions.calendars import fetch as fetch_module
from coaching.sessions.calendars.services import calendar_refresh, calendar_set
from config.errors import DomainError
from tests.coaching.calendars.conftest import event, ics, next_monday
from tests.factories import ManagerFactory

pytestmark = pytest.mark.django_db

LON = "Europe/London"
LONDON = ZoneInfo(LON)


def _stamp(day: dt.date, hour: int) -> str:
    return f"{day:%Y%m%d}T{hour:02d}0000"


@pytest.fixture
def work_calendar(radicale_url):
    """A fresh calendar of the user ``maria`` on the Radicale server, and its address."""
    client = caldav.DAVClient(url=f"{radicale_url}/maria/", username="maria", password="pw")
    name = f"work-{uuid.uuid4().hex[:8]}"
    calendar = client.principal().make_calendar(name=name, cal_id=name)
    return calendar, f"{radicale_url}/maria/{name}/"


def test_a_caldav_calendar_is_read_with_its_recurring_and_free_events(
    work_calendar, allow_loopback
):
    calendar, url = work_calendar
    tuesday = next_monday(LONDON) + dt.timedelta(days=1)
    calendar.save_event(
        ics(
            event(
                "weekly",
                tuesday,
                10,
                11,
                "RRULE:FREQ=WEEKLY;COUNT=2",
                "SUMMARY:Team meeting",
                tz=LON,
            )
        )
    )
    calendar.save_event(
        ics(event("free", tuesday, 14, 15, "TRANSP:TRANSPARENT", "SUMMARY:Free", tz=LON))
    )
    person = ManagerFactory(timezone="Europe/London")
    calendar_set(user=person, url=url, username="maria", secret="pw")
    assert calendar_refresh(user_id=person.pk) == "read", CalendarSource.objects.get(
        user=person
    ).last_error
    rows = list(CalendarBusy.objects.filter(user=person).values_list("start", "title"))
    first = dt.datetime.combine(tuesday, dt.time(10), tzinfo=LONDON).astimezone(dt.UTC)
    assert rows == [(first, "Team meeting"), (first + dt.timedelta(days=7), "Team meeting")]


def test_the_password_is_stored_encrypted_and_kept_when_left_empty(work_calendar, allow_loopback):
    _, url = work_calendar
    person = ManagerFactory()
    calendar_set(user=person, url=url, username="maria", secret="app-password-1")
    source = CalendarSource.objects.get(user=person)
    assert source.kind == CalendarSource.Kind.CALDAV
    assert "app-password-1" not in source.secret_encrypted and source.secret_encrypted
    calendar_set(user=person, url=url, username="maria")  # the password kept
    assert CalendarSource.objects.get(user=person).secret_encrypted == source.secret_encrypted
    with pytest.raises(DomainError, match="password"):
        calendar_set(user=person, url=url, username="someone-else")


def test_a_missing_caldav_calendar_is_recorded_and_booking_goes_on(radicale_url, allow_loopback):
    person = ManagerFactory()
    calendar_set(
        user=person, url=f"{radicale_url}/maria/nothing-here/", username="maria", secret="pw"
    )
    assert calendar_refresh(user_id=person.pk) == "failed"
    assert CalendarSource.objects.get(user=person).last_error


def test_a_caldav_server_on_loopback_is_refused_by_default(radicale_url):
    with pytest.raises(DomainError, match="private or local network"):
        calendar_set(
            user=ManagerFactory(), url=f"{radicale_url}/maria/work/", username="maria", secret="pw"
        )


def test_a_wrong_caldav_password_is_said_so(work_calendar, allow_loopback):
    _, url = work_calendar
    person = ManagerFactory()
    calendar_set(user=person, url=url, username="maria", secret="not-the-password")
    assert calendar_refresh(user_id=person.pk) == "failed"
    assert CalendarSource.objects.get(user=person).last_error == (
        "The CalDAV server refused the user name or password."
    )


def test_a_caldav_redirect_to_a_private_address_is_not_followed(ics_server, settings, monkeypatch):
    settings.CALENDAR_ALLOW_PRIVATE_ADDRESSES = True
    person = ManagerFactory()
    url = ics_server.serve("/dav/", "", status=301, location="http://10.9.8.7/dav/")
    calendar_set(user=person, url=url, username="maria", secret="pw")
    settings.CALENDAR_ALLOW_PRIVATE_ADDRESSES = False
    real = fetch_module.host_addresses
    monkeypatch.setattr(
        fetch_module,
        "host_addresses",
        lambda host, port: ["127.0.0.1"] if host == "127.0.0.1" else real(host, port),
    )
    assert calendar_refresh(user_id=person.pk) == "failed"
    assert "10.9.8.7" in CalendarSource.objects.get(user=person).last_error
    assert [path for path, _ in ics_server.requests] == ["/dav/"]


def test_in_production_without_a_key_no_caldav_password_is_stored(settings, public_host):
    settings.PRODUCTION = True
    settings.CALENDAR_SECRET_KEY = None
    person = ManagerFactory()
    with pytest.raises(DomainError, match="CALENDAR_SECRET_KEY"):
        calendar_set(user=person, url="https://dav.example.com/c/", username="m", secret="pw")
    assert not CalendarSource.objects.filter(user=person).exists()
    settings.CALENDAR_SECRET_KEY = Fernet.generate_key().decode()
    calendar_set(user=person, url="https://dav.example.com/c/", username="m", secret="pw")
    stored = CalendarSource.objects.get(user=person).secret_encrypted
    assert Fernet(settings.CALENDAR_SECRET_KEY).decrypt(stored.encode()) == b"pw"


@pytest.fixture
def public_host(monkeypatch):
    monkeypatch.setattr(fetch_module, "host_addresses", lambda host, port: ["93.184.215.14"])
