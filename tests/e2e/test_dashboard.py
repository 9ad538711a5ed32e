import re

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from coaching.models import CoachingPlan
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_lands_on_the_dashboard_and_acts_on_a_coaching_gap(page, demo):
    sign_in(page, "maria", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Team dashboard")).to_be_visible()
    assert page.url.endswith("/coaching/dashboard/")

    heat_map = page.locator("#heat-map")
    expect(heat_map).to_be_visible()
    john_closing = heat_map.locator('[data-cell="john:closing"]')
    expect(john_closing).to_have_class("heat-cell stage-learned diagnosis-coaching_gap")
    expect(john_closing.get_by_role("link")).to_have_attribute("title", re.compile("Coaching gap"))
    expect(page.locator("#retention-chart")).to_be_visible()

    # The page must not reload: a marker set now survives only an in-place swap.
    page.evaluate("window.stillHere = true")
    recommendation = page.locator('#recommendations [data-cell="john:closing"]')
    recommendation.get_by_role(
        "button", name="Make Closing a focus of John's coaching plan"
    ).click()
    expect(recommendation.get_by_role("status")).to_contain_text(
        "Closing is now a focus of John's coaching plan."
    )
    assert page.evaluate("window.stillHere") is True
    plan = CoachingPlan.objects.get(rep__username="john", status="active")
    assert "closing" in set(plan.focus_skills.values_list("slug", flat=True))
