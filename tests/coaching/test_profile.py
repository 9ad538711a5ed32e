"""The profile page: details and time zone, email per kind of reminder (obeyed by the outbox),
the calendar feed; through HTTP, and delivery through the outbox's send task."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coaching import tasks
from coaching.models import CalendarFeed, EmailOptOut, Notification, Reminder
from coaching.reminders.outbox import reminders_claim_due
from coaching.reminders.preferences import OPTED_OUT_REASON, email_kinds_for
from tests.coaching.outbox_support import remind
from tests.factories import AdminFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind
URL = "/accounts/profile/"


@pytest.fixture
def rep(db):
    return RepFactory(username="jo", first_name="Jo", email="jo@example.com")


def details(**changes) -> dict[str, str]:
    data = {
        "section": "details",
        "details-first_name": "Jo",
        "details-last_name": "Bloggs",
        "details-email": "jo@example.com",
        "details-timezone": "Europe/London",
    }
    data.update({f"details-{name}": value for name, value in changes.items()})
    return data


def wanted(*kinds: str) -> dict[str, object]:
    return {"section": "email", "email-wanted": list(kinds)}


def deliver_due() -> None:
    ids = reminders_claim_due(now=timezone.now())
    tasks.send_reminders.apply(args=[ids]).get()


# --- the page ----------------------------------------------------------------------------------


def test_the_profile_is_reached_from_every_page(client, rep):
    client.force_login(rep)
    assert reverse("profile") == URL
    home = client.get("/", follow=True)
    assert f'href="{URL}"'.encode() in home.content


@pytest.mark.parametrize("factory", [RepFactory, ManagerFactory, AdminFactory])
def test_every_role_has_a_profile(client, factory):
    person = factory()
    client.force_login(person)
    response = client.get(URL)
    assert response.status_code == 200
    assert person.email.encode() in response.content


def test_the_page_shows_details_time_zones_email_kinds_and_the_feed(client, rep):
    client.force_login(rep)
    html = client.get(URL).content.decode()
    assert 'value="Jo"' in html
    # A list to choose from, grouped by region, with the person's own selected.
    assert '<optgroup label="Europe">' in html
    assert '<option value="Europe/London" selected>London</option>' in html
    assert '<option value="America/New_York">New York</option>' in html
    # Every kind a rep receives is on; the coach's kinds are not offered to a rep.
    assert 'value="session_booked"' in html and 'value="reinforcement_due"' in html
    assert 'value="weekly_digest"' not in html
    assert html.count('name="email-wanted"') == html.count('name="email-wanted" value=') > 0
    feed = CalendarFeed.objects.get(user=rep)
    assert f"http://testserver/coaching/calendar/{feed.token}.ics" in html
    assert f'href="webcal://testserver/coaching/calendar/{feed.token}.ics"' in html
    assert 'data-copy="feed-url"' in html
    assert "/static/js/profile.js" in html


def test_a_manager_is_offered_the_coach_kinds(client):
    manager = ManagerFactory()
    client.force_login(manager)
    html = client.get(URL).content.decode()
    assert 'value="weekly_digest"' in html and 'value="session_hold_overdue"' in html


def test_editing_details_saves_them(client, rep):
    client.force_login(rep)
    response = client.post(
        URL, details(first_name="Joanna", email="joanna@example.com", timezone="Asia/Tokyo")
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert (rep.first_name, rep.last_name, rep.email, rep.timezone) == (
        "Joanna",
        "Bloggs",
        "joanna@example.com",
        "Asia/Tokyo",
    )
    page = client.get(URL)
    assert b"Your details are saved." in page.content
    assert b'<option value="Asia/Tokyo" selected>' in page.content


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "europe/london", ""])
def test_a_time_zone_not_on_the_list_is_a_form_error(client, rep, bad):
    client.force_login(rep)
    response = client.post(URL, details(first_name="Changed", timezone=bad))
    assert response.status_code == 200
    assert b"errorlist" in response.content
    if bad:
        assert b"Choose a time zone from the list, such as Europe/London." in response.content
    rep.refresh_from_db()
    assert (rep.first_name, rep.timezone) == ("Jo", "Europe/London")


def test_an_email_that_is_not_an_address_is_a_form_error(client, rep):
    client.force_login(rep)
    response = client.post(URL, details(email="jo at example"))
    assert response.status_code == 200
    assert b"errorlist" in response.content
    rep.refresh_from_db()
    assert rep.email == "jo@example.com"


def test_a_post_changes_only_its_own_section(client, rep):
    client.force_login(rep)
    client.post(URL, details(first_name="Joanna"))
    assert not EmailOptOut.objects.filter(user=rep).exists()
    client.post(URL, wanted(Kind.SESSION_BOOKED))
    rep.refresh_from_db()
    assert rep.first_name == "Joanna"


# --- email per kind ----------------------------------------------------------------------------


def test_turning_kinds_off_is_stored_and_shown(client, rep):
    client.force_login(rep)
    response = client.post(URL, wanted(Kind.SESSION_BOOKED, Kind.SESSION_CANCELLED))
    assert response.status_code == 302
    off = set(EmailOptOut.objects.filter(user=rep).values_list("kind", flat=True))
    assert Kind.SESSION_24H in off and Kind.REINFORCEMENT_DUE in off
    assert Kind.SESSION_BOOKED not in off and Kind.SESSION_CANCELLED not in off
    # A rep's form leaves the coach's kinds alone.
    assert Kind.WEEKLY_DIGEST not in off
    html = client.get(URL).content.decode()
    assert "Your email settings are saved." in html
    assert 'value="session_booked" id="id_email-wanted_0" checked' in html
    assert 'value="session_24h" id="id_email-wanted_1" checked' not in html

    everything_offered = [value for value, _ in email_kinds_for(user=rep)]
    assert client.post(URL, wanted(*everything_offered)).status_code == 302
    assert not EmailOptOut.objects.filter(user=rep).exists()


def test_a_kind_that_is_not_offered_is_a_form_error(client, rep):
    client.force_login(rep)
    response = client.post(URL, wanted("weekly_digest"))
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not EmailOptOut.objects.filter(user=rep).exists()


def test_the_outbox_sends_no_email_of_a_kind_turned_off_but_still_notifies_in_app(client, rep):
    client.force_login(rep)
    client.post(URL, wanted(Kind.SESSION_BOOKED))  # every other kind off
    muted = remind(rep, kind=Kind.REINFORCEMENT_DUE, key="muted")
    kept = remind(rep, kind=Kind.SESSION_BOOKED, key="kept")
    mail.outbox.clear()

    deliver_due()

    rows = {(r.kind, r.channel): r for r in Reminder.objects.filter(recipient=rep)}
    muted_email = rows[(Kind.REINFORCEMENT_DUE, Reminder.Channel.EMAIL)]
    assert muted_email.status == Reminder.Status.CANCELLED
    assert muted_email.last_error == OPTED_OUT_REASON
    assert rows[(Kind.REINFORCEMENT_DUE, Reminder.Channel.IN_APP)].status == Reminder.Status.SENT
    assert rows[(Kind.SESSION_BOOKED, Reminder.Channel.EMAIL)].status == Reminder.Status.SENT
    assert Notification.objects.filter(recipient=rep).count() == 2
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jo@example.com"]
    assert len(muted) == len(kept) == 2


def test_turning_email_off_for_one_person_leaves_everyone_else_s(client, rep):
    other = RepFactory(email="other@example.com")
    client.force_login(rep)
    client.post(URL, wanted())  # all off for jo
    remind(rep, kind=Kind.SESSION_BOOKED, key="jo", channels=(Reminder.Channel.EMAIL,))
    remind(other, kind=Kind.SESSION_BOOKED, key="other", channels=(Reminder.Channel.EMAIL,))
    mail.outbox.clear()
    deliver_due()
    assert [message.to for message in mail.outbox] == [["other@example.com"]]


def test_emails_link_to_the_profile_for_their_settings(rep):
    remind(rep, kind=Kind.SESSION_BOOKED, key="link", channels=(Reminder.Channel.EMAIL,))
    mail.outbox.clear()
    deliver_due()
    assert "http://127.0.0.1:8000/accounts/profile/" in mail.outbox[0].body


# --- the calendar feed -------------------------------------------------------------------------


def test_resetting_the_feed_returns_to_the_profile_with_a_new_address(client, rep):
    client.force_login(rep)
    client.get(URL)
    old = CalendarFeed.objects.get(user=rep).token
    response = client.post(reverse("coaching:calendar_feed_reset"))
    assert response["Location"] == URL + "#calendar"
    new = CalendarFeed.objects.get(user=rep).token
    assert new != old
    html = client.get(URL).content.decode()
    assert new in html and old not in html
    assert client.get(f"/coaching/calendar/{old}.ics").status_code == 404


# --- cost ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("factory", [RepFactory, ManagerFactory])
def test_the_profile_page_costs_a_few_queries(client, django_assert_max_num_queries, factory):
    person = factory()
    client.force_login(person)
    client.get(URL)  # the feed is created on the first visit
    EmailOptOut.objects.bulk_create(
        [EmailOptOut(user=person, kind=value) for value, _ in Kind.choices[:5]]
    )
    # Nine on the embedded default, where the signed-in session is read from the database.
    with django_assert_max_num_queries(9):
        assert client.get(URL).status_code == 200
