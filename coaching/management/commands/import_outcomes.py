"""``manage.py import_outcomes FILE.csv [--dry-run]``: sales outcomes from the command line.

Prints each row's outcome; with errors, prints them as ``file:line: message`` on stderr and
exits 1 with nothing imported (docs/outcomes.md; ``config.imports.ImportCommand``).
"""

from __future__ import annotations

from coaching.outcomes.importing import (
    HEADER,
    OutcomeRow,
    outcomes_import_apply,
    outcomes_import_preview,
)
from config.imports import ImportCommand, ImportPlan


class Command(ImportCommand):
    help = f"Import sales outcomes from a CSV file with the header {HEADER}, all or nothing."
    updated = "replaced"

    def preview(self, text: str) -> ImportPlan:
        return outcomes_import_preview(text=text)

    def apply(self, text: str) -> ImportPlan:
        return outcomes_import_apply(text=text, actor=None)

    def describe(self, row: OutcomeRow) -> str:
        return f"{row.rep} {row.metric} {row.start} to {row.end}"
