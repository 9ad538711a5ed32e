"""The coaching budget in the browser: maria's week over budget, and pulling an item in."""

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from coaching.models import DeferredCoaching
from coaching.sessions.budget import week_start_of
from tests.e2e.conftest import LAPTOP, PHONE, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _hours_by_week(section) -> dict[str, float]:
    """The hours used each week shows, by its Monday."""
    weeks = section.locator(".budget-week")
    return {
        weeks.nth(i).get_attribute("data-week"): float(
            weeks.nth(i).locator("[data-budget-used]").inner_text().split()[0]
        )
        for i in range(weeks.count())
    }


def test_maria_sees_her_week_over_budget_and_pulls_an_item_in_place(page, demo, shots):
    page.set_viewport_size(LAPTOP)
    sign_in(page, "maria", DEMO_PASSWORD)
    budget = page.locator("#budget")
    expect(budget.get_by_role("heading", name="Your week against your budget")).to_be_visible()
    # This week, or on a Friday evening (no working hours left in it) the next one.
    expect(budget.locator(".budget-week.over").first).to_contain_text("Over budget")
    liam = DeferredCoaching.objects.get(rep__username="liam")
    item = page.locator(f"#deferred-{liam.pk}")
    expect(item).to_contain_text("Instead: refresher questions")
    hours_before = _hours_by_week(budget)
    budget.screenshot(path=str(shots / "budget-laptop.png"))

    page.evaluate("window.stillHere = true")
    item.get_by_role("button", name="Pull into the week").click()
    expect(page.locator(f"#deferred-{liam.pk}")).to_contain_text("Pulled into the week")
    assert page.evaluate("window.stillHere") is True
    liam.refresh_from_db()
    assert liam.status == DeferredCoaching.Status.PULLED and liam.session is not None
    link = page.locator(f"#deferred-{liam.pk}").get_by_role("link", name="session on")
    expect(link).to_have_attribute("href", f"/coaching/sessions/{liam.session_id}/")
    # The pulled session counts in the week it sits in, shown at once.
    week = week_start_of(liam.session.scheduled_for, liam.coach.tzinfo).isoformat()
    expected = dict(hours_before)
    expected[week] += liam.session.duration_minutes / 60
    assert _hours_by_week(page.locator("#budget")) == expected

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("#budget")).to_be_visible()
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    page.locator("#budget").screenshot(path=str(shots / "budget-phone.png"))


def test_maria_takes_the_alternatives_in_place_without_her_time(page, demo, shots):
    page.set_viewport_size(LAPTOP)
    sign_in(page, "maria", DEMO_PASSWORD)
    budget = page.locator("#budget")
    hours_before = _hours_by_week(budget)
    priya = DeferredCoaching.objects.get(rep__username="priya")
    item = page.locator(f"#deferred-{priya.pk}")
    item.get_by_role("button", name="Book peer practice with Sheila").click()
    expect(page.locator(f"#deferred-{priya.pk}")).to_contain_text("Peer practice booked")
    priya.refresh_from_db()
    assert priya.status == DeferredCoaching.Status.RESOLVED
    assert priya.session.coach.username == "sheila" and priya.session.rep.username == "priya"
    link = page.locator(f"#deferred-{priya.pk}").get_by_role("link", name="Sheila")
    expect(link).to_have_attribute("href", f"/coaching/sessions/{priya.session_id}/")

    liam = DeferredCoaching.objects.get(rep__username="liam")
    page.locator(f"#deferred-{liam.pk}").get_by_role(
        "button", name="Send refresher questions now"
    ).click()
    expect(page.locator(f"#deferred-{liam.pk}")).to_contain_text("Refresher questions sent")
    # Neither takes the manager's time.
    assert _hours_by_week(page.locator("#budget")) == hours_before
    page.locator("#budget").screenshot(path=str(shots / "budget-alternatives-laptop.png"))
