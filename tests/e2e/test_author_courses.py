"""An admin creates a course, adds modules, reorders them, and reads why it cannot be published
yet; the same pages looked at on a laptop and a phone."""

import re

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from lms.models import Course
from tests.e2e.conftest import LAPTOP, PHONE, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_admin_builds_an_outline_and_the_checklist_blocks_publishing(page, demo, shots):
    page.set_viewport_size(LAPTOP)
    sign_in(page, "ada", DEMO_PASSWORD)
    page.goto("/author/")
    expect(page.get_by_role("heading", name="Courses", level=1)).to_be_visible()
    page.get_by_role("link", name="New course").click()

    page.get_by_label("Title").fill("Negotiation in practice")
    page.get_by_role("button", name="Create the draft").click()
    course = Course.objects.get(slug="negotiation-in-practice")
    expect(page).to_have_url(re.compile(rf"/author/courses/{course.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("as a draft")

    for title in ("Anchoring", "Trading concessions"):
        page.get_by_label("Add a module").fill(title)
        page.get_by_role("button", name="Add module").click()
        expect(page.locator(".outline-module h3").last).to_contain_text(title)

    # Reorder: the second module moves up (htmx swaps the outline; a plain post would too).
    page.get_by_role("button", name="Move Trading concessions up").click()
    expect(page.locator(".outline-module h3").first).to_contain_text("Trading concessions")
    page.reload()
    expect(page.locator(".outline-module h3").first).to_contain_text("Trading concessions")
    assert list(course.modules.values_list("title", flat=True)) == [
        "Trading concessions",
        "Anchoring",
    ]

    # The checklist says what blocks publishing, and the button waits for it.
    checklist = page.locator("#checklist")
    expect(checklist.get_by_role("heading")).to_have_text("Before it can be published")
    expect(checklist).to_contain_text("Anchoring: a module needs at least one lesson")
    expect(checklist).to_contain_text("Trading concessions: no coaching guide yet")
    expect(checklist).to_contain_text("the course is tagged with no skill")
    expect(checklist.get_by_role("button", name="Publish")).to_be_disabled()
    page.screenshot(path=str(shots / "author-course-laptop.png"), full_page=True)

    page.set_viewport_size(PHONE)
    page.screenshot(path=str(shots / "author-course-phone.png"), full_page=True)
    page.goto("/author/")
    expect(page.locator("#author-courses")).to_contain_text("Negotiation in practice")
    page.screenshot(path=str(shots / "author-courses-phone.png"), full_page=True)
    assert Course.objects.get(pk=course.pk).status == Course.Status.DRAFT
