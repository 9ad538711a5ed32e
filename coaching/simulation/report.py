"""The plain-text tables ``simulate_quarter`` prints: the two worlds side by side, or the
three policies with the assumptions under them."""

from __future__ import annotations

from collections.abc import Callable

from coaching.simulation.policies import UNBOUND_BUDGET_HOURS, PolicyComparison
from coaching.simulation.profiles import (
    COACHING_APTITUDE,
    COACHING_GAIN,
    COACHING_GAIN_PER_LOSS,
    PEER_APTITUDE,
    PEER_GAIN,
    PEER_GAIN_PER_LOSS,
    TEACHING_GAIN,
)
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


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def policy_assumptions(*, comparison: PolicyComparison) -> list[str]:
    """What the comparison takes for granted, printed under its table (docs/simulation.md)."""
    budget = f"{comparison.budget_hours:g} h"
    return [
        "Assumptions:",
        "- The same organisation and seed under each policy: the same reps, courses and random "
        "streams; only the policy differs. Nothing is kept.",
        "- Training only: no follow-up on completion, no coaching on decay; refreshers still "
        "open (they take no manager time).",
        f"- Every completion: a follow-up for each completion and coaching on decay, under a "
        f"budget that never binds ({UNBOUND_BUDGET_HOURS:g} h a week).",
        f"- Budgeted + peers: {budget} a week per manager; the ranking service books what fits "
        "and lists the rest with its alternative; managers approve every proposed mentor pair, "
        "book peer practice for what waits with a mentor, and pull nothing into a week; "
        f"mentors hold peer practice as coaches do ({100 * comparison.hold_probability:.0f} %) "
        "and rate it.",
        "- True recall is the simulation's forgetting model (docs/simulation.md): a held "
        f"session multiplies stability by {COACHING_GAIN:g} + {COACHING_GAIN_PER_LOSS:g} x what "
        f"was forgotten; peer practice by {PEER_GAIN:g} + {PEER_GAIN_PER_LOSS:g} x, and the "
        f"mentor's own by {TEACHING_GAIN:g} (teaching). These gains are assumed, not measured.",
        "- True skill is aptitude x recall, what a rep applies and a coach rates: coaching also "
        f"raises aptitude ({COACHING_APTITUDE:g} a session, peer practice {PEER_APTITUDE:g}), "
        "which recall alone does not show.",
        "- Forecast retention is the product's FSRS forecast from the evidence it saw.",
        "- Manager hours: held sessions a manager led (30 min each); peer practice takes none.",
        "- Recall gained per manager hour: (mean true recall - training only's) x reps x skills "
        "/ manager hours: rep-skills of recall (1.00 = one rep's skill from none to full) an "
        "hour bought; skill gained the same, of true skill.",
    ]


def policy_table(*, comparison: PolicyComparison) -> str:
    """The three policies side by side, with the assumptions under them, as plain text."""
    names = list(comparison.worlds)
    worlds = [comparison.worlds[name] for name in names]

    def row(label: str, show: Callable[[str, WorldResult], str]) -> tuple[str, list[str]]:
        return label, [show(name, world) for name, world in zip(names, worlds, strict=True)]

    def deferred(world: WorldResult) -> str:
        return " / ".join(
            str(world.deferred.get(status, 0))
            for status in ("waiting", "pulled", "resolved", "expired")
        )

    rows = [
        row("mean true recall at the end", lambda n, w: _number(w.mean_true_recall)),
        row("mean true skill at the end", lambda n, w: _number(w.mean_true_skill)),
        row("mean forecast retention at the end", lambda n, w: _number(w.mean_forecast_retention)),
        row("manager hours", lambda n, w: f"{w.manager_hours:.1f}"),
        row(
            "  per manager per week",
            lambda n, w: f"{comparison.manager_hours_per_week(n):.2f}",
        ),
        row("  busiest manager week", lambda n, w: f"{w.busiest_week_hours:.1f}"),
        row(
            "recall gained per manager hour",
            lambda n, w: _number(comparison.gained_per_manager_hour(n)),
        ),
        row(
            "skill gained per manager hour",
            lambda n, w: _number(comparison.gained_per_manager_hour(n, "mean_true_skill")),
        ),
        row("module completions", lambda n, w: str(w.completions)),
        row(
            "manager sessions held / booked",
            lambda n, w: f"{w.sessions_held} / {w.sessions_booked}",
        ),
        row("  after training", lambda n, w: str(w.follow_up_sessions)),
        row("  on skill decay", lambda n, w: str(w.decay_sessions)),
        row("not taken by the budget", lambda n, w: str(sum(w.deferred.values()))),
        row("  waiting / pulled / met / expired", lambda n, w: deferred(w)),
        row("mentor pairs approved", lambda n, w: str(w.pairings_approved)),
        row(
            "peer practice held / booked",
            lambda n, w: f"{w.peer_sessions_held} / {w.peer_sessions_booked}",
        ),
        row(
            "reinforcements answered / opened",
            lambda n, w: f"{w.reinforcements_answered} / {w.reinforcements_opened}",
        ),
        row("time", lambda n, w: f"{w.seconds:.0f} s"),
    ]
    width = max(len(label) for label, _ in rows) + 2
    column = max(18, *(len(LABELS[name]) + 2 for name in names))
    lines = [
        f"Policies compared: {comparison.reps} reps in {comparison.teams} teams, "
        f"{comparison.days} days from {comparison.start:%Y-%m-%d}, seed {comparison.seed}, "
        f"budget {comparison.budget_hours:g} h a week per manager",
        "",
        f"{'':<{width}}" + "".join(f"{LABELS[name]:>{column}}" for name in names),
    ]
    lines += [
        f"{label:<{width}}" + "".join(f"{value:>{column}}" for value in values)
        for label, values in rows
    ]
    return "\n".join([*lines, "", *policy_assumptions(comparison=comparison)])
