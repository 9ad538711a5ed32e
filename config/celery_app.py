"""The Celery application, with the beat schedule kept in code."""

import os
from typing import Any

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _beat_schedule() -> dict[str, Any]:
    return {
        "clear-expired-sign-in-sessions": {
            "task": "accounts.tasks.clear_expired_sessions",
            "schedule": 60 * 60,
        },
        # The audit trail keeps AUDIT_RETENTION_DAYS; expired API tokens authenticate nobody.
        "purge-audit-trail": {
            "task": "accounts.tasks.purge_audit_trail",
            "schedule": crontab(minute=30, hour=3),
        },
        "purge-expired-api-tokens": {
            "task": "accounts.tasks.purge_expired_api_tokens",
            "schedule": crontab(minute=40, hour=3),
        },
        # The reminder outbox (DESIGN §5.3): exactly one beat, so exactly one dispatcher per tick.
        "dispatch-due-reminders": {
            "task": "coaching.tasks.dispatch_due_reminders",
            "schedule": settings.REMINDER_DISPATCH_SECONDS,
            # A tick nobody ran in time is superseded by the next one: don't let them pile up.
            "options": {"expires": settings.REMINDER_DISPATCH_SECONDS},
        },
        "mark-missed-sessions": {
            "task": "coaching.tasks.mark_missed_sessions",
            "schedule": 5 * 60,
        },
        "skill-upkeep": {
            "task": "coaching.tasks.skill_upkeep",
            "schedule": 15 * 60,
        },
        "mark-missed-commitments": {
            "task": "coaching.tasks.mark_missed_commitments",
            "schedule": 60 * 60,
        },
        # Calendars read for busy times: each is due every CALENDAR_REFRESH_MINUTES.
        "refresh-due-calendars": {
            "task": "coaching.tasks.refresh_due_calendars",
            "schedule": settings.CALENDAR_REFRESH_MINUTES * 60,
            "options": {"expires": settings.CALENDAR_REFRESH_MINUTES * 60},
        },
        # Managers' weekly digest; keyed by ISO week, so a second run in a week writes nothing.
        "weekly-digests": {
            "task": "coaching.tasks.weekly_digests",
            "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
        },
    }


# A promise, read when Celery loads its configuration rather than at import: a settings module
# that extends config.settings imports this package while Django is still reading it.
app.add_defaults(lambda: {"beat_schedule": _beat_schedule()})
