"""``manage.py import_outcomes FILE.csv [--dry-run]``: sales outcomes from the command line.

Prints each row's outcome; with errors, prints them as ``file:line: message`` on stderr and
exits 1 with nothing imported (docs/outcomes.md).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.importing import ImportPlan
from coaching.outcomes.importing import (
    HEADER,
    ImportRefused,
    outcomes_import_apply,
    outcomes_import_preview,
)


class Command(BaseCommand):
    help = f"Import sales outcomes from a CSV file with the header {HEADER}, all or nothing."

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
            plan = outcomes_import_preview(text=text)
        else:
            try:
                plan = outcomes_import_apply(text=text, actor=None)
            except ImportRefused as refused:
                plan = refused.plan
        if not plan.ok:
            for line, message in plan.errors:
                self.stderr.write(f"{file}:{line}: {message}")
            raise CommandError(f"{len(plan.errors)} error(s); nothing was imported.", returncode=1)
        self._report(plan, dry_run=dry_run)

    def _report(self, plan: ImportPlan, *, dry_run: bool) -> None:
        for row in plan.rows:
            self.stdout.write(
                f"{row.line}: {row.rep} {row.metric} {row.start} to {row.end}: {row.outcome} "
                f"({row.message})"
            )
        counts = plan.counts
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['create']} new, {counts['update']} replaced, {counts['unchanged']} "
                f"unchanged: {verb} imported{' (dry run: nothing changed)' if dry_run else ''}."
            )
        )
