"""Sales outcomes imported per rep and period: every error kind, all or nothing, idempotent,
a new value replacing the old one (docs/outcomes.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from coaching.models import SalesOutcome
from coaching.outcomes.importing import (
    HEADER,
    ImportRefused,
    outcomes_import_apply,
    outcomes_import_preview,
)
from tests.factories import AdminFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "admin": AdminFactory(username="ada"),
        "maria": ManagerFactory(username="maria"),
        "john": RepFactory(username="john"),
        "sheila": RepFactory(username="sheila"),
    }


def csv(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


GOOD = csv(
    "john,2026-01-01,2026-01-31,win_rate,0.25",
    "john,2026-02-01,2026-02-28,win_rate,0.31",
    "sheila,2026-01-01,2026-01-31,quota_attainment,92.5",
)


def stored() -> set[tuple[str, str, dt.date, dt.date, Decimal]]:
    return {
        (o.rep.username, o.metric, o.period_start, o.period_end, o.value)
        for o in SalesOutcome.objects.select_related("rep")
    }


def test_a_good_file_previews_then_imports_every_row(people):
    plan = outcomes_import_preview(text=GOOD)
    assert plan.ok and [row.outcome for row in plan.rows] == ["create"] * 3
    assert not SalesOutcome.objects.exists()  # a preview writes nothing
    outcomes_import_apply(text=GOOD, actor=people["admin"])
    assert stored() == {
        ("john", "win_rate", dt.date(2026, 1, 1), dt.date(2026, 1, 31), Decimal("0.25")),
        ("john", "win_rate", dt.date(2026, 2, 1), dt.date(2026, 2, 28), Decimal("0.31")),
        ("sheila", "quota_attainment", dt.date(2026, 1, 1), dt.date(2026, 1, 31), Decimal("92.5")),
    }
    assert {o.imported_by for o in SalesOutcome.objects.all()} == {people["admin"]}


def test_the_same_file_twice_changes_nothing(people):
    outcomes_import_apply(text=GOOD, actor=people["admin"])
    before = {(o.pk, o.updated_at) for o in SalesOutcome.objects.all()}
    plan = outcomes_import_apply(text=GOOD, actor=people["admin"])
    assert [row.outcome for row in plan.rows] == ["unchanged"] * 3
    assert plan.counts["unchanged"] == 3
    assert {(o.pk, o.updated_at) for o in SalesOutcome.objects.all()} == before


def test_a_new_value_replaces_the_old_and_the_row_says_so(people):
    outcomes_import_apply(text=GOOD, actor=None)
    changed = csv(
        "john,2026-01-01,2026-01-31,win_rate,0.28", "john,2026-02-01,2026-02-28,win_rate,0.31"
    )
    plan = outcomes_import_preview(text=changed)
    assert [row.outcome for row in plan.rows] == ["update", "unchanged"]
    assert plan.rows[0].message == "Replaces 0.25 imported before"
    outcomes_import_apply(text=changed, actor=people["admin"])
    assert SalesOutcome.objects.count() == 3
    january = SalesOutcome.objects.get(rep__username="john", period_start=dt.date(2026, 1, 1))
    assert january.value == Decimal("0.28") and january.imported_by == people["admin"]


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("ghost,2026-01-01,2026-01-31,win_rate,0.2", "rep ghost is not a person here"),
        ("maria,2026-01-01,2026-01-31,win_rate,0.2", "maria is a manager, not a rep"),
        ("ada,2026-01-01,2026-01-31,win_rate,0.2", "ada is an admin, not a rep"),
        ("john,2026-13-01,2026-01-31,win_rate,0.2", "period start '2026-13-01' is not a date"),
        ("john,1/1/2026,2026-01-31,win_rate,0.2", "period start '1/1/2026' is not a date"),
        ("john,2026-01-01,,win_rate,0.2", "period end '' is not a date"),
        ("john,2026-02-01,2026-01-31,win_rate,0.2", "period end 2026-01-31 is before its start"),
        ("john,2026-01-01,2026-01-31,win_rate,lots", "value 'lots' is not a number"),
        ("john,2026-01-01,2026-01-31,win_rate,NaN", "value 'NaN' is not a number"),
        ("john,2026-01-01,2026-01-31,Win Rate!,0.2", "metric 'win rate!'"),
        ("john,2026-01-01,2026-01-31,win_rate", "4 cells where the header has 5"),
        ("john,1990-01-01,1990-01-31,win_rate,0.2", "more than ten years ago"),
    ],
)
def test_each_bad_row_is_refused_with_its_reason_and_nothing_is_imported(people, line, error):
    text = csv("sheila,2026-01-01,2026-01-31,win_rate,0.4", line)
    plan = outcomes_import_preview(text=text)
    assert not plan.ok
    assert plan.rows[0].outcome == "create" and plan.rows[1].outcome == "error"
    assert error in plan.rows[1].message
    assert {number for number, _ in plan.errors} == {3}
    with pytest.raises(ImportRefused) as refused:
        outcomes_import_apply(text=text, actor=None)
    assert "nothing was imported" in refused.value.message
    assert not SalesOutcome.objects.exists()  # the good row is not imported either


def test_the_same_figure_twice_in_the_file_is_an_error_on_the_second(people):
    plan = outcomes_import_preview(
        text=csv(
            "john,2026-01-01,2026-01-31,win_rate,0.2", "john,2026-01-01,2026-01-31,win_rate,0.3"
        )
    )
    assert plan.rows[0].outcome == "create"
    assert plan.rows[1].errors == ["john win_rate 2026-01-01 to 2026-01-31 is also on line 2"]


def test_overlapping_periods_of_the_same_rep_and_metric_are_refused(people):
    plan = outcomes_import_preview(
        text=csv(
            "john,2026-01-01,2026-01-31,win_rate,0.2",
            "john,2026-01-15,2026-02-14,win_rate,0.3",  # overlaps line 2
            "john,2026-01-15,2026-02-14,quota_attainment,80",  # another metric: fine
            "sheila,2026-01-15,2026-02-14,win_rate,0.3",  # another rep: fine
        )
    )
    assert [row.outcome for row in plan.rows] == ["create", "error", "create", "create"]
    assert plan.rows[1].errors == ["the period overlaps 2026-01-01 to 2026-01-31 on line 2"]


def test_a_period_overlapping_one_imported_before_is_refused(people):
    outcomes_import_apply(text=GOOD, actor=None)
    plan = outcomes_import_preview(text=csv("john,2026-01-10,2026-02-09,win_rate,0.3"))
    assert plan.rows[0].errors == [
        "the period overlaps 2026-01-01 to 2026-01-31 of win_rate, imported before"
    ]


def test_file_errors_and_an_empty_file(people):
    assert outcomes_import_preview(text="rep,metric\njohn,x\n").file_errors == [
        (
            1,
            f"The first line must be the header {HEADER} "
            "(missing period_start, period_end, value).",
        )
    ]
    assert outcomes_import_preview(text=HEADER + "\n").file_errors == [
        (1, "There are no rows to import.")
    ]


def test_values_keep_four_decimal_places_and_metric_names_their_case(people):
    plan = outcomes_import_apply(
        text=csv("john,2026-01-01,2026-01-31,Win_Rate,0.333333333"), actor=None
    )
    assert plan.rows[0].metric == "win_rate"
    assert SalesOutcome.objects.get().value == Decimal("0.3333")
    # The same figure, written with more places, is the same figure.
    again = outcomes_import_preview(text=csv("john,2026-01-01,2026-01-31,win_rate,0.33333"))
    assert again.rows[0].outcome == "unchanged"


def test_json_records_take_the_same_path(people):
    records = [
        {
            "rep": "john",
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
            "metric": "win_rate",
            "value": 0.25,
        },
        {
            "rep": "john",
            "period_start": "2026-02-01",
            "period_end": "2026-02-28",
            "metric": "win_rate",
            "value": True,
            "colour": "red",
        },
        "not an object",
    ]
    plan = outcomes_import_preview(records=records)
    assert plan.rows[0].outcome == "create"
    assert plan.rows[1].errors == ["value must be a number", "unknown field colour"]
    assert plan.rows[2].errors == [
        "each row is an object with rep, period_start, period_end, metric, value"
    ]
