"""Availability in the browser: a rep sets their working week and a day off on the profile page;
a coach moves a session by picking one of the times free for both; a rep proposes a free time
and the coach takes it in one click. On a laptop and on a phone; screenshots go to
``$E2E_SCREENSHOTS`` when set."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import TimeOff
from coaching.models import CoachingSession, RescheduleRequest
from tests.coaching.factories import session_with
from tests.e2e.conftest import LAPTOP, PHONE, sign_in
from tests.factories import PASSWORD, ManagerFactory, RepFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"laptop": LAPTOP, "phone": PHONE}


@pytest.fixture
def people(db):
    manager = ManagerFactory(username="maria", first_name="Maria", last_name="Lopez")
    rep = RepFactory(username="jo", first_name="Jo", last_name="Rep", manager=manager)
    return manager, rep


def next_weekday(days_ahead: int) -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def open_session_page(page, people, username: str, size: str):
    """A session next week at 11:00, opened by ``username`` in a window of ``size``."""
    manager, rep = people
    start = dt.datetime.combine(next_weekday(3), dt.time(11), tzinfo=manager.tzinfo)
    session = session_with(rep, manager, scheduled_for=start)
    page.set_viewport_size(SIZES[size])
    sign_in(page, username, PASSWORD)
    page.goto(f"/coaching/sessions/{session.pk}/")
    return session


@pytest.mark.parametrize("size", SIZES)
def test_a_rep_sets_their_working_week_and_a_day_off(page, people, shots, size):
    _, rep = people
    page.set_viewport_size(SIZES[size])
    sign_in(page, "jo", PASSWORD)
    page.goto("/accounts/profile/#availability")
    section = page.get_by_role("region", name="When you can be booked")
    section.get_by_label("Friday").uncheck()
    section.get_by_label("Day starts").fill("10:00")
    section.get_by_label("Day ends").fill("16:30")
    section.get_by_role("button", name="Save working week").click()
    expect(page.get_by_text("Your working week is saved.")).to_be_visible()
    rep.refresh_from_db()
    assert rep.working_days == [0, 1, 2, 3]
    assert (rep.day_start, rep.day_end) == (dt.time(10), dt.time(16, 30))

    off = next_weekday(10)
    section = page.get_by_role("region", name="When you can be booked")
    section.get_by_label("First day away").fill(off.isoformat())
    section.get_by_label("Last day away").fill(off.isoformat())
    section.get_by_label("Note (optional)").fill("Dentist")
    section.get_by_role("button", name="Add time off").click()
    expect(page.get_by_text("Your time off is added")).to_be_visible()
    listed = page.locator(".time-off-list li")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("Dentist")
    assert TimeOff.objects.get(user=rep).start == off
    expect(page.get_by_label("Friday")).not_to_be_checked()
    page.locator("#availability").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"availability-profile-{size}.png"), full_page=True)

    listed.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("No time off coming up.")).to_be_visible()
    assert not TimeOff.objects.filter(user=rep).exists()


@pytest.mark.parametrize("size", SIZES)
def test_a_coach_moves_a_session_by_picking_a_free_time(page, people, shots, size):
    manager, _ = people
    session = open_session_page(page, people, "maria", size)
    picks = page.locator(".free-times-pick .free-times button")
    expect(picks.first).to_be_visible()
    assert picks.count() == 5
    page.screenshot(path=str(shots / f"availability-session-coach-{size}.png"), full_page=True)
    chosen = picks.nth(2)
    wall = dt.datetime.fromisoformat(chosen.get_attribute("value")).replace(tzinfo=manager.tzinfo)
    chosen.click()
    expect(page.get_by_text("Session moved.")).to_be_visible()
    session.refresh_from_db()
    assert session.scheduled_for == wall
    assert session.sequence == 1


@pytest.mark.parametrize("size", SIZES)
def test_a_rep_proposes_a_free_time_and_the_coach_takes_it(
    page, browser, live_server, people, shots, size
):
    session = open_session_page(page, people, "jo", size)
    picks = page.locator(".free-times-choice label.pick")
    expect(picks.first).to_be_visible()
    picks.nth(1).click()
    picked = picks.nth(1).inner_text().strip()
    page.get_by_label("Why do you need another time?").fill("A customer visit that morning.")
    page.screenshot(path=str(shots / f"availability-session-rep-{size}.png"), full_page=True)
    page.get_by_role("button", name="Ask to reschedule").click()
    expect(page.get_by_text("You proposed")).to_be_visible()
    proposed = RescheduleRequest.objects.get().proposed_for
    assert proposed is not None

    coach = browser.new_context(base_url=live_server.url, viewport=SIZES[size]).new_page()
    sign_in(coach, "maria", PASSWORD)
    coach.goto(f"/coaching/sessions/{session.pk}/")
    take = coach.get_by_role("button", name=f"Move to {picked}")
    expect(take).to_be_visible()
    coach.screenshot(path=str(shots / f"availability-session-proposal-{size}.png"), full_page=True)
    take.click()
    expect(coach.get_by_text("Session moved.")).to_be_visible()
    coach.context.close()
    session.refresh_from_db()
    assert session.scheduled_for == proposed
    assert RescheduleRequest.objects.get().status == RescheduleRequest.Status.MOVED
    assert CoachingSession.objects.get().sequence == 1
