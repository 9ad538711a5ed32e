import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, RepFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_rep_signs_in_and_lands_on_their_home(page):
    RepFactory(username="jo", first_name="Jo")
    sign_in(page, "jo", PASSWORD)
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    expect(page.get_by_text("Welcome, Jo.")).to_be_visible()
    expect(page.get_by_role("heading", name="My training")).to_be_visible()


def test_a_wrong_password_shows_the_error(page):
    RepFactory(username="jo")
    sign_in(page, "jo", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("do not match")
