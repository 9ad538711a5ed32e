"""API tokens end when they should: a changed password (by its owner, by a reset link, by an
admin), a deactivation, their expiry, or their holder revoking them, on the API or the profile."""

from __future__ import annotations

import datetime as dt
import re
from importlib import import_module
from types import SimpleNamespace

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, AuditEvent
from tests.factories import PASSWORD, AdminFactory, RepFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
NEW_PASSWORD = "a-fresh-start-for-spring-2027"


@pytest.fixture
def jo(db):
    return RepFactory(username="jo", first_name="Jo", email="jo@example.com")


def sign_in_for_token(username: str = "jo", password: str = PASSWORD, agent: str = "") -> str:
    response = APIClient().post(
        TOKEN_URL,
        {"username": username, "password": password},
        format="json",
        HTTP_USER_AGENT=agent,
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def me_status(token: str) -> int:
    return APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me/").status_code


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_each_sign_in_gets_its_own_token_with_its_expiry_and_client(jo, settings):
    settings.API_TOKEN_DAYS = 30
    response = APIClient().post(
        TOKEN_URL,
        {"username": "jo", "password": PASSWORD},
        format="json",
        HTTP_USER_AGENT="Sync/2.1",
    )
    body = response.json()
    token = ApiToken.objects.get(key=body["token"])
    assert dt.datetime.fromisoformat(body["expiry"]) == token.expires
    assert token.expires - token.created == pytest.approx(
        dt.timedelta(days=30), abs=dt.timedelta(seconds=5)
    )
    assert token.label == "Sync/2.1"
    second = sign_in_for_token()
    assert second != body["token"]
    assert me_status(body["token"]) == 200 and me_status(second) == 200


def test_changing_ones_own_password_revokes_every_token_and_the_new_one_signs_in(jo):
    tokens = [sign_in_for_token(), sign_in_for_token()]
    response = signed_in(jo).post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert [me_status(t) for t in tokens] == [401, 401]
    assert not ApiToken.objects.filter(user=jo).exists()
    fresh = sign_in_for_token(password=NEW_PASSWORD)
    assert me_status(fresh) == 200
    event = AuditEvent.objects.get(action=AuditEvent.Action.PASSWORD_CHANGED)
    assert (event.actor, event.subject, event.detail) == (jo, jo, "by themselves")
    assert event.address == "127.0.0.1"


def test_a_password_reset_by_emailed_link_revokes_every_token(jo):
    token = sign_in_for_token()
    client = Client()
    client.post(reverse("password_reset"), {"email": "jo@example.com"})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)[1]
    form_url = client.get(link)["Location"]
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert me_status(token) == 401
    event = AuditEvent.objects.get(action=AuditEvent.Action.PASSWORD_RESET)
    assert (event.actor, event.subject) == (jo, jo)
    revoked = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_REVOKED)
    assert revoked.subject == jo and "password changed" in revoked.detail


def test_an_admin_setting_the_password_in_the_admin_revokes_every_token(jo):
    token = sign_in_for_token()
    admin = AdminFactory(username="ada")
    response = signed_in(admin).post(
        reverse("admin:auth_user_password_change", args=[jo.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:2000]
    assert me_status(token) == 401
    event = AuditEvent.objects.get(action=AuditEvent.Action.PASSWORD_CHANGED)
    assert (event.actor, event.subject, event.detail) == (admin, jo, "by ada")


def test_deactivating_a_person_in_the_admin_revokes_every_token_and_reactivating_is_recorded(jo):
    token = sign_in_for_token()
    admin = AdminFactory(username="ada")
    client = signed_in(admin)
    url = reverse("admin:accounts_user_change", args=[jo.pk])
    form = {
        "username": "jo",
        "first_name": "Jo",
        "last_name": jo.last_name,
        "email": jo.email,
        "role": "rep",
        "manager": jo.manager_id,
        "timezone": jo.timezone,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    response = client.post(url, {**form, "is_active": ""})
    assert response.status_code == 302, response.content[:3000]
    assert me_status(token) == 401
    assert not ApiToken.objects.filter(user=jo).exists()
    deactivated = AuditEvent.objects.get(action=AuditEvent.Action.DEACTIVATED)
    assert (deactivated.actor, deactivated.subject) == (admin, jo)

    client.post(url, {**form, "is_active": "on"})
    reactivated = AuditEvent.objects.get(action=AuditEvent.Action.REACTIVATED)
    assert (reactivated.actor, reactivated.subject) == (admin, jo)


def test_an_expired_token_is_refused_with_a_message_saying_so(jo, settings):
    settings.API_TOKEN_DAYS = 30
    token = sign_in_for_token()
    with time_machine.travel(timezone.now() + dt.timedelta(days=30, minutes=1)):
        response = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me/")
    assert response.status_code == 401
    assert "expired" in response.json()["message"]
    assert me_status(token) == 200  # a day before, it still worked


def test_use_is_noted_on_the_token(jo):
    token = sign_in_for_token()
    assert ApiToken.objects.get(key=token).last_used is None
    me_status(token)
    assert ApiToken.objects.get(key=token).last_used is not None


def test_a_client_revokes_its_own_token_and_only_that_one(jo):
    mine, other = sign_in_for_token(), sign_in_for_token()
    response = APIClient(HTTP_AUTHORIZATION=f"Token {mine}").delete(TOKEN_URL)
    assert response.status_code == 204
    assert me_status(mine) == 401
    assert me_status(other) == 200
    assert (
        AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_REVOKED, subject=jo).count() == 1
    )


def test_revoking_needs_a_token_to_revoke(jo):
    response = APIClient().delete(TOKEN_URL)
    assert response.status_code == 401
    session = APIClient()
    session.force_login(jo)
    refused = session.delete(TOKEN_URL)
    assert refused.status_code == 400
    assert "token" in refused.json()["message"]


def test_the_profile_lists_ones_own_tokens_and_revokes_them(jo):
    token = sign_in_for_token(agent="Reports exporter/1.0")
    other_person = RepFactory(username="kim")
    theirs = sign_in_for_token("kim", agent="Kim's phone")
    client = signed_in(jo)
    page = client.get(reverse("profile"))
    assert b"Reports exporter/1.0" in page.content
    assert b"Kim&#x27;s phone" not in page.content and b"Kim's phone" not in page.content
    assert token.encode() not in page.content  # the key itself is never shown

    own = ApiToken.objects.get(key=token)
    response = client.post(reverse("profile_token_revoke", args=[own.pk]))
    assert response.status_code == 302
    assert me_status(token) == 401
    assert b"No program is signed in" in client.get(reverse("profile")).content

    someone_elses = ApiToken.objects.get(user=other_person)
    assert client.post(reverse("profile_token_revoke", args=[someone_elses.pk])).status_code == 404
    assert me_status(theirs) == 200


def test_tokens_from_before_expiry_carry_over_with_one_and_the_old_table_is_emptied(jo, settings):
    """The data migration, run over a table as DRF's authtoken app left it."""
    from django.apps import apps
    from django.db import connection

    migration = import_module("accounts.migrations.0002_api_tokens_and_audit_trail")
    settings.API_TOKEN_DAYS = 30
    created = timezone.now() - dt.timedelta(days=400)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp with "
            "time zone NOT NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            ["a" * 40, connection.ops.adapt_datetimefield_value(created), jo.pk],
        )
    # All it asks of the schema editor is its connection (SQLite's would refuse to open here,
    # inside the test's transaction).
    migration.carry_over_drf_tokens(apps, SimpleNamespace(connection=connection))
    token = ApiToken.objects.get(key="a" * 40)
    assert token.user == jo and token.created == created
    assert token.expires > timezone.now() + dt.timedelta(days=29)
    assert me_status("a" * 40) == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
