"""The two worlds side by side, as the plain-text table ``simulate_quarter`` prints."""

from __future__ import annotations

from collections.abc import Callable

from coaching.simulation.results import LABELS, WITH, WITHOUT, SimulationResult, WorldResult


def _recall(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def simulation_table(*, result: SimulationResult) -> str:
    """The two worlds side by side, as plain text."""
    on, off = result.worlds[WITH], result.worlds[WITHOUT]

    def row(label: str, show: Callable[[WorldResult], str]) -> tuple[str, str, str]:
        return label, show(on), show(off)

    rows = [
        row("module completions", lambda w: str(w.completions)),
        row("completions coached within 48 h", lambda w: f"{100 * w.coached_within_48h:.1f} %"),
        row("sessions booked", lambda w: str(w.sessions_booked)),
        row("  after training", lambda w: str(w.follow_up_sessions)),
        row("  on skill decay", lambda w: str(w.decay_sessions)),
        row("sessions held", lambda w: str(w.sessions_held)),
        row("sessions missed", lambda w: str(w.sessions_missed)),
        row("late bookings", lambda w: str(w.late_bookings)),
        row("reminders sent", lambda w: str(w.reminders_sent)),
        row(
            "reinforcements answered / opened",
            lambda w: f"{w.reinforcements_answered} / {w.reinforcements_opened}",
        ),
        row("commitments kept", lambda w: str(w.commitments_kept)),
        row("manager hours", lambda w: f"{w.manager_hours:.1f}"),
        ("forecast retention at the end", "", ""),
        *(
            (f"  {slug}", _recall(recall), _recall(off.forecast_retention[slug]))
            for slug, recall in on.forecast_retention.items()
        ),
        ("simulated true recall at the end", "", ""),
        *(
            (f"  {slug}", _recall(recall), _recall(off.true_recall[slug]))
            for slug, recall in on.true_recall.items()
        ),
        row("time", lambda w: f"{w.seconds:.0f} s"),
    ]
    width = max(len(label) for label, _, _ in rows) + 2
    lines = [
        f"Simulated quarter: {result.reps} reps in {result.teams} teams, {result.days} days "
        f"from {result.start:%Y-%m-%d}, seed {result.seed}",
        "",
        f"{'':<{width}}{LABELS[WITH]:>16}{LABELS[WITHOUT]:>12}",
    ]
    lines += [f"{label:<{width}}{a:>16}{b:>12}" for label, a, b in rows]
    return "\n".join(lines)
