"""The top navigation leads each role to its own work, and to nothing it may not open."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _nav_links(client, user) -> set[str]:
    client.force_login(user)
    html = client.get(reverse("lms:my_learning"))
    return {
        href
        for href in (reverse("author:courses"), reverse("people:roster"), reverse("admin:index"))
        if f'href="{href}"' in html.content.decode()
    }


def test_an_admin_is_led_to_authoring_and_people_not_the_back_office(client, org):
    org.admin.is_superuser = False
    org.admin.save(update_fields=["is_superuser"])
    assert _nav_links(client, org.admin) == {reverse("author:courses"), reverse("people:roster")}


def test_a_superuser_also_sees_the_back_office(client, org):
    org.admin.is_superuser = True
    org.admin.save(update_fields=["is_superuser"])
    assert reverse("admin:index") in _nav_links(client, org.admin)


@pytest.mark.parametrize("who", ["rep", "manager"])
def test_reps_and_managers_see_none_of_the_admin_pages(client, org, who):
    assert _nav_links(client, getattr(org, who)) == set()


def test_a_manager_finds_their_teams_details_from_the_team_page(client, org):
    client.force_login(org.manager)
    team = client.get(reverse("coaching:team")).content.decode()
    assert f'href="{reverse("people:roster")}"' in team
    roster = client.get(reverse("people:roster"))
    assert roster.status_code == 200
    assert org.rep.username in roster.content.decode()
    assert org.other_rep.username not in roster.content.decode()
