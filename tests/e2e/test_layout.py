import re

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}


def nav(page):
    return page.locator("nav#main-nav")


def test_on_a_phone_the_links_open_behind_the_menu_button(page, demo):
    page.set_viewport_size(PHONE)
    sign_in(page, "maria", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Team dashboard")).to_be_visible()

    week = nav(page).get_by_role("link", name="Sessions this week")
    expect(week).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("#notifications .bell")).to_be_visible()

    menu = page.locator("summary.menu-button")
    expect(menu).to_have_text("Menu")
    menu.click()
    expect(week).to_be_visible()
    # The open menu sits below the header's first line, not beside the brand.
    brand = page.locator(".brand").bounding_box()
    assert week.bounding_box()["y"] > brand["y"] + brand["height"]
    week.click()
    expect(page).to_have_url(re.compile(r"/coaching/week/"))
    expect(week).to_be_hidden()

    # From the keyboard: focus the button, open it with Enter, and tab into the links.
    menu.focus()
    page.keyboard.press("Enter")
    expect(nav(page).get_by_role("link", name="Home")).to_be_visible()
    page.keyboard.press("Tab")
    expect(nav(page).get_by_role("link", name="Home")).to_be_focused()


def test_on_a_phone_a_wide_table_scrolls_inside_its_card(page, demo):
    page.set_viewport_size(PHONE)
    sign_in(page, "maria", DEMO_PASSWORD)
    expect(page.locator("#heat-map")).to_be_visible()
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= PHONE["width"]


def test_on_a_laptop_the_links_show_and_there_is_no_menu_button(page, demo):
    page.set_viewport_size(LAPTOP)
    sign_in(page, "maria", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Team dashboard")).to_be_visible()

    expect(nav(page).get_by_role("link", name="Sessions this week")).to_be_visible()
    expect(page.locator("summary.menu-button")).to_be_hidden()
    expect(page.get_by_role("button", name="Menu")).to_have_count(0)
    # The links share the brand's line, as before.
    brand = page.locator(".brand").bounding_box()
    home = nav(page).get_by_role("link", name="Home").bounding_box()
    assert abs(home["y"] - brand["y"]) < brand["height"]
