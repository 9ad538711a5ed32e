"""The people pages through the client: who sees what, what each form does, bounded queries."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.importing import HEADER
from accounts.models import AuditEvent, User
from tests.factories import AdminFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db
ROSTER = reverse("people:roster")
IMPORT = reverse("people:import")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def person_url(person, name="people:person") -> str:
    return reverse(name, kwargs={"person_id": person.pk})


@pytest.fixture
def people():
    # Names are fixed: a random one (Johnson, say) would match a search.
    factory_names = {"last_name": "Quist"}
    admin = AdminFactory(username="ada", first_name="Ada", timezone="UTC", **factory_names)
    maria = ManagerFactory(username="maria", first_name="Maria", timezone="UTC", **factory_names)
    omar = ManagerFactory(username="omar", first_name="Omar", timezone="UTC", **factory_names)
    john = RepFactory(
        username="john", first_name="John", manager=maria, timezone="UTC", **factory_names
    )
    sam = RepFactory(
        username="sam", first_name="Sam", manager=omar, timezone="UTC", **factory_names
    )
    gone = RepFactory(
        username="gone", first_name="Gone", manager=None, is_active=False, **factory_names
    )
    return {"admin": admin, "maria": maria, "omar": omar, "john": john, "sam": sam, "gone": gone}


def names_in(response) -> list[str]:
    return re.findall(r'data-person="([^"]+)"', response.content.decode())


# --- the roster --------------------------------------------------------------------------------


def test_an_admin_sees_everyone_active(people):
    response = signed_in(people["admin"]).get(ROSTER)
    assert response.status_code == 200
    assert set(names_in(response)) == {"ada", "maria", "omar", "john", "sam"}
    assert b"Import from CSV" in response.content


def test_a_manager_sees_their_own_team_read_only(people):
    response = signed_in(people["maria"]).get(ROSTER + "?team=" + str(people["omar"].pk))
    assert response.status_code == 200
    assert names_in(response) == ["john"]
    assert b"Add a person" not in response.content


def test_a_rep_gets_a_404(people):
    assert signed_in(people["john"]).get(ROSTER).status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=joh", ["john"]),
        ("q=sam%40example", ["sam"]),
        ("role=manager", ["maria", "omar"]),
        ("active=inactive", ["gone"]),
    ],
)
def test_the_roster_searches_and_filters(people, query, expected):
    response = signed_in(people["admin"]).get(f"{ROSTER}?{query}")
    assert sorted(names_in(response)) == sorted(expected)


def test_clear_shows_once_a_filter_is_on_and_leads_to_everyone(people):
    client = signed_in(people["admin"])
    clear = f'<a href="{ROSTER}">Clear</a>'
    assert clear not in client.get(ROSTER).content.decode()
    assert clear in client.get(f"{ROSTER}?role=rep").content.decode()


def test_the_team_filter_lists_a_manager_s_reports_and_people_without_one(people):
    client = signed_in(people["admin"])
    assert names_in(client.get(f"{ROSTER}?team={people['maria'].pk}")) == ["john"]
    RepFactory(username="alone", manager=None)
    assert names_in(client.get(f"{ROSTER}?team=none")) == ["alone"]


def test_the_roster_reads_a_bounded_number_of_queries(people, django_assert_max_num_queries):
    client = signed_in(people["admin"])
    client.get(ROSTER)
    for index in range(30):
        RepFactory(manager=people["maria"], username=f"more{index}")
    with django_assert_max_num_queries(10):
        response = client.get(ROSTER)
    assert len(names_in(response)) == 35


# --- one person --------------------------------------------------------------------------------


def test_a_manager_reads_their_report_but_nobody_else(people):
    client = signed_in(people["maria"])
    page = client.get(person_url(people["john"]))
    assert page.status_code == 200
    assert b'name="role"' not in page.content  # read only: no form
    assert client.get(person_url(people["sam"])).status_code == 404
    assert client.post(person_url(people["john"]), {}).status_code == 404


def test_the_person_page_reads_a_bounded_number_of_queries(people, django_assert_max_num_queries):
    client = signed_in(people["admin"])
    with django_assert_max_num_queries(10):
        assert client.get(person_url(people["maria"])).status_code == 200


def details(person, **changes) -> dict:
    data = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "role": person.role,
        "manager": person.manager_id or "",
        "timezone": person.timezone,
    }
    return {**data, **changes}


def test_an_admin_moves_a_rep_through_the_manager_change_service(people):
    john = people["john"]
    response = signed_in(people["admin"]).post(
        person_url(john), details(john, manager=people["omar"].pk, timezone="Europe/Paris")
    )
    assert response.status_code == 302
    john.refresh_from_db()
    assert john.manager == people["omar"] and john.timezone == "Europe/Paris"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.MANAGER_CHANGED, subject=john, detail="maria → omar"
    ).exists()


def test_a_manager_with_reports_cannot_become_a_rep(people):
    maria = people["maria"]
    response = signed_in(people["admin"]).post(person_url(maria), details(maria, role="rep"))
    assert response.status_code == 400
    assert "1 person reports to Maria" in response.content.decode()
    maria.refresh_from_db()
    assert maria.role == User.Role.MANAGER


def test_an_unknown_time_zone_is_a_form_error(people):
    john = people["john"]
    response = signed_in(people["admin"]).post(person_url(john), details(john, timezone="Mars"))
    assert response.status_code == 400
    assert "Choose a time zone from the list" in response.content.decode()


def test_the_saved_message_names_the_person_as_they_are_now(people):
    john = people["john"]
    client = signed_in(people["admin"])
    response = client.post(person_url(john), details(john, first_name="Jonathan"), follow=True)
    (saved,) = [str(message) for message in response.context["messages"]]
    assert saved.startswith("Jonathan ") and saved.endswith("details are saved.")


def test_an_admin_adds_a_person_who_is_invited(
    people, django_capture_on_commit_callbacks, mailoutbox
):
    data = {
        "username": "newbie",
        "first_name": "New",
        "last_name": "Person",
        "email": "newbie@example.com",
        "role": "rep",
        "manager": people["maria"].pk,
        "timezone": "Europe/Oslo",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(people["admin"]).post(reverse("people:add"), data)
    newbie = User.objects.get(username="newbie")
    assert response.status_code == 302 and response.headers["Location"] == person_url(newbie)
    assert newbie.manager == people["maria"] and not newbie.has_usable_password()
    assert mailoutbox[0].to == ["newbie@example.com"]
    trail = AuditEvent.objects.filter(subject=newbie).values_list("action", "actor")
    assert set(trail) >= {
        ("person_added", people["admin"].pk),
        ("invitation_sent", people["admin"].pk),
    }


def test_a_taken_username_is_a_form_error(people):
    data = {"username": "john", "email": "j@example.com", "role": "rep", "timezone": "UTC"}
    response = signed_in(people["admin"]).post(reverse("people:add"), data)
    assert response.status_code == 400
    assert "The username john is taken" in response.content.decode()


def test_the_invitation_is_sent_again_from_the_person_page(people, mailoutbox):
    response = signed_in(people["admin"]).post(person_url(people["john"], "people:invite"))
    assert response.status_code == 302
    assert mailoutbox[0].to == [people["john"].email]
    assert AuditEvent.objects.filter(action="invitation_sent", subject=people["john"]).exists()


def test_deactivating_needs_the_confirmation_then_hands_the_team_on(people):
    client = signed_in(people["admin"])
    maria = people["maria"]
    client.post(person_url(maria, "people:deactivate"))
    maria.refresh_from_db()
    assert maria.is_active  # not confirmed
    client.post(person_url(maria, "people:deactivate"), {"confirm": "on"})
    maria.refresh_from_db()
    people["john"].refresh_from_db()
    assert not maria.is_active and people["john"].manager is None
    page = client.get(person_url(maria))
    assert b"Reactivate" in page.content
    client.post(person_url(maria, "people:reactivate"), {"confirm": "on"})
    maria.refresh_from_db()
    assert maria.is_active


def test_an_admin_cannot_deactivate_themselves(people):
    admin = people["admin"]
    response = signed_in(admin).post(person_url(admin, "people:deactivate"), {"confirm": "on"})
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.is_active


# --- the import page ---------------------------------------------------------------------------

TEAM = f"{HEADER}\nana,Ana,Silva,ana@example.com,rep,lea,\nlea,Lea,Lund,lea@example.com,manager,,\n"


def test_an_upload_is_previewed_then_applied_from_the_signed_preview(people):
    client = signed_in(people["admin"])
    preview = client.post(IMPORT, {"text": TEAM})
    html = preview.content.decode()
    assert 'data-outcome="create"' in html and "Apply" in html
    # Each row shows its own cells, and the form posts back to this page.
    assert '<td data-label="Manager">lea</td>' in html
    assert f'<form method="post" action="{IMPORT}">' in html
    assert not User.objects.filter(username="ana").exists()
    signed = re.search(r'name="signed" value="([^"]+)"', html).group(1)
    result = client.post(IMPORT, {"signed": signed})
    assert "Imported" in result.content.decode()
    assert User.objects.get(username="ana").manager.username == "lea"


def test_a_file_with_an_error_offers_no_apply(people):
    bad = TEAM.replace("lea@example.com", "lea@")
    html = signed_in(people["admin"]).post(IMPORT, {"text": bad}).content.decode()
    assert 'data-outcome="error"' in html and "not an email address" in html
    assert 'name="signed"' not in html


def test_two_errors_on_one_row_are_counted_as_such(people):
    bad = f"{HEADER}\nana,Ana,Silva,ana@,rep,,Mars/Olympus\nbo,Bo,Berg,bo@example.com,rep,,\n"
    html = signed_in(people["admin"]).post(IMPORT, {"text": bad}).content.decode()
    assert '<strong class="import-refused">2 errors</strong> in 1 row:' in html


def test_a_changed_file_is_never_applied(people):
    client = signed_in(people["admin"])
    html = client.post(IMPORT, {"text": TEAM}).content.decode()
    signed = re.search(r'name="signed" value="([^"]+)"', html).group(1)
    result = client.post(IMPORT, {"signed": signed[:-3] + "abc"})
    assert "This is not the file that was previewed" in result.content.decode()
    assert not User.objects.filter(username="ana").exists()


def test_the_import_page_is_for_admins_only(people):
    assert signed_in(people["maria"]).get(IMPORT).status_code == 404
    assert signed_in(people["maria"]).post(IMPORT, {"text": TEAM}).status_code == 404


def test_an_uploaded_file_that_is_not_utf8_is_a_form_error(people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("team.csv", "é".encode("latin-1"), content_type="text/csv")
    html = signed_in(people["admin"]).post(IMPORT, {"file": upload}).content.decode()
    assert "not UTF-8" in html
