"""A rep reading their own skills; a manager going from the dashboard's heat map to a rep."""

import re

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_rep_reads_my_skills_on_their_home(page, demo):
    sign_in(page, "john", DEMO_PASSWORD)
    skills = page.locator("#my-skills")
    expect(skills.get_by_role("heading", name="My skills")).to_be_visible()
    closing = skills.locator("#skill-closing")
    expect(closing.get_by_role("heading", name=re.compile("Closing"))).to_be_visible()
    expect(closing.locator('[aria-current="step"]')).to_have_text("Learned")
    expect(closing.locator(".next-stage")).to_contain_text("To reach applied:")
    expect(closing.locator(".next-steps li").first).to_be_visible()
    expect(closing).to_contain_text("Recall now")
    expect(page.locator("#coaching-history")).to_contain_text("held with your coach")
    expect(page.locator("#rating-history [data-skill='closing'] .rating").first).to_be_visible()
    # Private notes never reach the rep's page.
    assert "private" not in page.locator("#coaching-history").inner_text().lower()


def test_a_manager_goes_from_a_heat_map_cell_to_the_rep_page(page, demo):
    john = User.objects.get(username="john")
    sign_in(page, "maria", DEMO_PASSWORD)
    cell = page.locator('#heat-map [data-cell="john:closing"] a')
    expect(cell).to_have_attribute("aria-label", re.compile(r"Closing: Coaching gap · learned"))
    cell.click()
    expect(page).to_have_url(re.compile(rf"/coaching/team/{john.pk}/#skill-closing$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(str(john))
    skill = page.locator("#skill-closing")
    expect(skill.locator(".diagnosis")).to_have_text("Coaching gap")
    expect(skill.locator("dl.numbers")).to_contain_text("Application")

    # Its recommended action works in place, as it did in the cell.
    skill.get_by_role("button", name=re.compile("Closing")).first.click()
    expect(skill.get_by_role("status")).to_contain_text("Closing")

    # The team page finds him again by name.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team", exact=True).click()
    page.get_by_label("Search").fill("john")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#roster tbody tr")).to_have_count(1)
    page.locator("#roster").get_by_role("link", name=str(john)).click()
    expect(page).to_have_url(re.compile(rf"/coaching/team/{john.pk}/$"))
