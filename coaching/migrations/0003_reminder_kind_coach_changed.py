from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coaching", "0002_session_sequence"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reminder",
            name="kind",
            field=models.CharField(
                choices=[
                    ("session_booked", "Session booked"),
                    ("session_24h", "Session tomorrow"),
                    ("session_1h", "Session in an hour"),
                    ("session_hold_overdue", "Session not yet marked held"),
                    ("session_rescheduled", "Session moved"),
                    ("session_cancelled", "Session cancelled"),
                    ("session_missed", "Session missed"),
                    ("reschedule_requested", "Asked to reschedule"),
                    ("reschedule_kept", "Reschedule request: time kept"),
                    ("commitment_due", "Commitment due soon"),
                    ("commitment_missed", "Commitment missed"),
                    ("reinforcement_due", "Reinforcement due"),
                    ("weekly_digest", "Weekly digest"),
                    ("coach_changed", "Coach changed"),
                    ("quiz_attempts_used_up", "Quiz attempts used up"),
                    ("extra_attempts_asked", "More quiz attempts asked for"),
                    ("extra_attempts_granted", "More quiz attempts granted"),
                ],
                max_length=32,
            ),
        ),
    ]
