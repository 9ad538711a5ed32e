"""A person's own calendar in the browser: pasting an .ics address on the profile and seeing
their busy times; a clash found later shown on the session page and moved with one click. On a
laptop and on a phone; screenshots go to ``$E2E_SCREENSHOTS`` when set."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from coaching.models import CalendarSource
from coaching.sessions.calendars.services import calendar_refresh, calendar_set
from tests.coaching.calendars.conftest import event, ics, ics_serving, next_monday
from tests.coaching.factories import session_with
from tests.e2e.conftest import LAPTOP, PHONE, sign_in
from tests.factories import PASSWORD, ManagerFactory, RepFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"laptop": LAPTOP, "phone": PHONE}
LON = "Europe/London"
LONDON = ZoneInfo(LON)


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.CALENDAR_ALLOW_PRIVATE_ADDRESSES = True


@pytest.fixture
def ics_server():
    with ics_serving() as server:
        yield server


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.fixture
def team(db):
    manager = ManagerFactory(username="maria", first_name="Maria", last_name="Lopez", timezone=LON)
    rep = RepFactory(
        username="john", first_name="John", last_name="Smith", manager=manager, timezone=LON
    )
    return manager, rep


@pytest.mark.parametrize("size", SIZES)
def test_a_person_pastes_a_calendar_address_and_sees_their_busy_times(
    page, team, ics_server, shots, size
):
    manager, _ = team
    day = next_monday(LONDON) + dt.timedelta(days=1)
    url = ics_server.serve(
        "/maria.ics",
        ics(
            event(
                "board",
                day - dt.timedelta(days=7),
                10,
                11,
                "RRULE:FREQ=WEEKLY",
                "SUMMARY:Board meeting",
                tz=LON,
            ),
            "\n".join(
                [
                    "UID:off",
                    f"DTSTART;VALUE=DATE:{day + dt.timedelta(days=2):%Y%m%d}",
                    "SUMMARY:Bank holiday",
                ]
            ),
        ),
    )
    page.set_viewport_size(SIZES[size])
    sign_in(page, "maria", PASSWORD)
    page.goto("/accounts/profile/#busy-calendar")
    section = page.locator("#busy-calendar")
    section.get_by_label("Calendar address").fill(url)
    section.get_by_role("button", name="Save calendar").click()
    expect(page.get_by_text("Your calendar is saved")).to_be_visible()
    # The read the save asked for, as the worker would run it.
    assert calendar_refresh(user_id=manager.pk) == "read"
    page.reload()
    section = page.locator("#busy-calendar")
    expect(section.get_by_text("Board meeting").first).to_be_visible()
    expect(section.get_by_text("Bank holiday")).to_be_visible()
    expect(section.get_by_text(re.compile(r"Read (just now|.* ago)"))).to_be_visible()
    assert url not in page.content()
    assert fits(page)
    section.screenshot(path=str(shots / f"calendar-profile-{size}.png"))
    # A read that fails says so, and keeps what was read.
    del ics_server.files["/maria.ics"]
    calendar_refresh(user_id=manager.pk)
    page.reload()
    section = page.locator("#busy-calendar")
    expect(
        section.get_by_text(re.compile(r"Last read (just now|.* ago): 404 Not Found"))
    ).to_be_visible()
    expect(section.get_by_text("Board meeting").first).to_be_visible()
    section.screenshot(path=str(shots / f"calendar-profile-failed-{size}.png"))

    # Removing asks once more, saying the address will be needed again; then it is gone.
    section.get_by_text("Remove calendar", exact=True).click()
    section.screenshot(path=str(shots / f"calendar-remove-{size}.png"))
    section.get_by_role("button", name=re.compile("paste its address once more")).click()
    expect(page.get_by_label("Calendar address")).to_be_visible()
    assert not CalendarSource.objects.filter(user=manager).exists()


@pytest.mark.parametrize("size", SIZES)
def test_the_coach_moves_a_session_a_new_meeting_clashes_with_in_one_click(
    page, team, ics_server, shots, size
):
    manager, rep = team
    tuesday = next_monday(LONDON) + dt.timedelta(days=1)
    start = dt.datetime.combine(tuesday, dt.time(10), tzinfo=LONDON)
    session = session_with(rep, manager, scheduled_for=start)
    url = ics_server.serve(
        "/maria.ics", ics(event("board", tuesday, 10, 11, "SUMMARY:Board meeting", tz=LON))
    )
    calendar_set(user=manager, url=url)
    calendar_refresh(user_id=manager.pk)
    session.refresh_from_db()
    proposed = session.proposed_for
    assert proposed is not None
    page.set_viewport_size(SIZES[size])
    sign_in(page, "maria", PASSWORD)
    page.goto(f"/coaching/sessions/{session.pk}/")
    banner = page.locator(".session-conflict")
    expect(banner.get_by_role("heading", name="Calendar clash")).to_be_visible()
    expect(banner).not_to_contain_text("Board meeting")
    assert fits(page)
    banner.screenshot(path=str(shots / f"calendar-conflict-{size}.png"))
    banner.get_by_role("button", name=re.compile(r"^Move to ")).click()
    expect(page.get_by_text("The session is moved to the proposed time")).to_be_visible()
    expect(page.locator(".session-conflict")).to_have_count(0)
    session.refresh_from_db()
    assert session.scheduled_for == proposed
