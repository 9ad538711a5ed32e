"""People from a CSV file: one parse, one preview of every row's outcome, one all-or-nothing apply.

The file has the header ``username,first_name,last_name,email,role,manager,timezone`` (in any
order); ``manager`` is a username, in the file or already here, empty for nobody; an empty
``timezone`` keeps a person's own (UTC for someone new). Each row comes out as ``create``,
``update`` (naming the fields that change) or ``unchanged``, or with its errors. The file is
checked as a whole against what it will leave behind, so a manager may come after their
reports and a team may move under a new manager in the same file. Applying runs the same
preview and refuses the whole file when any row has an error; re-importing a file changes
nothing. The page, ``import_people`` and ``POST /api/v1/people/import/`` all call this.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from typing import ClassVar

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import User
from accounts.services import user_invite, user_set_manager
from config.imports import (
    CREATE,
    ERROR,
    UNCHANGED,
    UPDATE,
    ImportPlan,
    ImportRefused,
    PlanRow,
)
from config.spreadsheet import CSV_MAX_BYTES, csv_read

COLUMNS = ("username", "first_name", "last_name", "email", "role", "manager", "timezone")
HEADER = ",".join(COLUMNS)
MAX_BYTES = CSV_MAX_BYTES
MAX_ROWS = 5_000
DETAILS = ("first_name", "last_name", "email", "role", "timezone")  # besides the manager
ROLES = {value: value for value in User.Role.values} | {
    label.lower(): value for value, label in User.Role.choices
}
_username = UnicodeUsernameValidator()

__all__ = [
    "COLUMNS",
    "CREATE",
    "ERROR",
    "HEADER",
    "UNCHANGED",
    "UPDATE",
    "ImportPlan",
    "ImportRefused",
    "ImportRow",
]


@dataclass(kw_only=True)
class ImportRow(PlanRow):
    username: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    role: str = ""
    manager: str = ""
    timezone: str = ""
    changes: list[str] = field(default_factory=list)

    said: ClassVar[dict[str, str]] = {
        CREATE: "New person: gets an invitation",
        UNCHANGED: "Nothing to change",
    }

    def update_said(self) -> str:
        return "Changes " + ", ".join(name.replace("_", " ") for name in self.changes)


# --- reading the file --------------------------------------------------------------------------


def _parse(text: str) -> ImportPlan:
    """Rows as written, with the errors one row shows on its own (cells, formats)."""
    table = csv_read(text, columns=COLUMNS, max_rows=MAX_ROWS, noun="people", max_bytes=MAX_BYTES)
    plan = ImportPlan(file_errors=table.file_errors)
    plan.rows = [_row(line, table.header, cells) for line, cells in table.rows]
    return plan


def _row(line: int, header: list[str], cells: list[str]) -> ImportRow:
    row = ImportRow(line=line)
    if len(cells) != len(header):
        row.errors.append(f"{len(cells)} cells where the header has {len(header)}")
        return row
    for name, cell in zip(header, cells, strict=True):
        setattr(row, name, cell.strip())
    try:
        _username(row.username)
    except ValidationError:
        row.errors.append(f"username {row.username!r}: letters, digits and @.+-_ only")
    if not row.username or len(row.username) > 150:
        row.errors = ["username is missing or longer than 150 characters"]
    try:
        validate_email(row.email)
    except ValidationError:
        row.errors.append(f"email {row.email!r} is not an email address")
    role = ROLES.get(row.role.lower())
    if role is None:
        row.errors.append(f"role {row.role!r} is not one of rep, manager, admin")
    else:
        row.role = role
    if row.timezone and row.timezone not in _zones():
        row.errors.append(f"time zone {row.timezone!r} is not known; use a name like Europe/London")
    for name in ("first_name", "last_name"):
        if len(getattr(row, name)) > 150:
            row.errors.append(f"{name.replace('_', ' ')} is longer than 150 characters")
    return row


def _zones() -> set[str]:
    return zoneinfo.available_timezones()  # cached by the module after the first call


# --- checking the file against the organisation ------------------------------------------------


def people_import_preview(*, text: str) -> ImportPlan:
    """Every row's outcome or errors, without changing anything (a dry run)."""
    plan = _parse(text)
    if plan.file_errors and not plan.rows:
        return plan
    rows = plan.rows
    seen: dict[str, int] = {}
    for row in rows:
        if row.username in seen:
            row.errors.append(f"username {row.username} is also on line {seen[row.username]}")
        else:
            seen.setdefault(row.username, row.line)
    names = {row.username for row in rows} | {row.manager for row in rows if row.manager}
    known = {user.username: user for user in User.objects.filter(username__in=names)}
    in_file = {row.username: row for row in rows if not row.errors}
    _check_lines(rows, known, in_file)
    _check_roles(rows, known, in_file)
    for row in rows:
        row.outcome = ERROR if row.errors else _outcome(row, known.get(row.username))
    return plan


def _final_role(username: str, known: dict[str, User], in_file: dict[str, ImportRow]) -> str:
    if username in in_file:
        return in_file[username].role
    return known[username].role if username in known else ""


def _check_lines(
    rows: list[ImportRow], known: dict[str, User], in_file: dict[str, ImportRow]
) -> None:
    """Each manager exists, is active, is no rep once the file is in, and no line loops."""
    written = {row.username for row in rows}
    for row in rows:
        name = row.manager
        if not name:
            continue
        if name == row.username:
            row.errors.append("a person cannot be their own manager")
        elif name in written and name not in in_file:
            row.errors.append(f"manager {name}'s own row has errors")
        elif name not in in_file and name not in known:
            row.errors.append(f"manager {name} is not in the file and not a person here")
        elif name not in in_file and not known[name].is_active:
            row.errors.append(f"manager {name} is deactivated")
        elif _final_role(name, known, in_file) == User.Role.REP:
            row.errors.append(f"manager {name} is a rep; make them a manager in the file first")
    parent = _lines_after(in_file)
    for row in rows:
        if row.errors or not row.manager:
            continue
        seen, current = {row.username}, row.manager
        while current and current not in seen:
            seen.add(current)
            current = parent.get(current, "")
        if current == row.username:
            row.errors.append(f"manager {row.manager} would report (in turn) to {row.username}")


def _lines_after(in_file: dict[str, ImportRow]) -> dict[str, str]:
    """Who each person above the file's rows will report to once it is in: the file's word for
    its own rows, the stored line for the others, read one level per query."""
    parent = {name: row.manager for name, row in in_file.items()}
    frontier = {manager for manager in parent.values() if manager} - set(parent)
    while frontier:
        stored = dict(
            User.objects.filter(username__in=frontier).values_list("username", "manager__username")
        )
        for name in frontier:
            parent[name] = stored.get(name) or ""
        frontier = {manager for manager in parent.values() if manager} - set(parent)
    return parent


def _check_roles(
    rows: list[ImportRow], known: dict[str, User], in_file: dict[str, ImportRow]
) -> None:
    """A manager becomes a rep only when nobody reports to them once the file is in."""
    demoted = {
        name: row
        for name, row in in_file.items()
        if row.role == User.Role.REP and name in known and known[name].role != User.Role.REP
    }
    if not demoted:
        return
    ids = {known[name].pk: name for name in demoted}
    staying = User.objects.filter(manager_id__in=ids).exclude(username__in=in_file)
    reports: dict[str, int] = {}
    for manager_id in staying.values_list("manager_id", flat=True):
        reports[ids[manager_id]] = reports.get(ids[manager_id], 0) + 1
    for row in in_file.values():
        if row.manager in demoted:
            reports[row.manager] = reports.get(row.manager, 0) + 1
    for name, count in reports.items():
        demoted[name].errors.append(
            f"{count} {'person reports' if count == 1 else 'people report'} to {name}; "
            "move them to another manager before making them a rep"
        )


def _outcome(row: ImportRow, user: User | None) -> str:
    if user is None:
        return CREATE
    current = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "timezone": user.timezone,
    }
    wanted = {**current, **{name: getattr(row, name) for name in DETAILS if getattr(row, name)}}
    wanted["first_name"], wanted["last_name"] = row.first_name, row.last_name
    row.changes = [name for name in DETAILS if wanted[name] != current[name]]
    if (user.manager.username if user.manager_id and user.manager else "") != row.manager:
        row.changes.append("manager")
    if not user.is_active:
        row.errors.append(f"{user.username} is deactivated; reactivate them on their page first")
        return ERROR
    return UPDATE if row.changes else UNCHANGED


# --- applying ----------------------------------------------------------------------------------


@transaction.atomic
def people_import_apply(*, text: str, actor: User | None) -> ImportPlan:
    """Check the file again and apply it whole, in one transaction, or raise ImportRefused.

    New people are created first (with no manager), then details and roles that do not make
    anyone a rep, then reporting lines top-down (each through ``user_set_manager``, so coaching
    follows; a manager's own line is set before their reports' so no step ever loops), and
    last the managers who become reps, once their reports have moved. New people are invited
    by email when it commits.
    """
    plan = people_import_preview(text=text)
    if not plan.ok:
        raise ImportRefused(plan)
    active = [row for row in plan.rows if row.outcome in (CREATE, UPDATE)]
    users = {u.username: u for u in User.objects.filter(username__in=[r.username for r in active])}
    for row in active:
        if row.outcome == CREATE:
            users[row.username] = user_invite(
                actor=actor,
                username=row.username,
                email=row.email,
                role=row.role,
                first_name=row.first_name,
                last_name=row.last_name,
                timezone=row.timezone or "UTC",
            )
    later: list[ImportRow] = []
    for row in active:
        user = users[row.username]
        details = [name for name in row.changes if name in DETAILS]
        if row.role == User.Role.REP and "role" in details:
            later.append(row)
            details.remove("role")
        for name in details:
            setattr(user, name, getattr(row, name))
        if details:
            user.save(update_fields=details)
    for row in sorted(active, key=lambda row: _depth(row.username, plan)):
        if row.outcome == CREATE and not row.manager:
            continue
        if row.outcome == UPDATE and "manager" not in row.changes:
            continue
        manager = User.objects.get(username=row.manager) if row.manager else None
        user_set_manager(user=users[row.username], manager=manager, actor=actor)
    for row in later:
        user = User.objects.get(pk=users[row.username].pk)
        user.role = row.role
        user.save(update_fields=["role"])
    plan.applied = True
    return plan


def _depth(username: str, plan: ImportPlan) -> int:
    """How far below the file's top a person sits (checked free of loops already)."""
    manager_of = {row.username: row.manager for row in plan.rows}
    depth, current = 0, manager_of.get(username, "")
    while current in manager_of and depth <= len(manager_of):
        depth += 1
        current = manager_of[current]
    return depth
