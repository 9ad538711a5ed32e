"""The profile page, a forgotten password and signing out, in the browser, on a laptop and on a
phone. Screenshots go to ``$E2E_SCREENSHOTS`` when set."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from coaching.models import EmailOptOut
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, RepFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
NEW_PASSWORD = "a-fresh-start-for-spring-2027"


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("E2E_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def jo(db):
    return RepFactory(
        username="jo", first_name="Jo", last_name="Rep", email="jo@example.com", timezone="UTC"
    )


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def open_profile(page, size: str) -> None:
    if size == "phone":
        # The name in the corner gives way on a phone: the menu carries the link.
        page.locator("summary.menu-button").click()
        page.locator("nav#main-nav").get_by_role("link", name="Your profile").click()
    else:
        page.locator(".account a.who").click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_a_rep_sets_their_time_zone_email_and_copies_their_calendar_link(page, jo, shots, size):
    page.set_viewport_size(SIZES[size])
    sign_in(page, "jo", PASSWORD)
    open_profile(page, size)
    assert fits(page)
    page.screenshot(path=str(shots / f"profile-{size}.png"), full_page=True)

    # The search narrows the list; the list is what is submitted.
    page.get_by_label("Search time zones").fill("tokyo")
    select = page.locator("#id_details-timezone")
    expect(select.locator("option:not([hidden])")).to_have_count(1)
    select.select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("Your details are saved.")).to_be_visible()
    expect(select).to_have_value("Asia/Tokyo")

    page.get_by_label("Session in an hour").uncheck()
    page.get_by_role("button", name="Save email settings").click()
    expect(page.get_by_text("Your email settings are saved.")).to_be_visible()
    expect(page.get_by_label("Session in an hour")).not_to_be_checked()

    feed = page.locator("#feed-url").input_value()
    assert re.fullmatch(r"http://localhost:\d+/coaching/calendar/[\w-]+\.ics", feed)
    webcal = page.get_by_role("link", name="Open in your calendar program")
    expect(webcal).to_have_attribute("href", feed.replace("http://", "webcal://"))
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#feed-url-status")).not_to_be_empty()
    page.screenshot(path=str(shots / f"profile-saved-{size}.png"), full_page=True)

    jo.refresh_from_db()
    assert jo.timezone == "Asia/Tokyo"
    assert list(EmailOptOut.objects.filter(user=jo).values_list("kind", flat=True)) == [
        "session_1h"
    ]


@pytest.mark.parametrize("size", SIZES)
def test_a_forgotten_password_is_reset_from_the_sign_in_page(page, jo, shots, size):
    page.set_viewport_size(SIZES[size])
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    assert fits(page)
    page.screenshot(path=str(shots / f"password-reset-{size}.png"), full_page=True)
    page.get_by_label("Email").fill("jo@example.com")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.screenshot(path=str(shots / f"password-reset-sent-{size}.png"), full_page=True)

    link = re.search(r"https?://\S+/accounts/password/reset/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name="Set a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.screenshot(path=str(shots / f"password-set-{size}.png"), full_page=True)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Your new password is set")).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    sign_in(page, "jo", NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/coaching/home/"))
    assert User.objects.get(username="jo").check_password(NEW_PASSWORD)


@pytest.mark.parametrize("size", SIZES)
def test_signing_out_lands_on_the_sign_in_page_saying_so(page, jo, shots, size):
    page.set_viewport_size(SIZES[size])
    sign_in(page, "jo", PASSWORD)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    assert fits(page)
    page.screenshot(path=str(shots / f"signed-out-{size}.png"), full_page=True)
