"""Holding a session in the browser: ratings and a commitment, checked on a confirmation before
they are saved, on a laptop and on a phone. Screenshots go to ``$E2E_SCREENSHOTS`` when set."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.models import CoachingSession, Commitment, Observation
from tests.coaching.factories import session_with
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, ManagerFactory, RepFactory, SkillFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("E2E_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def a_session_under_way() -> CoachingSession:
    manager = ManagerFactory(username="maria", first_name="Maria", last_name="Lopez")
    rep = RepFactory(username="jo", first_name="Jo", last_name="Rep", manager=manager)
    skill = SkillFactory(slug="discovery", name="Discovery")
    return session_with(
        rep, scheduled_for=timezone.now() - dt.timedelta(minutes=5), focus_skill=skill
    )


def hold_through_the_confirmation(page, session: CoachingSession, shots: Path, size: str):
    sign_in(page, "maria", PASSWORD)
    page.goto(f"/coaching/sessions/{session.pk}/")
    expect(page.get_by_role("heading", name="Record this session")).to_be_visible()
    page.locator("form.hold").screenshot(path=str(shots / f"hold-form-{size}.png"))
    # Nothing of the form hides off the side of a narrow screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    # An empty record is refused in words.
    page.get_by_label("Shared notes").fill("Fine.")
    page.get_by_role("button", name="Review the record").click()
    expect(page.get_by_role("alert")).to_contain_text("rate at least one skill")

    rubric = page.get_by_role("group", name="Discovery", exact=True)
    rubric.get_by_label("4 · Proficient", exact=False).check()
    page.get_by_label("Evidence for Discovery").fill("Asked three open questions in a row.")
    page.get_by_label("Commitment 1", exact=True).fill("Open every call with a question")
    page.get_by_label("Skill of commitment 1").select_option(label="Discovery")
    due = timezone.localdate() + dt.timedelta(days=7)
    page.get_by_label("Due date of commitment 1").fill(due.isoformat())
    page.get_by_label("Shared notes").fill("Good pace; keep the pauses.")
    page.get_by_role("button", name="Review the record").click()

    confirm = page.get_by_role("region", name="Check before saving")
    expect(confirm).to_contain_text("Discovery")
    expect(confirm).to_contain_text("4/5")
    expect(confirm).to_contain_text("Open every call with a question")
    expect(confirm).to_contain_text("Good pace; keep the pauses.")
    confirm.screenshot(path=str(shots / f"hold-confirm-{size}.png"))
    assert not Observation.objects.exists()

    page.get_by_role("button", name="Confirm and save").click()
    expect(page.get_by_role("heading", name="What was recorded")).to_be_visible()
    expect(page.get_by_text("Session recorded as held.")).to_be_visible()
    expect(page.get_by_text("You can change this record until")).to_be_visible()
    page.screenshot(path=str(shots / f"hold-recorded-{size}.png"), full_page=True)
    # The record stays open to corrections for a day, filled in with what was saved.
    page.get_by_text("Change the record").click()
    expect(page.get_by_label("Commitment 1", exact=True)).to_have_value(
        "Open every call with a question"
    )
    expect(page.get_by_label("Due date of commitment 1")).to_have_value(due.isoformat())
    page.locator("details.amend").screenshot(path=str(shots / f"amend-form-{size}.png"))
    session.refresh_from_db()
    assert session.status == CoachingSession.Status.HELD
    assert Observation.objects.get(session=session).rating == 4
    assert Commitment.objects.get(session=session).text == "Open every call with a question"


def test_a_manager_holds_a_session_through_the_confirmation_on_a_laptop(page, shots):
    page.set_viewport_size(LAPTOP)
    hold_through_the_confirmation(page, a_session_under_way(), shots, "1366x900")


def test_the_hold_form_is_usable_on_a_phone(page, shots):
    page.set_viewport_size(PHONE)
    hold_through_the_confirmation(page, a_session_under_way(), shots, "390x844")
