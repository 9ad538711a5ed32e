"""The simulated quarter, through its management command, on a small organisation."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from coaching.models import CoachingSession, Notification, Reinforcement, Reminder
from coaching.receivers import FOLLOW_UP_DISPATCH_UID
from lms.models import ModuleCompletion
from lms.signals import module_completed
from tests.coaching.factories import ReminderFactory
from tests.factories import RepFactory

pytestmark = pytest.mark.django_db

SMALL = ["--reps", "6", "--days", "14", "--seed", "1"]


def simulate(*args, json_path=None) -> tuple[str, dict]:
    out, err = StringIO(), StringIO()
    extra = ["--json", str(json_path)] if json_path else []
    call_command("simulate_quarter", *args, *extra, stdout=out, stderr=err)
    numbers = json.loads(json_path.read_text()) if json_path else {}
    return out.getvalue(), numbers


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for label in ("accounts", "lms", "coaching")
        for model in apps.get_app_config(label).get_models()
    }


def follow_up_receiver_connected() -> bool:
    return any(key[0] == FOLLOW_UP_DISPATCH_UID for key, *_ in module_completed.receivers)


def test_a_run_prints_both_worlds_and_a_kept_run_repeats_it_with_the_rows_the_services_wrote(
    tmp_path,
):
    before = row_counts()
    table, first = simulate(*SMALL, json_path=tmp_path / "first.json")

    header = next(line for line in table.splitlines() if "with follow-ups" in line)
    assert "without" in header
    for label in (
        "module completions",
        "completions coached within 48 h",
        "late bookings",
        "reminders sent",
        "manager hours",
        "forecast retention at the end",
        "  closing",
    ):
        assert label in table
    # Without --keep both worlds are rolled back, and the follow-up receiver is back.
    assert row_counts() == before
    assert follow_up_receiver_connected()

    # The same seed gives the same numbers; kept, they are the rows in the database.
    _, kept = simulate(*SMALL, "--keep", json_path=tmp_path / "kept.json")
    assert kept["worlds"] == first["worlds"]
    on, off = kept["worlds"]["with_follow_ups"], kept["worlds"]["without_follow_ups"]
    sessions = CoachingSession.objects.filter(rep__username__startswith="sim-1-on-")
    sent = Reminder.objects.filter(
        recipient__username__startswith="sim-1-on-", status=Reminder.Status.SENT
    )
    completions = ModuleCompletion.objects.filter(user__username__startswith="sim-1-on-")
    assert on["completions"] == completions.count() > 0
    # Every completion booked its follow-up through the real receiver.
    assert on["follow_up_sessions"] == on["completions"]
    assert sessions.filter(source=CoachingSession.Source.AFTER_TRAINING).count() == (
        completions.count()
    )
    assert on["sessions_booked"] == sessions.count() > 0
    assert on["sessions_held"] == sessions.filter(status=CoachingSession.Status.HELD).count() > 0
    assert on["reminders_sent"] == sent.count() > 0
    assert not sent.filter(sent_at__isnull=True).exists()
    # Delivered by the outbox: each in-app reminder left its notification.
    in_app = sent.filter(channel=Reminder.Channel.IN_APP)
    assert Notification.objects.filter(reminder__in=in_app).count() == in_app.count()
    assert on["reinforcements_opened"] == (
        Reinforcement.objects.filter(rep__username__startswith="sim-1-on-").count()
    )
    # Nothing is left for the live dispatcher to send the simulated people.
    assert not Reminder.objects.filter(
        recipient__username__startswith="sim-1-", status=Reminder.Status.PENDING
    ).exists()

    assert off["completions"] > 0
    assert off["sessions_booked"] == off["reminders_sent"] == off["reinforcements_opened"] == 0
    assert off["manager_hours"] == 0
    # The comparison world is rolled back even when the other is kept.
    assert not ModuleCompletion.objects.filter(user__username__startswith="sim-1-off-").exists()
    assert follow_up_receiver_connected()


def test_a_kept_run_refuses_to_start_when_the_simulated_jobs_would_touch_other_peoples_data():
    rep = RepFactory()
    ReminderFactory(recipient=rep, due_at=dt.datetime(2024, 1, 3, 9, tzinfo=dt.UTC))
    before = row_counts()
    with pytest.raises(CommandError, match="other people's reminders"):
        call_command("simulate_quarter", *SMALL, "--keep", stdout=StringIO(), stderr=StringIO())
    assert row_counts() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--reps", "0"], "--reps must be at least 1"),
        (["--days", "-1"], "--days must be at least 1"),
        (["--start", "someday"], "not a date"),
    ],
)
def test_bad_arguments_stop_with_a_clear_message(args, message):
    before = row_counts()
    with pytest.raises(CommandError, match=message):
        call_command("simulate_quarter", *args, stdout=StringIO(), stderr=StringIO())
    assert row_counts() == before
