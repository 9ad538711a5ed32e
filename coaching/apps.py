from django.apps import AppConfig


class CoachingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coaching"
    verbose_name = "Coaching"

    def ready(self) -> None:
        from coaching.insights.digest import digest_for_manager
        from coaching.models import Reminder
        from coaching.receivers import receivers_connect
        from coaching.reminders.content import reminder_content_register

        receivers_connect()
        # The outbox sits below insights, so it is told here what a weekly digest carries:
        # the manager's week, computed when the digest is delivered.
        reminder_content_register(
            kind=Reminder.Kind.WEEKLY_DIGEST,
            provider=lambda reminder, now: digest_for_manager(manager=reminder.recipient, now=now),
        )
