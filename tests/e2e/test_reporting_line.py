"""An admin moves a rep to another team on the back office's user page; the new manager finds the
rep's session in their week, moved to a time they are free, and opens it; the former manager no
longer can. Screenshots go to ``$E2E_SCREENSHOTS`` when set."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.models import CoachingSession
from tests.coaching.factories import session_with
from tests.e2e.conftest import LAPTOP, PHONE, sign_in
from tests.factories import PASSWORD, AdminFactory, ManagerFactory, RepFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def next_weekday_at_ten() -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=2)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)


def sign_out(page) -> None:
    page.context.clear_cookies()


def test_an_admin_moves_a_rep_and_the_new_manager_sees_the_session(page, shots):
    AdminFactory(username="ada", first_name="Ada", last_name="Admin")
    maria = ManagerFactory(username="maria", first_name="Maria", last_name="Lopez", timezone="UTC")
    omar = ManagerFactory(username="omar", first_name="Omar", last_name="Haddad", timezone="UTC")
    jo = RepFactory(username="jo", first_name="Jo", last_name="Rep", manager=maria, timezone="UTC")
    session = session_with(jo, scheduled_for=next_weekday_at_ten())
    # Omar is busy then: Jo's session moves to his first free slot, half an hour later.
    session_with(RepFactory(username="kim", manager=omar), scheduled_for=session.scheduled_for)

    # The admin opens Jo's page in the back office and picks Omar as manager.
    page.set_viewport_size(LAPTOP)
    sign_in(page, "ada", PASSWORD)
    page.goto(f"/admin/accounts/user/{jo.pk}/change/")
    page.locator("#id_manager + .select2").click()
    page.locator(".select2-search__field").fill("omar")
    page.get_by_role("option", name="Omar Haddad").click()
    page.screenshot(path=str(shots / "reporting-line-admin-1366x900.png"), full_page=True)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    moved = CoachingSession.objects.get(pk=session.pk)
    assert moved.coach == omar
    assert moved.scheduled_for == session.scheduled_for + dt.timedelta(minutes=30)

    # Omar finds the session in that week and opens it: Jo's, with him as coach.
    sign_out(page)
    sign_in(page, "omar", PASSWORD)
    week = timezone.localdate(moved.scheduled_for).isoformat()
    for size, viewport in (("1366x900", LAPTOP), ("390x844", PHONE)):
        page.set_viewport_size(viewport)
        page.goto(f"/coaching/week/?week={week}")
        link = page.get_by_role("link", name="10:30 · Jo Rep")
        expect(link).to_be_visible()
        page.screenshot(path=str(shots / f"reporting-line-week-{size}.png"), full_page=True)
        link.click()
        expect(page.locator(".session-head")).to_contain_text("Jo Rep with Omar Haddad")
        page.screenshot(path=str(shots / f"reporting-line-session-{size}.png"), full_page=True)

    # Maria, the former manager, finds nothing there any more.
    sign_out(page)
    page.set_viewport_size(LAPTOP)
    sign_in(page, "maria", PASSWORD)
    response = page.goto(f"/coaching/sessions/{session.pk}/")
    assert response is not None and response.status == 404
    page.screenshot(path=str(shots / "reporting-line-former-404-1366x900.png"), full_page=True)
