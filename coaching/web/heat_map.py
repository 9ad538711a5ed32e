"""The rows of the team heat map, drawn in Python on every request.

A team of 20 reps and 8 skills is 160 cells. Through the template engine, or through
``format_html`` with its checks for lazy strings, each cell costs over a hundred function calls:
about 10 ms a page, most of the dashboard's time. Django's admin draws its change-list cells in
Python for the same reason (``items_for_result``). Every value is escaped with the standard
library's ``html.escape`` (quotes included, as in attributes they must be); only the fixed markup
here is trusted. Nothing is cached: the rows are drawn from the cached dashboard data each time,
like the retention chart.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from coaching.insights.dashboard import HeatCell, HeatMap, HeatRow

EMPTY_CELL = '<td class="heat-cell empty" title="No evidence yet">—</td>'
NO_SKILLS = '<td class="empty">No skill evidence yet.</td>'
FLAG = ' <span class="flag" aria-hidden="true">!</span>'


def _cell(cell: HeatCell | None) -> str:
    if cell is None:
        return EMPTY_CELL
    summary = escape(cell.summary)
    return (
        f'<td class="heat-cell stage-{escape(cell.stage)} diagnosis-{escape(cell.diagnosis)}" '
        f'data-cell="{escape(cell.data_cell)}"><a href="{escape(cell.url)}" title="{summary}" '
        f'aria-label="{summary}">{escape(cell.stage_label)}{FLAG if cell.flagged else ""}</a></td>'
    )


def _row(row: HeatRow) -> str:
    badge = ""
    if row.standing and row.standing.middle:
        badge = f' <span class="badge ok" title="{escape(row.standing.reason)}">Best return</span>'
    cells = "".join(_cell(cell) for cell in row.cells) if row.cells else NO_SKILLS
    return (
        f'<tr><th scope="row"><a href="{escape(row.url)}">{escape(str(row.rep))}</a>{badge}</th>'
        f"{cells}</tr>"
    )


def heat_map_rows_html(heat_map: HeatMap) -> SafeString:
    """One ``<tr>`` per rep: their name linking to their page, then one cell per skill column,
    each a link to the rep's page at that skill with the numbers in its title."""
    return mark_safe("\n".join(_row(row) for row in heat_map.rows))  # noqa: S308 - escaped above
