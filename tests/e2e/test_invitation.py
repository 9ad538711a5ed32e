"""An invited person opens the emailed link, sets their password and signs in.
Screenshots go to ``$E2E_SCREENSHOTS`` when set."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, PHONE, sign_in
from tests.factories import PASSWORD, AdminFactory, ManagerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "my-own-first-password-2026"


@pytest.mark.parametrize("size", ["1366x900", "390x844"])
def test_an_invited_person_sets_their_password_and_signs_in(page, shots, size):
    AdminFactory(username="ada", first_name="Ada", last_name="Admin", timezone="UTC")
    ManagerFactory(username="maria", first_name="Maria", last_name="Lopez")
    page.set_viewport_size(LAPTOP if size == "1366x900" else PHONE)

    # The admin adds Nia by hand; the invitation goes out.
    sign_in(page, "ada", PASSWORD)
    page.goto("/people/")
    page.get_by_role("link", name="Add a person").click()
    page.get_by_label("Username").fill("nia")
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label("Role").select_option("rep")
    page.get_by_label("Manager").select_option(label="Maria Lopez (maria)")
    page.get_by_label("Search time zones").fill("lagos")
    page.locator("#id_timezone").select_option("Africa/Lagos")
    page.screenshot(path=str(shots / f"people-add-{size}.png"), full_page=True)
    page.get_by_role("button", name="Add and invite").click()
    expect(page.get_by_text("an invitation is on its way to nia@example.com")).to_be_visible()
    page.screenshot(path=str(shots / f"people-person-{size}.png"), full_page=True)
    page.context.clear_cookies()

    # Nia opens the link from her email.
    (message,) = [m for m in mail.outbox if m.to == ["nia@example.com"]]
    link = re.search(r"https?://\S+/people/welcome/\S+/", message.body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    expect(page.get_by_role("heading", name="Welcome to Skillcoach")).to_be_visible()
    expect(page.get_by_text("Your username is nia")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.screenshot(path=str(shots / f"invitation-accept-{size}.png"), full_page=True)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Your password is set")).to_be_visible()

    page.get_by_role("link", name="Sign in").click()
    sign_in(page, "nia", NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/coaching/home/"))

    # The link is used: opening it again says so.
    page.context.clear_cookies()
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    expect(page.get_by_role("heading", name="This invitation no longer works")).to_be_visible()
