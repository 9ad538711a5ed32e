"""CSV downloads (rows streamed as they are written, cells a spreadsheet will not run) and
uploads (the one reader the imports share: size, header, rows with their lines)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any


class Echo:
    """A file-like object that hands back what is written, for streaming CSV rows."""

    def write(self, value: str) -> str:
        return value


def csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell that starts like a formula; a quote makes it plain text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


# --- reading an uploaded CSV -------------------------------------------------------------------

CSV_MAX_BYTES = 1_000_000


@dataclass
class CsvTable:
    """A CSV as its imports read it: the header (lower case) and each non-blank row's cells
    with its line, or the problems of the file as a whole as (line, message)."""

    header: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    file_errors: list[tuple[int, str]] = field(default_factory=list)


def csv_read(
    text: str, *, columns: tuple[str, ...], max_rows: int, noun: str, max_bytes: int = CSV_MAX_BYTES
) -> CsvTable:
    """The rows of ``text`` under a header of exactly ``columns`` (in any order).

    A byte-order mark is ignored and blank lines are skipped; a file over ``max_bytes``, a
    header that is not ``columns``, more than ``max_rows`` rows (of ``noun``, as the message
    says them) or a line the CSV reader cannot read is a file error, with its line.
    """
    table = CsvTable()
    if len(text.encode("utf-8", errors="replace")) > max_bytes:
        table.file_errors.append((1, f"The file is over {max_bytes // 1000} kB; split it."))
        return table
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except StopIteration:
        header = []
    except csv.Error as error:
        table.file_errors.append((1, f"This is not a CSV file ({error})."))
        return table
    missing = [name for name in columns if name not in header]
    unknown = [name for name in header if name not in columns]
    if missing or unknown or len(set(header)) != len(header):
        said = []
        if missing:
            said.append("missing " + ", ".join(missing))
        if unknown:
            said.append("unknown " + ", ".join(name or "(empty)" for name in unknown))
        detail = "; ".join(said) or "a column named twice"
        table.file_errors.append(
            (1, f"The first line must be the header {','.join(columns)} ({detail}).")
        )
        return table
    table.header = header
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(table.rows) >= max_rows:
                table.file_errors.append((reader.line_num, f"Over {max_rows} {noun}; split it."))
                break
            table.rows.append((reader.line_num, cells))
    except csv.Error as error:
        table.file_errors.append((reader.line_num, f"Unreadable CSV ({error})."))
    return table
