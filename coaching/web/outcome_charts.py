"""The outcomes report's charts, drawn on the server as inline SVG like the retention chart
(``charts.py``): a row per skill, a dot per figure on one value axis. A figure resting on too
few reps is not drawn; its row says so in words. The page's tables carry the same numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from coaching.insights.outcomes import STAGES, TOO_FEW, Figure, OutcomesReport
from coaching.web.charts import PALETTE

WIDTH = 720
LABEL = 260  # the skill names' column
RIGHT = 24
TOP = 30  # the legend
ROW = 24
AXIS = 28
STAGE_COLOURS = dict(zip(STAGES, (PALETTE[7], PALETTE[4], PALETTE[0], PALETTE[2]), strict=True))
REACHED, NOT_YET = PALETTE[0], "#8a8a8a"


@dataclass(frozen=True)
class Dot:
    value: float
    colour: str
    title: str
    hollow: bool = False


@dataclass(frozen=True)
class ChartRow:
    label: str
    dots: list[Dot]
    joined: bool = False  # a line from the first dot to the last: before → after
    note: str = ""  # said in place of the dots when there are none


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _ticks(low: float, high: float) -> list[float]:
    """About five round values covering [low, high]."""
    span = high - low or abs(high) or 1.0
    raw = span / 4
    step = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= step * factor:
            step *= factor
            break
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def _svg(
    *,
    chart_id: str,
    title: str,
    desc: str,
    rows: list[ChartRow],
    legend: list[tuple[str, str, bool]],
) -> SafeString:
    values = [dot.value for row in rows for dot in row.dots]
    if not values:
        return SafeString("")  # nothing to draw: the page says why in words
    ticks = _ticks(min(values), max(values))
    low, high = ticks[0], ticks[-1]
    height = TOP + ROW * len(rows) + AXIS

    def x(value: float) -> float:
        return LABEL + (WIDTH - LABEL - RIGHT) * ((value - low) / ((high - low) or 1))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart outcome-chart" id="{chart_id}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    legend_x = LABEL
    for label, colour, hollow in legend:
        fill = "#ffffff" if hollow else colour
        parts.append(
            f'<circle cx="{legend_x + 6}" cy="12" r="5" fill="{fill}" stroke="{colour}" '
            f'stroke-width="2"/><text class="legend" x="{legend_x + 16}" y="16">'
            f"{escape(label)}</text>"
        )
        legend_x += 24 + 7 * len(label)
    bottom = TOP + ROW * len(rows)
    for tick in ticks:
        tx = x(tick)
        parts.append(f'<line class="grid" x1="{tx:.1f}" y1="{TOP}" x2="{tx:.1f}" y2="{bottom}"/>')
        parts.append(
            f'<text class="axis" x="{tx:.1f}" y="{bottom + 16}" text-anchor="middle">'
            f"{_fmt(tick)}</text>"
        )
    for index, row in enumerate(rows):
        y = TOP + ROW * index + ROW / 2
        parts.append(f'<g class="chart-row" data-label="{escape(row.label)}">')
        parts.append(
            f'<text class="legend" x="{LABEL - 10}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(row.label)}</text>"
        )
        if not row.dots:
            parts.append(
                f'<text class="axis too-few" x="{LABEL + 6}" y="{y + 4:.1f}">'
                f"{escape(row.note)}</text></g>"
            )
            continue
        if row.joined and len(row.dots) > 1:
            first, last = row.dots[0], row.dots[-1]
            parts.append(
                f'<line x1="{x(first.value):.1f}" y1="{y:.1f}" x2="{x(last.value):.1f}" '
                f'y2="{y:.1f}" stroke="{last.colour}" stroke-width="3"/>'
            )
        for dot in row.dots:
            fill = "#ffffff" if dot.hollow else dot.colour
            parts.append(
                f'<circle cx="{x(dot.value):.1f}" cy="{y:.1f}" r="6" fill="{fill}" '
                f'stroke="{dot.colour}" stroke-width="2"><title>{escape(dot.title)}</title>'
                "</circle>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


def _dot(figure: Figure, *, colour: str, what: str, hollow: bool = False) -> Dot | None:
    if figure.stated is None:
        return None
    return Dot(
        value=figure.stated,
        colour=colour,
        hollow=hollow,
        title=f"{what}: {_fmt(figure.stated)} ({figure.behind})",
    )


def before_after_svg(report: OutcomesReport) -> SafeString:
    """Per skill, the reps who reached applied (before → after that day) and, below them, the
    reps who had not (before → after the median day the others did)."""
    rows = []
    for item in report.skills:
        name = item.skill.name
        groups = [("reached applied", item.reached, REACHED)]
        if item.not_yet is not None:
            groups.append(("not yet", item.not_yet, NOT_YET))
        for group, pair, colour in groups:
            dots = [
                _dot(pair.before, colour=colour, what=f"{name}, {group}, before", hollow=True),
                _dot(pair.after, colour=colour, what=f"{name}, {group}, after"),
            ]
            stated = [dot for dot in dots if dot is not None]
            if not item.reached_reps:
                note = "nobody has reached it"
            elif pair.before.reps or pair.after.reps:
                note = TOO_FEW
            else:
                note = "no periods on both sides"
            rows.append(
                ChartRow(
                    label=f"{name} · {group}",
                    dots=stated if len(stated) == 2 else [],
                    joined=True,
                    note=note,
                )
            )
    label = report.metric_label
    return _svg(
        chart_id="outcomes-before-after",
        title=f"{label} before and after a skill reached applied",
        desc=f"For each skill, the mean {label.lower()} of reps whose skill reached applied, "
        "before that day (hollow) and after it (filled), and of reps who had not, split at the "
        f"middle day the others reached it. Figures resting on fewer than {report.min_reps} "
        "reps are not drawn. The table below gives every figure.",
        rows=rows,
        legend=[
            ("before", REACHED, True),
            ("after: reached applied", REACHED, False),
            ("after: not yet", NOT_YET, False),
        ],
    )


def by_stage_svg(report: OutcomesReport) -> SafeString:
    """Per skill, a dot per stage: the mean recent figure of the reps at that stage now."""
    rows = []
    for item in report.skills:
        dots = [
            _dot(
                figure,
                colour=STAGE_COLOURS[stage],
                what=f"{item.skill.name}, {stage.value}",
            )
            for stage, figure in item.stage_figures
        ]
        stated = [dot for dot in dots if dot is not None]
        rows.append(ChartRow(label=item.skill.name, dots=stated, note=TOO_FEW))
    label = report.metric_label
    return _svg(
        chart_id="outcomes-by-stage",
        title=f"{label} by the stage of each skill",
        desc=f"For each skill, the mean {label.lower()} over the last {report.recent_days} "
        "days of the reps at each stage now. Stages resting on fewer than "
        f"{report.min_reps} reps are not drawn. The table below gives every figure.",
        rows=rows,
        legend=[(stage.value.capitalize(), STAGE_COLOURS[stage], False) for stage in STAGES],
    )
