import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coaching.simulation.policies import policies_run
from coaching.simulation.report import policy_table, simulation_table
from coaching.simulation.run import DEFAULT_START, simulation_run
from config.errors import DomainError


def _start(value: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--start {value!r} is not a date such as 2024-01-01.") from None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


class Command(BaseCommand):
    help = (
        "Simulate an organisation training and being coached over a number of days, through the "
        "real services on a moved clock, with follow-ups and without (or, with --policies, "
        "under three coaching policies); print what changed. Leaves the database as it was "
        "unless --keep is given (see docs/simulation.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reps", type=int, default=200, help="simulated reps (200)")
        parser.add_argument("--days", type=int, default=120, help="simulated days (120)")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same numbers (1)")
        parser.add_argument(
            "--start",
            default=f"{DEFAULT_START:%Y-%m-%d}",
            help=f"first simulated day, UTC ({DEFAULT_START:%Y-%m-%d}, a Monday)",
        )
        parser.add_argument("--team-size", type=int, default=8, help="reps per manager (8)")
        parser.add_argument(
            "--hold-probability",
            type=float,
            default=0.85,
            help="chance a coach holds a session at its time (0.85)",
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            help="commit the world with follow-ups instead of rolling it back",
        )
        parser.add_argument("--json", metavar="PATH", help="also write the numbers here as JSON")
        parser.add_argument(
            "--policies",
            action="store_true",
            help="compare training only, coaching every completion and the budgeted policy "
            "with peer practice on the same organisation (nothing is kept)",
        )
        parser.add_argument(
            "--budget-hours",
            type=float,
            help="with --policies: the budgeted policy's weekly hours per manager "
            "(COACHING_BUDGET_HOURS)",
        )

    def handle(self, *args, **options):
        if options["policies"]:
            self._policies(options)
            return
        if options["budget_hours"] is not None:
            raise CommandError("--budget-hours goes with --policies.")
        try:
            result = simulation_run(
                reps=options["reps"],
                days=options["days"],
                seed=options["seed"],
                start=_start(options["start"]),
                keep=options["keep"],
                team_size=options["team_size"],
                hold_probability=options["hold_probability"],
                progress=lambda message: self.stderr.write(message),
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(simulation_table(result=result))
        self._json(options["json"], result.as_json())

    def _policies(self, options) -> None:
        if options["keep"]:
            raise CommandError("--policies keeps nothing: leave out --keep.")
        try:
            comparison = policies_run(
                reps=options["reps"],
                days=options["days"],
                seed=options["seed"],
                start=_start(options["start"]),
                team_size=options["team_size"],
                hold_probability=options["hold_probability"],
                budget_hours=options["budget_hours"],
                progress=lambda message: self.stderr.write(message),
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(policy_table(comparison=comparison))
        self._json(options["json"], comparison.as_json())

    def _json(self, path: str | None, numbers: dict) -> None:
        if path:
            Path(path).write_text(json.dumps(numbers, indent=2) + "\n")
            self.stderr.write(f"Numbers written to {path}")
