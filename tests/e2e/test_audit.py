"""The audit trail an admin reads, and the API tokens a person sees and revokes on their profile,
in the browser on a laptop and a phone. Screenshots go to ``$E2E_SCREENSHOTS`` when set."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.e2e.conftest import LAPTOP, PHONE, sign_in
from tests.factories import PASSWORD, AdminFactory, RepFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"laptop": LAPTOP, "phone": PHONE}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def token_for(username: str, agent: str) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": PASSWORD},
        format="json",
        HTTP_USER_AGENT=agent,
    )
    return response.json()["token"]


@pytest.mark.parametrize("size", SIZES)
def test_a_person_sees_the_programs_signed_in_as_them_and_revokes_one(page, shots, size):
    RepFactory(username="jo", first_name="Jo", last_name="Rep", timezone="Europe/London")
    token_for("jo", "Quarterly reports exporter/1.4 (python-requests)")
    token_for("jo", "Skillcoach for iPhone/2.0")
    page.set_viewport_size(SIZES[size])
    sign_in(page, "jo", PASSWORD)
    page.goto("/accounts/profile/#tokens")
    tokens = page.locator("#api-tokens tbody tr")
    expect(tokens).to_have_count(2)
    assert fits(page)
    page.locator("#tokens").screenshot(path=str(shots / f"profile-tokens-{size}.png"))

    tokens.filter(has_text="iPhone").get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("The token is revoked")).to_be_visible()
    expect(page.locator("#api-tokens tbody tr")).to_have_count(1)
    assert list(ApiToken.objects.values_list("label", flat=True)) == [
        "Quarterly reports exporter/1.4 (python-requests)"
    ]


@pytest.mark.parametrize("size", SIZES)
def test_an_admin_filters_the_audit_trail(page, shots, size):
    AdminFactory(username="ada", timezone="Europe/London")
    RepFactory(username="jo")
    token_for("jo", "Sync/2.1")
    page.set_viewport_size(SIZES[size])
    sign_in(page, "jo", "not-the-password")
    sign_in(page, "ada", PASSWORD)
    page.goto("/audit/")
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    assert fits(page)
    page.screenshot(path=str(shots / f"audit-{size}.png"), full_page=True)

    page.select_option("#id_action", "sign_in_failed")
    page.get_by_role("button", name="Show").click()
    rows = page.locator("#audit-events tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("jo")
    page.screenshot(path=str(shots / f"audit-filtered-{size}.png"), full_page=True)
