"""Reading .ics calendars from a real HTTP server on loopback: the reading rules
(docs/calendars.md), conditional requests, and every way a read can fail."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from coaching.models import CalendarBusy, CalendarSource
from coaching.sessions.calendars import fetch as fetch_module
from coaching.sessions.calendars.services import calendar_refresh, calendar_set
from config.errors import DomainError
from tests.coaching.calendars.conftest import event, ics, next_monday
from tests.factories import ManagerFactory

pytestmark = pytest.mark.django_db

LON = "Europe/London"
LONDON = ZoneInfo(LON)
UTC = dt.UTC


def _busy(user) -> list[tuple[dt.datetime, dt.datetime, str]]:
    return list(CalendarBusy.objects.filter(user=user).values_list("start", "end", "title"))


def _london(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def _stamp(day: dt.date, hour: int = 0) -> str:
    return f"{day:%Y%m%d}T{hour:02d}0000"


def test_a_weekly_meeting_is_expanded_with_its_moved_and_deleted_instances(
    ics_server, allow_loopback
):
    person = ManagerFactory(timezone="Europe/London")
    tuesday = next_monday(LONDON) + dt.timedelta(days=1)
    second, third = tuesday + dt.timedelta(days=7), tuesday + dt.timedelta(days=14)
    url = ics_server.serve(
        "/weekly.ics",
        ics(
            f"""UID:weekly-1
            DTSTART;TZID=Europe/London:{_stamp(tuesday, 10)}
            DTEND;TZID=Europe/London:{_stamp(tuesday, 11)}
            RRULE:FREQ=WEEKLY;COUNT=4
            EXDATE;TZID=Europe/London:{_stamp(second, 10)}
            SUMMARY:Board meeting""",
            f"""UID:weekly-1
            RECURRENCE-ID;TZID=Europe/London:{_stamp(third, 10)}
            DTSTART;TZID=Europe/London:{_stamp(third + dt.timedelta(days=1), 14)}
            DTEND;TZID=Europe/London:{_stamp(third + dt.timedelta(days=1), 15)}
            SUMMARY:Board meeting (moved)""",
        ),
    )
    calendar_set(user=person, url=url)
    assert calendar_refresh(user_id=person.pk) == "read"
    fourth = tuesday + dt.timedelta(days=21)
    assert _busy(person) == [
        (_london(tuesday, 10), _london(tuesday, 11), "Board meeting"),
        (
            _london(third + dt.timedelta(days=1), 14),
            _london(third + dt.timedelta(days=1), 15),
            "Board meeting (moved)",
        ),
        (_london(fourth, 10), _london(fourth, 11), "Board meeting"),
    ]


def test_free_cancelled_and_declined_events_leave_the_time_free_and_tentative_ones_do_not(
    ics_server, allow_loopback
):
    person = ManagerFactory(timezone="Europe/London", email="maria@example.com")
    day = next_monday(LONDON)
    url = ics_server.serve(
        "/mixed.ics",
        ics(
            event("a", day, 9, 10, "TRANSP:TRANSPARENT", "SUMMARY:Focus time", tz=LON),
            event("b", day, 11, 12, "STATUS:CANCELLED", "SUMMARY:Called off", tz=LON),
            event(
                "c",
                day,
                13,
                14,
                "SUMMARY:Declined",
                "ATTENDEE;PARTSTAT=DECLINED:mailto:Maria@Example.com",
                "ATTENDEE;PARTSTAT=ACCEPTED:mailto:other@example.com",
                tz=LON,
            ),
            event(
                "d",
                day,
                15,
                16,
                "SUMMARY:Maybe",
                "STATUS:TENTATIVE",
                "ATTENDEE;PARTSTAT=TENTATIVE:mailto:maria@example.com",
                tz=LON,
            ),
        ),
    )
    calendar_set(user=person, url=url)
    calendar_refresh(user_id=person.pk)
    assert _busy(person) == [(_london(day, 15), _london(day, 16), "Maybe")]


def test_an_all_day_holiday_blocks_the_whole_day_where_the_person_is(ics_server, allow_loopback):
    new_york = ZoneInfo("America/New_York")
    person = ManagerFactory(timezone="America/New_York")
    day = next_monday(new_york) + dt.timedelta(days=2)
    url = ics_server.serve(
        "/holiday.ics",
        ics(
            "\n".join(
                [
                    "UID:h",
                    f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                    f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
                    "SUMMARY:Holiday",
                ]
            )
        ),
    )
    calendar_set(user=person, url=url)
    calendar_refresh(user_id=person.pk)
    start = dt.datetime.combine(day, dt.time(), tzinfo=new_york)
    assert _busy(person) == [
        (start.astimezone(UTC), (start + dt.timedelta(days=1)).astimezone(UTC), "Holiday")
    ]


def test_googles_x_wr_timezone_places_floating_times_in_the_calendars_zone(
    ics_server, allow_loopback
):
    berlin = ZoneInfo("Europe/Berlin")
    person = ManagerFactory(timezone="UTC")
    day = next_monday(berlin)
    url = ics_server.serve(
        "/google.ics",
        ics(
            event("g", day, 9, 10, "SUMMARY:Standup"),
            extra="X-WR-CALNAME:Work\nX-WR-TIMEZONE:Europe/Berlin",
        ),
    )
    calendar_set(user=person, url=url)
    calendar_refresh(user_id=person.pk)
    start = dt.datetime.combine(day, dt.time(9), tzinfo=berlin).astimezone(UTC)
    assert _busy(person) == [(start, start + dt.timedelta(hours=1), "Standup")]


def _one_event(day: dt.date, title: str = "Call") -> str:
    return ics(event("x", day, 10, 11, f"SUMMARY:{title}", tz=LON))


def test_a_second_read_asks_if_changed_and_a_304_keeps_the_intervals(ics_server, allow_loopback):
    person = ManagerFactory(timezone="Europe/London")
    url = ics_server.serve("/cal.ics", _one_event(next_monday(LONDON)), etag='"v1"')
    calendar_set(user=person, url=url)
    assert calendar_refresh(user_id=person.pk) == "read"
    first = CalendarSource.objects.get(user=person)
    assert first.etag == '"v1"'
    assert calendar_refresh(user_id=person.pk) == "unchanged"
    assert ics_server.requests[-1][1].get("If-None-Match") == '"v1"'
    source = CalendarSource.objects.get(user=person)
    assert source.last_read_at > first.last_read_at and source.last_error == ""
    assert len(_busy(person)) == 1


def test_a_404_is_recorded_in_words_and_the_last_good_intervals_stay(ics_server, allow_loopback):
    person = ManagerFactory(timezone="Europe/London")
    url = ics_server.serve("/cal.ics", _one_event(next_monday(LONDON)))
    calendar_set(user=person, url=url)
    calendar_refresh(user_id=person.pk)
    del ics_server.files["/cal.ics"]
    assert calendar_refresh(user_id=person.pk) == "failed"
    source = CalendarSource.objects.get(user=person)
    assert source.last_error == "404 Not Found"
    assert source.last_ok_at < source.last_read_at
    assert len(_busy(person)) == 1


@pytest.mark.parametrize("send_length", [True, False])
def test_a_file_over_the_size_cap_is_not_read(ics_server, allow_loopback, settings, send_length):
    settings.CALENDAR_MAX_BYTES = 2000
    person = ManagerFactory(timezone="Europe/London")
    url = ics_server.serve(
        "/big.ics", _one_event(next_monday(LONDON), "x" * 5000), send_length=send_length
    )
    calendar_set(user=person, url=url)
    assert calendar_refresh(user_id=person.pk) == "failed"
    assert "larger than 2000 bytes" in CalendarSource.objects.get(user=person).last_error
    assert _busy(person) == []


def test_a_slow_server_hits_the_timeout(ics_server, allow_loopback, settings):
    settings.CALENDAR_FETCH_TIMEOUT_SECONDS = 1
    person = ManagerFactory(timezone="Europe/London")
    url = ics_server.serve("/slow.ics", _one_event(next_monday(LONDON)), delay=3)
    calendar_set(user=person, url=url)
    assert calendar_refresh(user_id=person.pk) == "failed"
    assert "took longer than 1 s" in CalendarSource.objects.get(user=person).last_error


def test_something_that_is_not_a_calendar_is_said_so(ics_server, allow_loopback):
    person = ManagerFactory()
    url = ics_server.serve("/page.html", "<html>Sign in</html>")
    calendar_set(user=person, url=url)
    assert calendar_refresh(user_id=person.pk) == "failed"
    assert "not return an iCalendar file" in CalendarSource.objects.get(user=person).last_error


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/cal.ics",
        "http://10.1.2.3/cal.ics",
        "https://192.168.0.10/cal.ics",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/cal.ics",
        "webcal://localhost/cal.ics",
    ],
)
def test_an_address_on_a_private_network_is_refused_by_default(url):
    person = ManagerFactory()
    with pytest.raises(DomainError, match="private or local network"):
        calendar_set(user=person, url=url)
    assert not CalendarSource.objects.filter(user=person).exists()


@pytest.mark.parametrize(
    "url", ["ftp://example.com/cal.ics", "file:///etc/passwd", "example.com/cal.ics"]
)
def test_only_web_addresses_are_accepted(url):
    with pytest.raises(DomainError, match="http"):
        calendar_set(user=ManagerFactory(), url=url)


def test_a_loopback_calendar_saved_while_allowed_is_not_read_once_refused(
    ics_server, allow_loopback, settings
):
    person = ManagerFactory(timezone="Europe/London")
    calendar_set(user=person, url=ics_server.serve("/cal.ics", _one_event(next_monday(LONDON))))
    settings.CALENDAR_ALLOW_PRIVATE_ADDRESSES = False
    assert calendar_refresh(user_id=person.pk) == "failed"
    assert "private or local network" in CalendarSource.objects.get(user=person).last_error
    assert ics_server.requests == []


def test_webcal_is_read_as_https():
    from coaching.sessions.calendars.fetch import url_normalise

    assert (
        url_normalise(" webcal://calendar.example.com/a.ics ")
        == "https://calendar.example.com/a.ics"
    )


def test_redirects_are_followed_a_few_times_each_target_checked(
    ics_server, allow_loopback, settings, monkeypatch
):
    person = ManagerFactory(timezone="Europe/London")
    ics_server.serve("/cal.ics", _one_event(next_monday(LONDON)))
    url = ics_server.serve("/old.ics", "", status=301, location="/cal.ics")
    calendar_set(user=person, url=url)
    assert calendar_refresh(user_id=person.pk) == "read"
    for hop in range(5):
        ics_server.serve(f"/loop{hop}.ics", "", status=302, location=f"/loop{hop + 1}.ics")
    calendar_set(user=person, url=f"{ics_server.base}/loop0.ics")
    assert calendar_refresh(user_id=person.pk) == "failed"
    assert "redirects" in CalendarSource.objects.get(user=person).last_error
    # A redirect to a private address is refused like the address itself.
    ics_server.serve("/away.ics", "", status=302, location="http://10.9.8.7/cal.ics")
    calendar_set(user=person, url=f"{ics_server.base}/away.ics")
    settings.CALENDAR_ALLOW_PRIVATE_ADDRESSES = False
    real = fetch_module.host_addresses

    def loopback_allowed(host, port):
        if host == "127.0.0.1":
            return ["127.0.0.1"]
        return real(host, port)

    monkeypatch.setattr(fetch_module, "host_addresses", loopback_allowed)
    assert calendar_refresh(user_id=person.pk) == "failed"
    assert "10.9.8.7" in CalendarSource.objects.get(user=person).last_error
