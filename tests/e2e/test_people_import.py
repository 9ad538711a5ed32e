"""An admin brings in a new team from a spreadsheet: the preview shows the one bad row, the
corrected file previews clean, and applying it creates the team with its reporting line.
Screenshots go to ``$E2E_SCREENSHOTS`` when set."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.importing import HEADER
from accounts.models import User
from tests.e2e.conftest import LAPTOP, PHONE, sign_in
from tests.factories import PASSWORD, AdminFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROWS = [
    "ana,Ana,Silva,ana@example.com,rep,lea,Europe/Lisbon",
    "bo,Bo,Berg,bo@example.com,rep,lea,Europe/Stockholm",
    "cy,Cy,Moss,cy@example.com,rep,lea,Mars/Olympus",
    "lea,Lea,Lund,lea@example.com,manager,,Europe/Oslo",
]


def csv_file(rows: list[str]) -> dict:
    return {
        "name": "new-team.csv",
        "mimeType": "text/csv",
        "buffer": "\n".join([HEADER, *rows]).encode() + b"\n",
    }


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.mark.parametrize("size", ["1366x900", "390x844"])
def test_an_admin_imports_a_new_team_after_fixing_the_bad_row(page, shots, size):
    AdminFactory(username="ada", first_name="Ada", last_name="Admin", timezone="UTC")
    page.set_viewport_size(LAPTOP if size == "1366x900" else PHONE)
    sign_in(page, "ada", PASSWORD)
    page.goto("/people/")
    page.get_by_role("link", name="Import from CSV").click()
    expect(page.get_by_role("heading", name="Import people from CSV")).to_be_visible()
    # The file field's help sits under the field, not squeezed in beside it.
    file_box = page.get_by_label("CSV file").bounding_box()
    help_box = page.get_by_text("Save the spreadsheet as CSV (UTF-8).").bounding_box()
    assert help_box["y"] >= file_box["y"] + file_box["height"]

    # The first file has a time zone nobody has heard of: the preview says which row, and why.
    page.get_by_label("CSV file").set_input_files(csv_file(ROWS))
    page.get_by_role("button", name="Preview").click()
    rows = page.locator("#import-rows tbody tr")
    expect(rows).to_have_count(4)
    bad = page.locator('#import-rows tr[data-outcome="error"]')
    expect(bad).to_have_count(1)
    expect(bad).to_contain_text("cy")
    expect(bad).to_contain_text("time zone 'Mars/Olympus' is not known")
    expect(page.locator(".import-refused")).to_have_text("1 error")
    expect(page.get_by_role("button", name="Apply")).to_have_count(0)
    assert fits(page)
    page.screenshot(path=str(shots / f"people-import-error-{size}.png"), full_page=True)
    assert not User.objects.filter(username="ana").exists()

    # The corrected file previews clean; the manager after her reports is fine.
    fixed = [row.replace("Mars/Olympus", "Europe/London") for row in ROWS]
    page.get_by_label("CSV file").set_input_files(csv_file(fixed))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator('#import-rows tr[data-outcome="create"]')).to_have_count(4)
    page.screenshot(path=str(shots / f"people-import-preview-{size}.png"), full_page=True)
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("4 added and invited")
    page.screenshot(path=str(shots / f"people-import-done-{size}.png"), full_page=True)

    lea = User.objects.get(username="lea")
    assert set(lea.direct_reports.values_list("username", flat=True)) == {"ana", "bo", "cy"}
    assert User.objects.get(username="cy").timezone == "Europe/London"

    # The roster shows the new team under Lea.
    page.get_by_role("link", name="See everyone").click()
    page.get_by_label("Team of").select_option(label="Lea Lund (lea)")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#people tbody tr")).to_have_count(3)
    expect(page.locator('#people [data-person="ana"]')).to_contain_text("Invited")
