"""What every all-or-nothing import shares (the people import, the sales outcomes' import): the
plan of every row's outcome, the refusal that carries it, and the command line around a preview
and an apply. Each import reads its rows (``config.spreadsheet.csv_read``) and checks them its
own way; the shape of what comes out, and what is done with it, is this one."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError

from config.errors import DomainError

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"


@dataclass(kw_only=True)
class PlanRow:
    """A row of an import: its line, its outcome once checked, its errors. An import's row
    adds its cells, says in ``said`` what a new or unchanged row does and in ``update_said``
    what an update does."""

    line: int
    outcome: str = ""
    errors: list[str] = field(default_factory=list)

    said: ClassVar[dict[str, str]] = {}

    def update_said(self) -> str:
        return ""

    @property
    def message(self) -> str:
        """What the row does or why it cannot, in words."""
        if self.errors:
            return "; ".join(self.errors)
        if self.outcome == UPDATE:
            return self.update_said()
        return self.said.get(self.outcome, "")


@dataclass
class ImportPlan:
    """Every row of a file (``PlanRow``s) and the problems of the file rather than of a row
    (no header, too big), with their line."""

    rows: list[Any] = field(default_factory=list)
    file_errors: list[tuple[int, str]] = field(default_factory=list)
    applied: bool = False

    @property
    def errors(self) -> list[tuple[int, str]]:
        """Every error as (line, message), in line order."""
        found = list(self.file_errors)
        found += [(row.line, error) for row in self.rows for error in row.errors]
        return sorted(found, key=lambda item: item[0])

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {outcome: self.count(outcome) for outcome in (CREATE, UPDATE, UNCHANGED, ERROR)}


class ImportRefused(DomainError):
    """The file has errors: nothing was applied. ``plan`` lists them row by row."""

    def __init__(self, plan: ImportPlan) -> None:
        count = len(plan.errors)
        super().__init__(
            f"The file has {count} error{'s' if count != 1 else ''}; nothing was imported. "
            "Correct the rows listed and import it again."
        )
        self.plan = plan


class ImportCommand(BaseCommand, ABC):
    """``manage.py <import> FILE.csv [--dry-run]``: prints each row's outcome; with errors,
    prints them as ``file:line: message`` on stderr and exits 1 with nothing imported.

    A command names its import's ``preview`` and ``apply``, how a row reads (``describe``) and
    what an update does to what was there (``updated``)."""

    updated = "changed"

    @abstractmethod
    def preview(self, text: str) -> ImportPlan:
        """What each row of the file would do, changing nothing."""

    @abstractmethod
    def apply(self, text: str) -> ImportPlan:
        """Apply the file whole, or raise ``ImportRefused``."""

    @abstractmethod
    def describe(self, row: Any) -> str:
        """How a row reads in the command's output: who or what it is about."""

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="The CSV file (UTF-8).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what each row would do; change nothing."
        )

    def handle(self, *args, file: Path, dry_run: bool, **options) -> None:
        try:
            text = file.read_bytes().decode("utf-8-sig")
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror or error}") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{file}:1: the file is not UTF-8 text") from error
        if dry_run:
            plan = self.preview(text)
        else:
            try:
                plan = self.apply(text)
            except ImportRefused as refused:
                plan = refused.plan
        if not plan.ok:
            for line, message in plan.errors:
                self.stderr.write(f"{file}:{line}: {message}")
            raise CommandError(f"{len(plan.errors)} error(s); nothing was imported.", returncode=1)
        for row in plan.rows:
            self.stdout.write(f"{row.line}: {self.describe(row)}: {row.outcome} ({row.message})")
        counts = plan.counts
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['create']} new, {counts['update']} {self.updated}, "
                f"{counts['unchanged']} unchanged: {verb} imported"
                f"{' (dry run: nothing changed)' if dry_run else ''}."
            )
        )
