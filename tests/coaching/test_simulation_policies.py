"""The policy comparison of the simulated quarter, from real runs of the services."""

import json
import math
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from coaching.models import (
    CoachingSession,
    Commitment,
    DeferredCoaching,
    MentorPairing,
    Observation,
)
from coaching.simulation.policies import policies_for
from coaching.simulation.results import BUDGETED
from coaching.simulation.run import DEFAULT_START, world_run
from tests.coaching.test_simulation import row_counts

pytestmark = pytest.mark.django_db

BUDGET_HOURS = 0.5  # one session a week per manager: binds on a small team
SMALL = ["--reps", "6", "--days", "10", "--seed", "3", "--budget-hours", str(BUDGET_HOURS)]


def compare(tmp_path, *args) -> tuple[str, dict]:
    out, err = StringIO(), StringIO()
    path = tmp_path / "policies.json"
    call_command(
        "simulate_quarter", "--policies", *args, "--json", str(path), stdout=out, stderr=err
    )
    return out.getvalue(), json.loads(path.read_text())


def numbers_in(value) -> list[float]:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return []
    if isinstance(value, int | float):
        return [value]
    if isinstance(value, dict):
        return [n for item in value.values() for n in numbers_in(item)]
    return [n for item in value for n in numbers_in(item)]


def test_the_three_policies_run_on_the_same_organisation_and_are_compared(tmp_path):
    before = row_counts()
    table, numbers = compare(tmp_path, *SMALL)

    training, every, budgeted = (
        numbers["policies"][name] for name in ("training_only", "every_completion", "budgeted")
    )
    # Training only takes no manager time and books nothing.
    assert training["manager_hours"] == 0
    assert training["sessions_booked"] == training["peer_sessions_booked"] == 0
    assert training["deferred"] == {}
    assert training["gained_per_manager_hour"] is None
    assert training["completions"] > 0
    # Every completion books its follow-up under a budget that never binds, and takes the most
    # manager time.
    assert every["follow_up_sessions"] == every["completions"] > 0
    assert every["deferred"] == {}
    assert 0 < every["busiest_week_hours"] < 40
    assert every["manager_hours"] >= budgeted["manager_hours"] > training["manager_hours"]
    # The budget binds: no manager week holds more than the budget (pulled sessions aside), and
    # what did not fit is recorded, never dropped: every completion has its follow-up or is
    # listed.
    assert 0 < budgeted["busiest_week_hours"] <= BUDGET_HOURS
    assert budgeted["deferred_kinds"].get("follow_up", 0) > 0
    assert (
        budgeted["follow_up_sessions"] + budgeted["deferred_kinds"]["follow_up"]
        == budgeted["completions"]
    )
    # Manager time per policy is what its held sessions took.
    for world in (every, budgeted):
        assert world["manager_hours"] == world["sessions_held"] * 0.5
        assert world["gained_per_manager_hour"] is not None
    # Every figure is finite, recall and retention are shares.
    assert all(math.isfinite(value) for value in numbers_in(numbers["policies"]))
    for world in (training, every, budgeted):
        assert 0 <= world["mean_true_skill"] <= world["mean_true_recall"] <= 1
        assert 0 <= world["mean_forecast_retention"] <= 1
        assert world["rep_skills"] == 6 * len(world["true_recall"])

    # The table shows the three side by side with the assumptions under them.
    header = next(line for line in table.splitlines() if "training only" in line)
    assert "every completion" in header and "budgeted + peers" in header
    for label in (
        "mean true recall at the end",
        "mean forecast retention at the end",
        "manager hours",
        "recall gained per manager hour",
        "skill gained per manager hour",
        "not taken by the budget",
        "peer practice held / booked",
    ):
        assert label in table
    assert f"budget {BUDGET_HOURS:g} h a week per manager" in table
    assumptions = table.split("Assumptions:")[1]
    assert "forgetting model" in assumptions and "never binds" in assumptions
    # Nothing is kept.
    assert row_counts() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policies", "--keep"], "keeps nothing"),
        (["--policies", "--budget-hours", "0"], "--budget-hours must be more than 0"),
        (["--policies", "--reps", "0"], "--reps must be at least 1"),
        (["--budget-hours", "1"], "--budget-hours goes with --policies"),
    ],
)
def test_bad_policy_arguments_stop_with_a_clear_message(args, message):
    before = row_counts()
    with pytest.raises(CommandError, match=message):
        call_command("simulate_quarter", *args, stdout=StringIO(), stderr=StringIO())
    assert row_counts() == before


def test_under_the_budget_managers_approve_pairs_and_mentors_hold_and_rate_peer_practice():
    policy = next(p for p in policies_for(budget_hours=BUDGET_HOURS) if p.name == BUDGETED)
    # Kept, so that its rows can be read here (the test's transaction still rolls them back).
    world = world_run(
        name=BUDGETED,
        reps=6,
        days=21,
        seed=1,
        start=DEFAULT_START,
        keep=True,
        team_size=8,
        hold_probability=0.85,
        progress=lambda message: None,
        overrides=policy.overrides,
        upkeep=True,
        peer_practice=policy.peer_practice,
    )
    people = User.objects.filter(username__startswith="sim-1-budget-")
    manager = people.get(role=User.Role.MANAGER)

    # The manager approved the pairs the skill matrix proposed, within the team.
    pairings = MentorPairing.objects.filter(mentee__in=people).select_related("mentor", "mentee")
    assert world.pairings_approved == pairings.count() > 0
    for pairing in pairings:
        assert pairing.status == MentorPairing.Status.ACTIVE
        assert pairing.decided_by == manager
        assert pairing.mentor.role == User.Role.REP
        assert pairing.mentor.manager_id == pairing.mentee.manager_id == manager.pk

    # Peer practice is led by the mentor, on the pairing's skill; the mentor held and rated it.
    peer = CoachingSession.objects.filter(rep__in=people, source=CoachingSession.Source.PEER)
    pairs = {(p.mentor_id, p.mentee_id, p.skill_id) for p in pairings}
    assert world.peer_sessions_booked == peer.count() > 0
    assert {(s.coach_id, s.rep_id, s.focus_skill_id) for s in peer} <= pairs
    held = peer.filter(status=CoachingSession.Status.HELD)
    assert world.peer_sessions_held == held.count() > 0
    for session in held:
        ratings = Observation.objects.filter(session=session)
        assert ratings.count() == 1
        rating = ratings.get()
        assert rating.observer_id == session.coach_id
        assert rating.source == Observation.Source.PEER
        assert rating.skill_id == session.focus_skill_id
    assert not Commitment.objects.filter(session__in=peer).exists()

    # Manager time is the manager's sessions only, never over the budget; what did not fit
    # was handled by its alternative, none pulled into a week.
    manager_held = CoachingSession.objects.filter(
        coach=manager, status=CoachingSession.Status.HELD
    ).exclude(source=CoachingSession.Source.PEER)
    assert world.manager_hours == manager_held.count() * 0.5 > 0
    assert 0 < world.busiest_week_hours <= BUDGET_HOURS
    deferred = DeferredCoaching.objects.filter(coach=manager)
    assert deferred.filter(status=DeferredCoaching.Status.RESOLVED).exists()
    assert not deferred.filter(status=DeferredCoaching.Status.PULLED).exists()
