"""Charts drawn on the server as inline SVG: no script, no library, nothing fetched.

Text inside the SVG is escaped, so a skill's name cannot break out of the markup; the result
is well-formed XML, readable by screen readers through its title and description.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from coaching.insights.retention import RetentionSeries

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 44, 170, 16, 34
# Distinct on white and for the common forms of colour blindness (Okabe-Ito), then a few more.
PALETTE = [
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#e69f00",
    "#56b4e9",
    "#7a5195",
    "#333333",
]


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _y(value: float) -> float:
    return TOP + (1 - value) * (HEIGHT - TOP - BOTTOM)


def _segments(values: list[float | None], start: int, end: int) -> list[list[tuple[int, float]]]:
    """Runs of consecutive (index, value) in [start, end] that have a value."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for index in range(start, end + 1):
        value = values[index]
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((index, value))
    if current:
        runs.append(current)
    return runs


def _week_label(offset: int) -> str:
    if offset == 0:
        return "now"
    return f"{offset:+d}w".replace("-", "−")


def retention_chart_svg(
    series: RetentionSeries, *, chart_id: str = "retention-chart"
) -> SafeString:
    """A line per skill: mean forecast recall across the team, weekly; solid for the past,
    dashed for the forecast, with the reinforcement target and the coaching threshold."""
    count = len(series.points)
    now_x = _x(series.now_index, count)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">Retention per skill, weekly</title>',
        f'<desc id="{chart_id}-desc">Mean forecast recall across the team for each skill over '
        f"the last {series.now_index} weeks and the next {count - series.now_index - 1}; "
        "dashed lines are forecasts.</desc>",
    ]
    # Grid and axis labels.
    for percent in (0, 25, 50, 75, 100):
        y = _y(percent / 100)
        parts.append(
            f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{percent} %</text>"
        )
    for index, offset in enumerate(series.week_offsets):
        if offset % 2 == 0:
            parts.append(
                f'<text class="axis" x="{_x(index, count):.1f}" y="{HEIGHT - BOTTOM + 18}" '
                f'text-anchor="middle">{_week_label(offset)}</text>'
            )
    for threshold, name, css in (
        (settings.REINFORCEMENT_TARGET_RECALL, "target", "threshold target"),
        (settings.DECAY_COACHING_RECALL, "coaching", "threshold coaching"),
    ):
        y = _y(threshold)
        parts.append(
            f'<line class="{css}" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}">'
            f"<title>{escape(name.capitalize())}: {round(threshold * 100)} %</title></line>"
        )
    parts.append(
        f'<line class="now" x1="{now_x:.1f}" y1="{TOP}" x2="{now_x:.1f}" y2="{HEIGHT - BOTTOM}"/>'
    )

    # One line per skill; the forecast part starts where the past ends, at "now".
    for number, line in enumerate(series.lines):
        colour = PALETTE[number % len(PALETTE)]
        name = escape(line.skill.name)
        parts.append(f'<g class="series" data-skill="{escape(line.skill.slug)}">')
        for style, start, end in (
            ("past", 0, series.now_index),
            ("forecast", series.now_index, count - 1),
        ):
            for run in _segments(line.values, start, end):
                if len(run) < 2:
                    continue
                points = " ".join(f"{_x(i, count):.1f},{_y(value):.1f}" for i, value in run)
                parts.append(
                    f'<polyline class="{style}" fill="none" stroke="{colour}" points="{points}"/>'
                )
        for index, value in enumerate(line.values):
            if value is None:
                continue
            when = _week_label(series.week_offsets[index])
            parts.append(
                f'<circle cx="{_x(index, count):.1f}" cy="{_y(value):.1f}" r="3" '
                f'fill="{colour}"><title>{name}, {when}: {round(value * 100)} %</title></circle>'
            )
        legend_y = TOP + 6 + number * 20
        parts.append(
            f'<rect x="{WIDTH - RIGHT + 16}" y="{legend_y}" width="12" height="12" '
            f'fill="{colour}"/>'
            f'<text class="legend" x="{WIDTH - RIGHT + 34}" y="{legend_y + 10}">{name}</text>'
        )
        parts.append("</g>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped
