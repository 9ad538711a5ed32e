"""The Django admin as a back office: superusers only, internals under their own heading, and
the product's user form without staff flags, permission lists or groups."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tokens import token_issue
from tests.factories import PASSWORD, AdminFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_organisation_admin_who_is_no_superuser_is_sent_to_sign_in():
    admin = AdminFactory(is_superuser=False, is_staff=True)
    response = signed_in(admin).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("admin:login"))


def test_the_back_office_sign_in_refuses_anyone_but_a_superuser():
    AdminFactory(username="org", is_superuser=False, is_staff=True)
    response = Client().post(reverse("admin:login"), {"username": "org", "password": PASSWORD})
    assert response.status_code == 200
    assert b"The back office is for the people who run the system" in response.content


def test_a_superuser_signs_in_without_a_staff_flag():
    AdminFactory(username="root", is_staff=False)
    client = Client()
    response = client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_home_page_groups_the_internals_under_one_heading():
    response = signed_in(AdminFactory()).get(reverse("admin:index"))
    apps = {app["app_label"]: app for app in response.context["app_list"]}
    internals = {model["object_name"] for model in apps["internals"]["models"]}
    assert {"ApiToken", "AuditEvent", "AccessAttempt"} <= internals
    assert "axes" not in apps and "auth" not in apps  # lockouts moved; no groups
    assert [model["object_name"] for model in apps["accounts"]["models"]] == ["User"]
    assert list(apps)[:: len(apps) - 1] == ["accounts", "internals"]
    assert b"Skillcoach back office" in response.content


def test_the_user_form_has_no_staff_flags_permissions_or_groups():
    rep = RepFactory()
    response = signed_in(AdminFactory()).get(reverse("admin:accounts_user_change", args=[rep.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    for name in ("is_staff", "user_permissions", "groups"):
        assert name not in form.fields
    assert {"role", "manager", "timezone", "email", "is_active"} <= set(form.fields)
    assert form.fields["is_superuser"].label == "Back-office access"


def test_the_lists_have_readable_column_names():
    admin = AdminFactory()
    token_issue(user=admin, label="A script")
    client = signed_in(admin)
    audit = client.get(reverse("admin:accounts_auditevent_changelist")).content.decode()
    for heading in ("When", "What", "Who", "Whom or what"):
        assert f">{heading}<" in audit
    tokens = client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    for heading in ("Program", "Signed in", "Ends"):
        assert f">{heading}<" in tokens


def test_changing_a_manager_in_the_back_office_still_moves_the_line():
    old, new = ManagerFactory(), ManagerFactory()
    rep = RepFactory(manager=old)
    client = signed_in(AdminFactory())
    url = reverse("admin:accounts_user_change", args=[rep.pk])
    data = {
        "username": rep.username,
        "first_name": rep.first_name,
        "last_name": rep.last_name,
        "email": rep.email,
        "role": "rep",
        "manager": new.pk,
        "timezone": rep.timezone,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    rep.refresh_from_db()
    assert rep.manager == new


def test_deactivating_in_the_back_office_runs_the_offboarding():
    boss = ManagerFactory(username="boss")
    rep = RepFactory(manager=boss)
    client = signed_in(AdminFactory())
    data = {
        "username": "boss",
        "first_name": boss.first_name,
        "last_name": boss.last_name,
        "email": boss.email,
        "role": "manager",
        "timezone": boss.timezone,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    response = client.post(reverse("admin:accounts_user_change", args=[boss.pk]), data)
    assert response.status_code == 302
    boss.refresh_from_db()
    rep.refresh_from_db()
    assert not boss.is_active
    assert rep.manager is None  # handed on, as from the person's page
