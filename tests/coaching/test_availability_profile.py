"""The profile page's "When you can be booked": working days and hours, time off to add and
remove; through HTTP."""

import datetime as dt

import pytest

from accounts.availability import time_off_add
from accounts.models import TimeOff
from tests.coaching.factories import LONDON, at, freeze
from tests.factories import RepFactory

pytestmark = pytest.mark.django_db

URL = "/accounts/profile/"


@pytest.fixture
def rep(monkeypatch):
    freeze(monkeypatch, at(LONDON, 2026, 3, 9, 12))
    return RepFactory(username="jo", first_name="Jo")


@pytest.fixture
def signed_in(client, rep):
    client.force_login(rep)
    return client


def week(days=("0", "1", "2", "3", "4"), start="09:00", end="17:00") -> dict:
    return {
        "section": "availability",
        "availability-working_days": list(days),
        "availability-day_start": start,
        "availability-day_end": end,
    }


def away(start, end, note="") -> dict:
    return {
        "section": "time_off",
        "time_off-start": start,
        "time_off-end": end,
        "time_off-note": note,
    }


def test_the_page_shows_the_default_week_ticked(signed_in):
    page = signed_in.get(URL).content.decode()
    assert "When you can be booked" in page
    assert 'name="availability-working_days" value="0"' in page
    days = page[page.index('class="weekdays"') : page.index("</fieldset>", page.index("weekdays"))]
    assert days.count("checked") == 5  # Monday to Friday
    assert 'value="09:00"' in page and 'value="17:00"' in page
    assert "No time off coming up." in page


def test_saving_the_working_week(signed_in, rep):
    response = signed_in.post(URL, week(days=("1", "2", "3", "5"), start="10:00", end="18:30"))
    assert response.status_code == 302 and response.url.endswith("#availability")
    rep.refresh_from_db()
    assert rep.working_days == [1, 2, 3, 5]
    assert (rep.day_start, rep.day_end) == (dt.time(10), dt.time(18, 30))
    assert "Your working week is saved." in signed_in.get(URL).content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        (week(days=()), "Choose at least one working day."),
        (week(start="17:00", end="09:00"), "The working day must end after it starts."),
        (week(start="09:00", end="09:15"), "must fit in the working day"),
        (week(start=""), "Give the time your working day starts"),
    ],
)
def test_a_working_week_that_cannot_be_booked_is_refused_on_the_form(signed_in, rep, data, message):
    response = signed_in.post(URL, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    rep.refresh_from_db()
    assert rep.working_days == []


def test_adding_and_removing_time_off(signed_in, rep):
    response = signed_in.post(URL, away("2026-12-24", "2026-12-28", "Holiday"))
    assert response.status_code == 302
    page = signed_in.get(URL).content.decode()
    assert "Thu 24 Dec 2026" in page and "Mon 28 Dec 2026" in page and "Holiday" in page
    row = TimeOff.objects.get(user=rep)
    signed_in.post(URL, {"section": "time_off_remove", "time_off": row.pk})
    assert not TimeOff.objects.filter(user=rep).exists()


@pytest.mark.parametrize(
    "data, message",
    [
        (away("2026-05-02", "2026-05-01"), "The last day is before the first; swap them."),
        (away("2029-01-01", "2029-01-02"), "more than two years ahead"),
        (away("2026-01-01", "2026-01-02"), "is over"),
        (away("", "2026-05-01"), "Give the first day you are away."),
    ],
)
def test_time_off_that_makes_no_sense_is_refused_on_the_form(signed_in, rep, data, message):
    response = signed_in.post(URL, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TimeOff.objects.filter(user=rep).exists()


def test_nobody_removes_another_person_s_time_off(signed_in):
    other = RepFactory()
    row = time_off_add(user=other, start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 2))
    response = signed_in.post(URL, {"section": "time_off_remove", "time_off": row.pk}, follow=True)
    assert "That time off is not on your list." in response.content.decode()
    assert TimeOff.objects.filter(pk=row.pk).exists()


def test_the_page_costs_the_same_with_much_time_off(signed_in, rep, django_assert_max_num_queries):
    signed_in.get(URL)  # the calendar feed is created on the first visit
    time_off_add(user=rep, start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 1))
    with django_assert_max_num_queries(12) as few:
        signed_in.get(URL)
    for day in range(2, 30):
        time_off_add(user=rep, start=dt.date(2026, 4, day), end=dt.date(2026, 4, day))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert signed_in.get(URL).content.decode().count("Remove</button>") == 29


def test_the_availability_forms_come_back_at_their_section(signed_in, rep):
    """A refusal renders the whole page again: the forms post to the section's anchor, so
    a phone shows the error rather than the top of the page."""
    time_off_add(user=rep, start=dt.date(2026, 12, 24), end=dt.date(2026, 12, 28))
    page = signed_in.post(URL, week(start="17:00", end="09:00")).content.decode()
    # The working week, the time off's Remove, and Add time off.
    assert page.count(f'action="{URL}#availability"') == 3
