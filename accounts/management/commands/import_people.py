"""``manage.py import_people FILE.csv [--dry-run]``: the people import from the command line.

Prints each row's outcome; with errors, prints them as ``file:line: message`` on stderr and
exits 1 with nothing imported (``config.imports.ImportCommand``).
"""

from __future__ import annotations

from accounts.importing import HEADER, ImportRow, people_import_apply, people_import_preview
from config.imports import ImportCommand, ImportPlan


class Command(ImportCommand):
    help = f"Import people from a CSV file with the header {HEADER}, all or nothing."

    def preview(self, text: str) -> ImportPlan:
        return people_import_preview(text=text)

    def apply(self, text: str) -> ImportPlan:
        return people_import_apply(text=text, actor=None)

    def describe(self, row: ImportRow) -> str:
        return row.username
