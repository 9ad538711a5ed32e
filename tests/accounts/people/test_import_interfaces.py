"""The people import through its command and its API: the same service, the same answers."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.importing import HEADER
from accounts.models import User
from tests.conftest import api_as
from tests.factories import AdminFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

GOOD = f"{HEADER}\nana,Ana,Silva,ana@example.com,rep,lea,\nlea,Lea,Lund,lea@example.com,manager,,\n"
BAD = f"{HEADER}\nana,Ana,Silva,ana@example.com,rep,ghost,\nlea,Lea,Lund,lea@,manager,,\n"
URL = reverse("api-people-import")


@pytest.fixture
def csv_file(tmp_path):
    def write(text: str):
        path = tmp_path / "team.csv"
        path.write_text(text, encoding="utf-8")
        return path

    return write


# --- the command -------------------------------------------------------------------------------


def test_the_command_imports_a_file_and_says_what_it_did(csv_file):
    out = io.StringIO()
    call_command("import_people", str(csv_file(GOOD)), stdout=out)
    assert User.objects.get(username="ana").manager.username == "lea"
    assert "2: ana: create" in out.getvalue()
    assert "2 new, 0 changed, 0 unchanged" in out.getvalue()


def test_the_command_s_dry_run_changes_nothing(csv_file):
    out = io.StringIO()
    call_command("import_people", str(csv_file(GOOD)), "--dry-run", stdout=out)
    assert not User.objects.filter(username="ana").exists()
    assert "dry run" in out.getvalue()


def test_the_command_lists_errors_as_file_line_and_exits_1(csv_file):
    path = csv_file(BAD)
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_people", str(path), stderr=err)
    assert failed.value.returncode == 1
    lines = err.getvalue().splitlines()
    assert lines[0] == f"{path}:2: manager ghost is not in the file and not a person here"
    assert lines[1].startswith(f"{path}:3: email 'lea@' is not an email address")
    assert not User.objects.filter(username="ana").exists()


def test_the_command_exits_1_in_a_real_process(csv_file):
    import subprocess
    import sys

    from tests.conftest import ROOT

    result = subprocess.run(
        [sys.executable, "manage.py", "import_people", str(csv_file("nonsense\n")), "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert ":1: The first line must be the header" in result.stderr


# --- the API -----------------------------------------------------------------------------------


def test_an_admin_previews_a_csv_body_without_changing_anything():
    response = api_as(AdminFactory()).post(
        URL + "?dry_run=1", GOOD.encode(), content_type="text/csv"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True and body["applied"] is False
    assert [row["outcome"] for row in body["rows"]] == ["create", "create"]
    assert not User.objects.filter(username="ana").exists()


def test_an_admin_imports_an_uploaded_file():
    upload = io.BytesIO(GOOD.encode())
    upload.name = "team.csv"
    response = api_as(AdminFactory()).post(URL, {"file": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["counts"]["create"] == 2
    assert User.objects.get(username="ana").manager.username == "lea"
    again = api_as(AdminFactory()).post(URL, GOOD.encode(), content_type="text/csv")
    assert {row["outcome"] for row in again.json()["rows"]} == {"unchanged"}


def test_a_file_with_errors_is_a_400_listing_them_and_imports_nothing():
    response = api_as(AdminFactory()).post(URL, BAD.encode(), content_type="text/csv")
    assert response.status_code == 400
    body = response.json()
    assert "nothing was imported" in body["message"]
    assert [error["line"] for error in body["errors"]] == [2, 3]
    assert body["rows"][0]["outcome"] == "error"
    assert not User.objects.filter(username="ana").exists()


def test_a_json_body_is_told_to_send_csv():
    response = api_as(AdminFactory()).post(URL, {}, format="json")
    assert response.status_code == 400
    assert "text/csv" in response.json()["message"]


@pytest.mark.parametrize("who", ["rep", "manager"])
def test_only_admins_import(who):
    user = RepFactory() if who == "rep" else ManagerFactory()
    response = api_as(user).post(URL, GOOD.encode(), content_type="text/csv")
    assert response.status_code == 403
    assert not User.objects.filter(username="ana").exists()


def test_the_import_is_in_the_schema():
    schema = api_as(AdminFactory()).get(reverse("api-schema"), HTTP_ACCEPT="application/json")
    operation = schema.json()["paths"]["/api/v1/people/import/"]["post"]
    assert set(operation["requestBody"]["content"]) >= {"text/csv", "multipart/form-data"}
