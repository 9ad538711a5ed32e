"""Sales outcomes from a CSV file or a JSON list: one preview of every row's outcome, one
all-or-nothing apply (docs/outcomes.md).

The file has the header ``rep,period_start,period_end,metric,value`` (in any order): ``rep`` a
rep's username, the dates ISO (``2026-03-01``), the end the period's last day, ``metric`` a short
name such as ``win_rate``, ``value`` a number. Each row comes out as ``create``, ``update`` (a
new value replacing the one imported before, which the row names) or ``unchanged``, or with its
errors: an unknown person, someone who is not a rep, a bad date, an end before the start, a
period overlapping another of the same rep and metric (in the file or imported before), a value
that is not a number, the same rep, metric and period twice in the file. A figure is one per
rep, metric and period, so importing a file again changes nothing. The page,
``import_outcomes`` and ``POST /api/v1/outcomes/`` all call this; the reading of the CSV and the
plan's shape are every import's (``config.spreadsheet.csv_read``,
``config.imports.ImportPlan``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from coaching.models import SalesOutcome
from config.dates import date_in_range
from config.imports import (
    CREATE,
    ERROR,
    UNCHANGED,
    UPDATE,
    ImportPlan,
    ImportRefused,
    PlanRow,
)
from config.spreadsheet import csv_read

COLUMNS = ("rep", "period_start", "period_end", "metric", "value")
HEADER = ",".join(COLUMNS)
MAX_ROWS = 20_000
METRIC = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PLACES = Decimal("0.0001")  # the stored precision: four decimal places
LARGEST = Decimal("1e12")  # sixteen digits, four of them after the point

__all__ = ["COLUMNS", "HEADER", "ImportRefused", "OutcomeRow"]


@dataclass(kw_only=True)
class OutcomeRow(PlanRow):
    rep: str = ""
    period_start: str = ""
    period_end: str = ""
    metric: str = ""
    value: str = ""
    # Read from the cells once they are valid.
    start: dt.date | None = None
    end: dt.date | None = None
    number: Decimal | None = None
    rep_id: int | None = None
    previous: Decimal | None = None  # the value imported before, for an update

    said: ClassVar[dict[str, str]] = {
        CREATE: "New figure",
        UNCHANGED: "Already imported: nothing to change",
    }

    @property
    def username(self) -> str:  # the people import's rows name their person so too
        return self.rep

    @property
    def changes(self) -> list[str]:
        return ["value"] if self.outcome == UPDATE else []

    def update_said(self) -> str:
        return f"Replaces {_plain(self.previous)} imported before"


def _plain(value: Decimal | None) -> str:
    """A stored value as a person wrote it: 0.3100 → 0.31, 12.0000 → 12."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- reading -----------------------------------------------------------------------------------


def _from_csv(text: str) -> ImportPlan:
    table = csv_read(text, columns=COLUMNS, max_rows=MAX_ROWS, noun="rows")
    plan = ImportPlan(file_errors=table.file_errors)
    for line, cells in table.rows:
        if len(cells) != len(table.header):
            row = OutcomeRow(line=line)
            row.errors.append(f"{len(cells)} cells where the header has {len(table.header)}")
            plan.rows.append(row)
            continue
        plan.rows.append(_row(line, dict(zip(table.header, cells, strict=True))))
    return plan


def _from_records(records: list[Any]) -> ImportPlan:
    """A JSON list of objects with the CSV's columns as keys; ``line`` is the item's number,
    counted from 1."""
    plan = ImportPlan()
    if len(records) > MAX_ROWS:
        plan.file_errors.append((1, f"Over {MAX_ROWS} rows; split them."))
        return plan
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            row = OutcomeRow(line=number)
            row.errors.append("each row is an object with " + ", ".join(COLUMNS))
            plan.rows.append(row)
            continue
        missing = [name for name in COLUMNS if record.get(name) in (None, "")]
        unknown = sorted(str(name) for name in record if name not in COLUMNS)
        cells = {
            name: str(record[name]) if isinstance(record.get(name), str | int | float) else ""
            for name in COLUMNS
        }
        row = _row(number, cells)
        if isinstance(record.get("value"), bool):
            row.errors = [e for e in row.errors if not e.startswith("value")]
            row.errors.append("value must be a number")
        if unknown:
            row.errors.append("unknown field " + ", ".join(unknown))
        for name in missing:
            if not any(error.startswith(name) for error in row.errors):
                row.errors.append(f"{name} is missing")
        plan.rows.append(row)
    return plan


def _row(line: int, cells: dict[str, str]) -> OutcomeRow:
    """A row's cells and the errors it shows on its own (formats, the order of its dates)."""
    row = OutcomeRow(line=line, **{name: cells.get(name, "").strip() for name in COLUMNS})
    if not row.rep:
        row.errors.append("rep is missing: a rep's username")
    for name in ("period_start", "period_end"):
        text = getattr(row, name)
        label = name.replace("_", " ")
        try:
            day = dt.date.fromisoformat(text) if len(text) == 10 else None
        except ValueError:
            day = None
        if day is None:
            row.errors.append(f"{label} {text!r} is not a date like 2026-03-31")
            continue
        try:
            date_in_range(day)
        except ValidationError as error:
            row.errors.append(f"{label} {text}: {error.messages[0]}")
            continue
        setattr(row, "start" if name == "period_start" else "end", day)
    if row.start and row.end and row.end < row.start:
        row.errors.append(f"period end {row.end} is before its start {row.start}")
        row.start = row.end = None
    row.metric = row.metric.lower()
    if not METRIC.match(row.metric):
        row.errors.append(
            f"metric {row.metric!r}: a short name of letters, digits and _ such as win_rate"
        )
    try:
        number = Decimal(row.value.replace(",", "")) if row.value else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        row.errors.append(f"value {row.value!r} is not a number")
    elif abs(number) >= LARGEST:
        row.errors.append(f"value {row.value} is too large")
    else:
        row.number = number.quantize(PLACES, rounding=ROUND_HALF_EVEN)
    return row


# --- checking against what is here -------------------------------------------------------------


def outcomes_import_preview(
    *, text: str | None = None, records: list[Any] | None = None
) -> ImportPlan:
    """Every row's outcome or errors, without changing anything (a dry run). Pass the CSV as
    ``text`` or the rows as ``records`` (the API's JSON list)."""
    plan = _from_csv(text) if records is None else _from_records(records)
    if not plan.rows:
        if not plan.file_errors:
            plan.file_errors.append((1, "There are no rows to import."))
        return plan
    rows: list[OutcomeRow] = plan.rows
    people = {
        user.username: user
        for user in User.objects.filter(username__in={row.rep for row in rows if row.rep}).only(
            "pk", "username", "role"
        )
    }
    for row in rows:
        if not row.rep:
            continue
        person = people.get(row.rep)
        if person is None:
            row.errors.append(f"rep {row.rep} is not a person here")
        elif person.role != User.Role.REP:
            row.errors.append(
                f"{row.rep} is a{'n' if person.role == 'admin' else ''} "
                f"{person.get_role_display().lower()}, not a rep"
            )
        else:
            row.rep_id = person.pk
    placed = [
        row
        for row in rows
        if row.rep_id
        and row.start
        and row.end
        and row.number is not None
        and METRIC.match(row.metric)
    ]
    _check_periods(placed)
    for row in rows:
        row.outcome = ERROR if row.errors else row.outcome
    return plan


def _check_periods(rows: list[OutcomeRow]) -> None:
    """The same figure twice in the file, periods that overlap another of the same rep and
    metric (in the file, or stored and not the same period), and what each row does."""
    stored: dict[tuple[int, str], list[SalesOutcome]] = defaultdict(list)
    for outcome in SalesOutcome.objects.filter(
        rep_id__in={row.rep_id for row in rows}, metric__in={row.metric for row in rows}
    ).only("pk", "rep_id", "metric", "period_start", "period_end", "value"):
        stored[(outcome.rep_id, outcome.metric)].append(outcome)
    in_file: dict[tuple[int, str], list[OutcomeRow]] = defaultdict(list)
    for row in rows:
        in_file[(row.rep_id, row.metric)].append(row)
    for key, group in in_file.items():
        seen: dict[tuple[dt.date, dt.date], int] = {}
        for row in group:
            period = (row.start, row.end)
            if period in seen:
                row.errors.append(
                    f"{row.rep} {row.metric} {row.start} to {row.end} is also on line "
                    f"{seen[period]}"
                )
                continue
            seen[period] = row.line
            for other in group:
                if other is row or (other.start, other.end) == period:
                    continue
                if other.start <= row.end and row.start <= other.end and other.line < row.line:
                    row.errors.append(
                        f"the period overlaps {other.start} to {other.end} on line {other.line}"
                    )
                    break
            if row.errors:
                continue
            same = None
            for outcome in stored.get(key, []):
                if (outcome.period_start, outcome.period_end) == period:
                    same = outcome
                elif outcome.period_start <= row.end and row.start <= outcome.period_end:
                    row.errors.append(
                        f"the period overlaps {outcome.period_start} to {outcome.period_end} "
                        f"of {row.metric}, imported before"
                    )
                    break
            if row.errors:
                continue
            if same is None:
                row.outcome = CREATE
            elif same.value == row.number:
                row.outcome = UNCHANGED
            else:
                row.outcome, row.previous = UPDATE, same.value


# --- applying ----------------------------------------------------------------------------------


@transaction.atomic
def outcomes_import_apply(
    *, text: str | None = None, records: list[Any] | None = None, actor: User | None
) -> ImportPlan:
    """Check the rows again and write them whole, in one transaction, or raise
    ``ImportRefused`` (nothing written). New figures are added, changed ones replaced; a row
    already imported as it is stays as it was."""
    plan = outcomes_import_preview(text=text, records=records)
    if not plan.ok:
        raise ImportRefused(plan)
    writes = [row for row in plan.rows if row.outcome in (CREATE, UPDATE)]
    if writes:
        SalesOutcome.objects.bulk_create(
            [
                SalesOutcome(
                    rep_id=row.rep_id,
                    metric=row.metric,
                    period_start=row.start,
                    period_end=row.end,
                    value=row.number,
                    imported_by=actor,
                )
                for row in writes
            ],
            update_conflicts=True,
            unique_fields=["rep", "metric", "period_start", "period_end"],
            update_fields=["value", "imported_by", "updated_at"],
        )
    plan.applied = True
    return plan
