"""Invitations: a link to set a first password that works once, within INVITATION_DAYS."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.invitations import invitation_link, invitation_send, invitation_tokens
from accounts.models import User
from accounts.services import user_invite
from config.errors import DomainError
from tests.factories import AdminFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db


def signs_in(username: str, password: str) -> bool:
    """Through the sign-in page, as a person would (the lockout backend wants a request)."""
    response = Client().post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


NEW_PASSWORD = "a-long-new-password-2026"


@pytest.fixture
def newcomer(django_capture_on_commit_callbacks, mailoutbox):
    admin = AdminFactory(username="ada", first_name="Ada", last_name="L")
    with django_capture_on_commit_callbacks(execute=True):
        person = user_invite(
            actor=admin,
            username="newbie",
            email="newbie@example.com",
            role=User.Role.REP,
            first_name="New",
            manager=ManagerFactory(username="maria"),
        )
    return person


def link_in(message) -> str:
    return re.search(r"https?://\S+/people/welcome/\S+/", message.body).group(0)


def test_a_new_person_gets_an_email_with_a_link_on_the_site_url(newcomer, mailoutbox, settings):
    (message,) = mailoutbox
    assert message.to == ["newbie@example.com"]
    assert "Ada L" in message.subject
    assert link_in(message).startswith(settings.SITE_URL.rstrip("/") + "/people/welcome/")
    assert "newbie" in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html" and link_in(message) in html
    assert not newcomer.has_usable_password()


def test_the_link_sets_the_password_once(newcomer, mailoutbox):
    client = Client()
    page = client.get(link_in(mailoutbox[0]), follow=True)
    assert b"Welcome to Skillcoach" in page.content
    form_url = page.redirect_chain[-1][0]
    done = client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert b"Your password is set" in done.content
    assert signs_in("newbie", NEW_PASSWORD)
    # Used: the same link no longer works.
    again = Client().get(link_in(mailoutbox[0]), follow=True)
    assert b"This invitation no longer works" in again.content


def test_the_token_is_valid_for_the_setting_s_days_then_expires(newcomer, settings):
    settings.INVITATION_DAYS = 7
    token = invitation_tokens.make_token(newcomer)
    assert invitation_tokens.check_token(newcomer, token)
    with time_machine.travel(timezone.now() + dt.timedelta(days=6, hours=23)):
        assert invitation_tokens.check_token(newcomer, token)
    with time_machine.travel(timezone.now() + dt.timedelta(days=7, hours=1)):
        assert not invitation_tokens.check_token(newcomer, token)


def test_an_invitation_is_no_password_reset_link(newcomer):
    from django.contrib.auth.tokens import default_token_generator

    token = invitation_tokens.make_token(newcomer)
    assert not default_token_generator.check_token(newcomer, token)
    assert not invitation_tokens.check_token(newcomer, default_token_generator.make_token(newcomer))


def test_a_changed_address_or_deactivation_ends_the_link(newcomer):
    token = invitation_tokens.make_token(newcomer)
    newcomer.email = "other@example.com"
    assert not invitation_tokens.check_token(newcomer, token)
    newcomer.email = "newbie@example.com"
    newcomer.is_active = False
    assert not invitation_tokens.check_token(newcomer, token)


def test_a_garbled_token_is_refused(newcomer):
    assert not invitation_tokens.check_token(newcomer, "nonsense")
    assert not invitation_tokens.check_token(newcomer, "zz-zz")
    assert not invitation_tokens.check_token(None, "a-b")


def test_an_invitation_can_be_sent_again(newcomer, mailoutbox):
    invitation_send(user=newcomer)
    assert len(mailoutbox) == 2
    assert invitation_link(user=newcomer).startswith("http")


def test_nobody_without_an_address_or_deactivated_is_invited():
    with pytest.raises(DomainError, match="no email address"):
        invitation_send(user=RepFactory(email=""))
    with pytest.raises(DomainError, match="deactivated"):
        invitation_send(user=RepFactory(is_active=False))


def test_only_an_admin_adds_people():
    with pytest.raises(DomainError):
        user_invite(actor=ManagerFactory(), username="x", email="x@example.com", role=User.Role.REP)
    assert not User.objects.filter(username="x").exists()
