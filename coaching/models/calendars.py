"""A person's own calendar, read for busy times (DESIGN §11).

A ``CalendarSource`` says where to read (an iCalendar subscription URL, or a CalDAV calendar
with credentials kept encrypted) and how the last read went; ``CalendarBusy`` holds the busy
intervals read from it within the booking horizon, replaced on every read. Booking reads only
these rows, never the network. Event titles are kept for their owner's eyes alone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CalendarSource(models.Model):
    class Kind(models.TextChoices):
        ICS = "ics", "iCalendar subscription URL"
        CALDAV = "caldav", "CalDAV calendar"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_source"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.ICS)
    url = models.URLField(max_length=2000)
    username = models.CharField(max_length=200, blank=True)
    # CalDAV password or app token, encrypted at rest with a key from the environment.
    secret_encrypted = models.TextField(blank=True)
    # Conditional requests: what the server said last time.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_read_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}'s calendar ({self.get_kind_display()})"


class CalendarBusy(models.Model):
    """One busy interval read from a person's calendar; half-open [start, end), aware UTC."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_busy"
    )
    source = models.ForeignKey(CalendarSource, on_delete=models.CASCADE, related_name="busy")
    start = models.DateTimeField()
    end = models.DateTimeField()
    title = models.CharField(max_length=300, blank=True, help_text="Shown to its owner only.")

    class Meta:
        ordering = ["start", "pk"]
        indexes = [models.Index(fields=["user", "start"]), models.Index(fields=["user", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="calendar_busy_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} busy {self.start:%Y-%m-%d %H:%M}-{self.end:%H:%M}"
