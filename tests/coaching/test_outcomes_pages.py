"""Sales outcomes through their doors: the import page (preview, signed apply), the command's
exit codes, the API (admins only, 400 with messages), the report page and a rep's figures on
the rep page and their own home, each within a query budget (docs/outcomes.md)."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.models import SalesOutcome
from coaching.outcomes.importing import HEADER
from tests.coaching.factories import ObservationFactory
from tests.conftest import ROOT, api_as
from tests.factories import AdminFactory, ManagerFactory, RepFactory, SkillFactory

pytestmark = pytest.mark.django_db

IMPORT = reverse("coaching:outcomes_import")
REPORT = reverse("coaching:outcomes")
API = reverse("api-outcomes")


@pytest.fixture
def team():
    maria = ManagerFactory(username="maria")
    return {
        "maria": maria,
        "john": RepFactory(username="john", manager=maria),
        "sheila": RepFactory(username="sheila", manager=maria),
        "nina": RepFactory(username="nina", manager=ManagerFactory(username="omar")),
    }


GOOD = (
    f"{HEADER}\n"
    "john,2026-01-01,2026-01-31,win_rate,0.25\n"
    "john,2026-02-01,2026-02-28,win_rate,0.31\n"
    "sheila,2026-01-01,2026-01-31,win_rate,0.4\n"
)
BAD = (
    f"{HEADER}\njohn,2026-01-01,2026-01-31,win_rate,0.25\nghost,2026-01-01,2026-01-31,win_rate,x\n"
)


# --- the import page ----------------------------------------------------------------------------


def test_the_admin_previews_then_applies_exactly_the_file_previewed(client, team):
    client.force_login(AdminFactory())
    preview = client.post(IMPORT, {"text": GOOD})
    html = preview.content.decode()
    assert preview.status_code == 200 and "Preview: nothing is changed yet" in html
    assert html.count('data-outcome="create"') == 3
    # Each row shows its own cells, and the form posts back to this page.
    assert '<th scope="row" data-label="Rep">sheila</th>' in html
    assert f'<form method="post" action="{IMPORT}">' in html
    assert not SalesOutcome.objects.exists()
    signed = re.search(r'name="signed" value="([^"]+)"', html).group(1)
    applied = client.post(IMPORT, {"signed": signed})
    assert "3 new, 0 replaced, 0 unchanged" in applied.content.decode()
    assert SalesOutcome.objects.count() == 3
    # A file changed after its preview, or another import's preview, is refused.
    assert (
        "not the file that was previewed"
        in client.post(IMPORT, {"signed": signed[:-2] + "xx"}).content.decode()
    )
    from accounts.people.forms import import_sign

    people_signed = import_sign(GOOD)  # signed by the people import
    assert (
        "not the file that was previewed"
        in client.post(IMPORT, {"signed": people_signed}).content.decode()
    )


def test_a_file_with_errors_lists_them_and_offers_no_apply(client, team):
    client.force_login(AdminFactory())
    html = client.post(IMPORT, {"text": BAD}).content.decode()
    assert "2 errors" in html and "rep ghost is not a person here" in html
    assert "value &#x27;x&#x27; is not a number" in html
    assert 'name="signed"' not in html


def test_only_admins_have_the_import_page(client, team):
    for person in (team["maria"], team["john"]):
        client.force_login(person)
        assert client.get(IMPORT).status_code == 404
        assert client.post(IMPORT, {"text": GOOD}).status_code == 404
    assert not SalesOutcome.objects.exists()


# --- the command --------------------------------------------------------------------------------


def test_the_command_imports_and_a_dry_run_changes_nothing(tmp_path, team):
    path = tmp_path / "outcomes.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = io.StringIO()
    call_command("import_outcomes", str(path), "--dry-run", stdout=out)
    assert "dry run" in out.getvalue() and not SalesOutcome.objects.exists()
    call_command("import_outcomes", str(path), stdout=out)
    assert SalesOutcome.objects.count() == 3
    again = io.StringIO()
    call_command("import_outcomes", str(path), stdout=again)
    assert "0 new, 0 replaced, 3 unchanged" in again.getvalue()


def test_the_command_lists_errors_by_line_and_exits_1(tmp_path, team):
    path = tmp_path / "outcomes.csv"
    path.write_text(BAD, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_outcomes", str(path), stderr=err)
    assert failed.value.returncode == 1
    assert "2 error(s); nothing was imported." in str(failed.value)
    assert err.getvalue().splitlines() == [
        f"{path}:3: value 'x' is not a number",
        f"{path}:3: rep ghost is not a person here",
    ]
    assert not SalesOutcome.objects.exists()


def test_the_command_exits_1_in_a_real_process(tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_text("nonsense\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_outcomes", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert ":1: The first line must be the header rep,period_start" in result.stderr


# --- the API ------------------------------------------------------------------------------------


ROWS = [
    {
        "rep": "john",
        "period_start": "2026-01-01",
        "period_end": "2026-01-31",
        "metric": "win_rate",
        "value": 0.25,
    }
]


def test_an_admin_sends_json_rows_and_sending_them_again_changes_nothing(team):
    admin = AdminFactory()
    dry = api_as(admin).post(API + "?dry_run=1", ROWS, format="json")
    assert dry.status_code == 200 and dry.json()["rows"][0]["outcome"] == "create"
    assert not SalesOutcome.objects.exists()
    done = api_as(admin).post(API, ROWS, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["applied"] is True and done.json()["counts"]["create"] == 1
    assert api_as(admin).post(API, ROWS, format="json").json()["rows"][0]["outcome"] == "unchanged"
    replaced = api_as(admin).post(API, [{**ROWS[0], "value": 0.3}], format="json").json()
    assert replaced["rows"][0]["outcome"] == "update"
    assert replaced["rows"][0]["previous"] == "0.2500"
    assert SalesOutcome.objects.get().value == Decimal("0.3")


def test_an_admin_sends_a_csv_body_or_an_upload(team):
    admin = AdminFactory()
    body = api_as(admin).post(API, GOOD.encode(), content_type="text/csv")
    assert body.status_code == 200 and body.json()["counts"]["create"] == 3
    upload = io.BytesIO(GOOD.encode())
    upload.name = "outcomes.csv"
    again = api_as(admin).post(API, {"file": upload}, format="multipart")
    assert again.status_code == 200 and again.json()["counts"]["unchanged"] == 3


def test_errors_are_a_400_with_every_message_and_nothing_imported(team):
    response = api_as(AdminFactory()).post(API, BAD.encode(), content_type="text/csv")
    assert response.status_code == 400
    body = response.json()
    assert "nothing was imported" in body["message"]
    assert [error["line"] for error in body["errors"]] == [3, 3]
    assert body["rows"][0]["outcome"] == "create" and body["rows"][1]["outcome"] == "error"
    assert not SalesOutcome.objects.exists()
    wrong_shape = api_as(AdminFactory()).post(API, {"rep": "john"}, format="json")
    assert wrong_shape.status_code == 400 and "JSON list of rows" in wrong_shape.json()["message"]


def test_only_admins_may_send_outcomes(team):
    for person in (team["maria"], team["john"]):
        response = api_as(person).post(API, ROWS, format="json")
        assert response.status_code == 403 and response.json()["message"]
    assert not SalesOutcome.objects.exists()


# --- the report page ----------------------------------------------------------------------------


def _outcomes_for(reps, skill) -> None:
    for number, rep in enumerate(reps):
        ObservationFactory(rep=rep, skill=skill, rating=3)
        today = timezone.localdate()  # a recent period: the by-stage figures read it
        SalesOutcome.objects.create(
            rep=rep,
            metric="win_rate",
            period_start=today - dt.timedelta(days=30),
            period_end=today - dt.timedelta(days=1),
            value=Decimal(number),
        )


def test_the_report_page_draws_its_charts_and_tables_in_bounded_queries(
    client, team, django_assert_max_num_queries
):
    closing = SkillFactory(slug="closing", name="Closing")
    admin = AdminFactory()
    client.force_login(admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(REPORT).status_code == 200
        return len(queries)

    _outcomes_for([team["john"]], closing)
    count()  # the first request warms the caches the page reads
    few = count()
    _outcomes_for([RepFactory() for _ in range(4)], SkillFactory())
    assert count() == few
    with django_assert_max_num_queries(20):
        html = client.get(REPORT + "?metric=win_rate").content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart outcome-chart"' in html
    assert 'id="outcomes-before-after-table"' in html and 'id="outcomes-by-stage-table"' in html
    assert "too few reps to say" in html
    assert 'href="/coaching/outcomes/import/"' in html


def test_a_manager_s_report_names_their_team_only_and_a_rep_has_none(client, team):
    closing = SkillFactory(slug="closing", name="Closing")
    _outcomes_for([team["john"], team["nina"]], closing)
    client.force_login(team["maria"])
    html = client.get(REPORT).content.decode()
    assert "Your team" in html and "figures of 1 rep." in html
    assert "Import sales outcomes" not in html
    client.force_login(team["john"])
    assert client.get(REPORT).status_code == 404


def test_a_team_too_small_for_any_figure_gets_words_not_an_empty_chart(client, team):
    _outcomes_for([team["john"], team["sheila"]], SkillFactory())
    client.force_login(team["maria"])
    html = client.get(REPORT).content.decode()
    assert "outcome-chart" not in html
    assert html.count("No chart: every figure here rests on fewer than 3 reps") == 2


def test_with_no_figures_the_report_says_how_to_get_them(client, team):
    client.force_login(AdminFactory())
    html = client.get(REPORT).content.decode()
    assert "No sales outcomes yet" in html and "outcome-chart" not in html


# --- a rep's figures ----------------------------------------------------------------------------


def _figures(rep, *values: str) -> None:
    for month, value in enumerate(values, start=1):
        SalesOutcome.objects.create(
            rep=rep,
            metric="win_rate",
            period_start=f"2026-{month:02d}-01",
            period_end=f"2026-{month:02d}-28",
            value=Decimal(value),
        )


def test_the_rep_page_shows_the_latest_period_and_its_trend(client, team):
    _figures(team["john"], "0.25", "0.31")
    _figures(team["sheila"], "0.9")
    client.force_login(team["maria"])
    html = client.get(reverse("coaching:rep", args=[team["john"].pk])).content.decode()
    row = re.search(r'<tr data-metric="win_rate" data-direction="up">(.*?)</tr>', html, re.S)
    assert row and "Win rate" in row.group(1) and "0.31" in row.group(1)
    assert "▲ up 0.06" in row.group(1) and "0.25 → 0.31" in row.group(1)
    assert "0.9" not in row.group(1)
    empty = client.get(reverse("coaching:rep", args=[team["nina"].pk]))
    assert empty.status_code == 404  # omar's rep: not maria's to see


def test_a_rep_sees_their_own_figures_at_home_and_nobody_else_s(client, team):
    _figures(team["john"], "0.25", "0.2")
    _figures(team["sheila"], "0.77")
    client.force_login(team["john"])
    html = client.get(reverse("coaching:rep_home")).content.decode()
    assert 'data-direction="down"' in html and "▼ down 0.05" in html
    assert "0.77" not in html
    client.force_login(team["nina"])  # no figures: no section
    assert 'id="outcomes"' not in client.get(reverse("coaching:rep_home")).content.decode()


def test_figures_cost_the_rep_page_and_home_one_query_however_many(
    client, team, django_assert_max_num_queries
):
    def count(url) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    page = reverse("coaching:rep", args=[team["john"].pk])
    client.force_login(team["maria"])
    _figures(team["john"], "0.2")
    count(page)  # the first request warms the caches the page reads
    one = count(page)
    _figures(team["sheila"], "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7")
    SalesOutcome.objects.filter(rep=team["sheila"]).update(rep=team["john"], metric="quota")
    assert count(page) == one
    with django_assert_max_num_queries(32):  # the rep page's budget (test_people_pages)
        client.get(page)
    client.force_login(team["john"])
    home = reverse("coaching:rep_home")
    count(home)
    before = count(home)
    SalesOutcome.objects.create(
        rep=team["john"],
        metric="pipeline",
        period_start="2026-01-01",
        period_end="2026-01-31",
        value=Decimal(5),
    )
    assert count(home) == before
