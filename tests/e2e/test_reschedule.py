"""A rep asks to reschedule a session their coach booked, with a reason, and the coach sees the
request on their week and on the session, and keeps the time; on a laptop and on a phone.
Screenshots go to ``$E2E_SCREENSHOTS`` when set."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.models import RescheduleRequest
from tests.coaching.factories import session_with
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, ManagerFactory, RepFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("E2E_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("size", SIZES)
def test_a_rep_asks_to_reschedule_and_the_coach_sees_it(page, browser, live_server, shots, size):
    manager = ManagerFactory(username="maria", first_name="Maria", last_name="Lopez")
    rep = RepFactory(username="jo", first_name="Jo", last_name="Rep", manager=manager)
    session = session_with(rep, scheduled_for=timezone.now() + dt.timedelta(days=2))

    page.set_viewport_size(SIZES[size])
    sign_in(page, "jo", PASSWORD)
    page.goto(f"/coaching/sessions/{session.pk}/")
    expect(page.get_by_role("button", name="Cancel session")).to_have_count(0)
    page.get_by_label("Why do you need another time?").fill("I am at a customer site all day.")
    page.screenshot(path=str(shots / f"reschedule-ask-{size}.png"), full_page=True)
    page.get_by_role("button", name="Ask to reschedule").click()
    expect(page.get_by_role("heading", name="Your request to reschedule")).to_be_visible()
    expect(page.get_by_text("Waiting for your coach")).to_be_visible()
    page.screenshot(path=str(shots / f"reschedule-asked-{size}.png"), full_page=True)
    assert RescheduleRequest.objects.get().reason == "I am at a customer site all day."

    coach = browser.new_context(base_url=live_server.url, viewport=SIZES[size]).new_page()
    sign_in(coach, "maria", PASSWORD)
    week = timezone.localtime(session.scheduled_for, manager.tzinfo).date().isoformat()
    coach.goto(f"/coaching/week/?week={week}")
    asked = coach.get_by_role("region", name="Asked to reschedule")
    expect(asked).to_contain_text("I am at a customer site all day.")
    expect(coach.locator(".week-days .badge.warn", has_text="Asked to reschedule")).to_be_visible()
    coach.screenshot(path=str(shots / f"reschedule-week-{size}.png"), full_page=True)
    asked.get_by_role("link").click()
    expect(coach.get_by_role("heading", name="Jo Rep asks to reschedule")).to_be_visible()
    coach.screenshot(path=str(shots / f"reschedule-coach-{size}.png"), full_page=True)
    coach.get_by_label("A word to the rep (optional)").fill("It is the only slot this week.")
    coach.get_by_role("button", name="Keep this time").click()
    expect(coach.get_by_text("The time stays; Jo Rep has been told.")).to_be_visible()
    coach.context.close()

    page.reload()
    expect(page.get_by_text("Your coach kept the time.")).to_be_visible()
    expect(page.get_by_text("It is the only slot this week.")).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_booking_outside_working_hours_takes_a_second_yes(page, shots, size):
    manager = ManagerFactory(username="maria", first_name="Maria", last_name="Lopez")
    RepFactory(username="jo", first_name="Jo", last_name="Rep", manager=manager)
    evening = timezone.localdate(timezone=manager.tzinfo) + dt.timedelta(days=7)
    while evening.weekday() >= 5:
        evening += dt.timedelta(days=1)

    page.set_viewport_size(SIZES[size])
    sign_in(page, "maria", PASSWORD)
    page.goto("/coaching/week/")
    form = page.get_by_role("region", name="Book a session")
    form.get_by_label("Rep").select_option(label="Jo Rep")
    form.get_by_label("When").fill(f"{evening.isoformat()}T19:00")
    form.get_by_role("button", name="Book").click()
    expect(form.get_by_text("outside your working hours")).to_be_visible()
    form.screenshot(path=str(shots / f"book-outside-hours-{size}.png"))
    form.get_by_label("Yes, book it outside working hours").check()
    form.get_by_role("button", name="Book").click()
    expect(page.get_by_text("Booked a session with Jo Rep")).to_be_visible()
