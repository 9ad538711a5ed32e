"""Signing in and out as people meet it: resetting a forgotten password by email, changing it,
the signed-out message, and a lockout that says how long it lasts."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from tests.factories import PASSWORD, RepFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-fresh-start-for-spring-2027"


@pytest.fixture
def jo(db):
    return RepFactory(username="jo", first_name="Jo", email="jo@example.com")


def signs_in(username: str, password: str) -> bool:
    response = Client().post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


# --- resetting by email ------------------------------------------------------------------------


def test_the_sign_in_page_offers_a_reset(client):
    page = client.get(reverse("login"))
    assert reverse("password_reset").encode() in page.content
    assert b"Forgot your password?" in page.content


def test_a_forgotten_password_is_reset_through_the_emailed_link(client, jo):
    response = client.post(reverse("password_reset"), {"email": "jo@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert b"Check your email" in client.get(response["Location"]).content

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["jo@example.com"]
    assert email.subject == "Set a new Skillcoach password"
    assert "Hello Jo" in email.body
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", email.body).group(1)

    # Django swaps the token in the link for one kept in the session, then asks for the password.
    form_url = client.get(link)["Location"]
    page = client.get(form_url)
    assert page.status_code == 200
    assert b"Set a new password" in page.content
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")
    assert b"Your new password is set" in client.get(done["Location"]).content

    assert signs_in("jo", NEW_PASSWORD)
    assert not signs_in("jo", PASSWORD)
    # The link works once.
    assert b"This link no longer works" in client.get(link, follow=True).content


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, jo):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_reset_that_is_not_an_address_is_a_form_error(client, jo):
    response = client.post(reverse("password_reset"), {"email": "jo"})
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert mail.outbox == []


def test_reset_emails_spend_the_sign_in_budget_of_the_address(client, jo, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"token": "1000/min", "login": "2/min", "write": "1000/min"},
    )
    statuses = [
        client.post(reverse("password_reset"), {"email": "jo@example.com"}).status_code
        for _ in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert len(mail.outbox) == 2


# --- changing it -------------------------------------------------------------------------------


def test_the_profile_page_links_to_changing_and_resetting_the_password(client, jo):
    client.force_login(jo)
    page = client.get(reverse("profile"))
    assert reverse("password_change").encode() in page.content
    assert reverse("password_reset").encode() in page.content


def test_changing_the_password_returns_to_the_profile(client, jo):
    client.force_login(jo)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("profile")
    assert b"Your password is changed." in response.content
    # Still signed in here, and the new password is the one that works.
    assert client.get(reverse("profile")).status_code == 200
    assert signs_in("jo", NEW_PASSWORD)


def test_a_wrong_current_password_changes_nothing(client, jo):
    client.force_login(jo)
    response = client.post(
        reverse("password_change"),
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert signs_in("jo", PASSWORD)


# --- signing out and lockout -------------------------------------------------------------------


def test_signing_out_says_so_on_the_sign_in_page(client, jo):
    client.force_login(jo)
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert b"You are signed out." in response.content
    # Said once, not on every later visit.
    assert b"You are signed out." not in client.get(reverse("login")).content


@pytest.mark.parametrize(
    ("minutes", "words"), [(15, "15 minutes"), (90, "1 hour, 30 minutes"), (60, "1 hour")]
)
def test_the_lockout_says_how_long_it_lasts(client, settings, jo, minutes, words):
    settings.AXES_COOLOFF_TIME = minutes / 60
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "jo", "password": "nope"})
    response = client.post(reverse("login"), {"username": "jo", "password": PASSWORD})
    assert response.status_code == 429
    assert f"Try again in {words}".encode() in response.content
    assert reverse("password_reset").encode() in response.content


def test_the_api_lockout_says_how_long_too(api, settings, jo):
    settings.AXES_COOLOFF_TIME = 15 / 60
    url = reverse("api-token")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post(url, {"username": "jo", "password": "nope"}, format="json")
    response = api.post(url, {"username": "jo", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert "try again in 15 minutes" in response.json()["message"]
