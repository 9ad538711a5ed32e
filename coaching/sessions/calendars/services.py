"""A person's own calendar: set it, clear it, read it into stored busy intervals.

Reading goes to the network outside any transaction; what it found is written in one short
transaction (the intervals replaced, the read's state recorded, clashes with booked sessions
flagged: ``conflicts``). A failed read keeps the intervals of the last good one and records why,
in words, for the owner; booking goes on with what is known.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from coaching.models import CalendarBusy, CalendarSource
from coaching.sessions.calendars.caldav import caldav_busy
from coaching.sessions.calendars.conflicts import conflicts_flag
from coaching.sessions.calendars.fetch import AddressRefused, FetchError, fetch, url_check
from coaching.sessions.calendars.ics import Busy, CalendarUnreadable, busy_in, calendar_parse
from coaching.sessions.calendars.secrets import SecretUnavailable, secret_decrypt, secret_encrypt
from coaching.sessions.calendars.selectors import calendar_state
from config.celery_app import app
from config.errors import DomainError

__all__ = [
    "calendar_clear",
    "calendar_read_now",
    "calendar_refresh",
    "calendar_set",
    "calendar_state",
    "calendars_due",
]

logger = logging.getLogger(__name__)

# The task that reads one calendar, sent by name: this part never imports ``coaching.tasks``.
REFRESH_TASK = "coaching.tasks.refresh_calendar"
URL_MAX_CHARS = 2000
# "Read now" within this long of the last read is a double click: not read again.
READ_AGAIN_AFTER = dt.timedelta(seconds=30)


def calendar_horizon(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The span read from every calendar: a day back (a meeting under way) to the horizon."""
    return now - dt.timedelta(days=1), now + dt.timedelta(days=settings.CALENDAR_HORIZON_DAYS)


def _read_soon(user_id: int) -> None:
    """After the commit: read the calendar now rather than at the next beat. Never raises; a
    broker outage leaves it to the beat."""
    try:
        app.send_task(REFRESH_TASK, args=[user_id], retry=False, ignore_result=True)
    except Exception:
        logger.warning("Could not ask for a calendar read; the beat will do it.", exc_info=True)


@transaction.atomic
def calendar_set(*, user: User, url: str, username: str = "", secret: str = "") -> CalendarSource:
    """Set (or replace) ``user``'s calendar and read it once the transaction commits.

    An address alone is an iCalendar subscription; with a user name it is a CalDAV calendar,
    whose password (``secret``) is stored encrypted. Leaving the password empty keeps the one
    saved for the same address and user name; leaving the address empty keeps the saved address
    (the owner never sees it again, so they can change only the user name or password). Raises
    DomainError when there is no address, it is not http(s) or webcal, is on a private network
    (unless allowed), is too long, or a CalDAV calendar has no password; SecretUnavailable when
    the server has no key to store one.
    """
    username = username.strip()
    source = CalendarSource.objects.select_for_update().filter(user=user).first()
    if not url.strip():
        if source is None:
            raise DomainError("Paste your calendar's address.")
        url = source.url
    try:
        url = url_check(url)
    except AddressRefused as error:
        raise DomainError(str(error)) from error
    if len(url) > URL_MAX_CHARS:
        raise DomainError(f"The address is longer than {URL_MAX_CHARS} characters.")
    kind = CalendarSource.Kind.CALDAV if username or secret else CalendarSource.Kind.ICS
    same_account = (
        source is not None
        and source.kind == kind
        and source.url == url
        and source.username == username
    )
    encrypted = ""
    if kind == CalendarSource.Kind.CALDAV:
        if secret:
            encrypted = secret_encrypt(secret)
        elif same_account and source is not None and source.secret_encrypted:
            encrypted = source.secret_encrypted
        else:
            raise DomainError("Enter the CalDAV password (or app password) to read this calendar.")
    if source is None:
        source = CalendarSource(user=user)
    elif not same_account:
        # Another calendar: what the last one said no longer holds.
        CalendarBusy.objects.filter(source=source).delete()
    if not same_account or secret:
        source.etag = source.last_modified = source.last_error = ""
        source.last_read_at = source.last_ok_at = None
    source.kind, source.url, source.username = kind, url, username
    source.secret_encrypted = encrypted
    source.save()
    transaction.on_commit(partial(_read_soon, user.pk))
    return source


@transaction.atomic
def calendar_clear(*, user: User) -> None:
    """Forget ``user``'s calendar: its address, credentials and every busy time read from it."""
    CalendarSource.objects.filter(user=user).delete()


def calendar_read_now(*, user: User) -> str:
    """Ask for a read of ``user``'s calendar once the transaction commits: "reading". A
    calendar read in the last half minute is not read again (a double click): "just read";
    "none" when they have no calendar."""
    source = CalendarSource.objects.filter(user=user).only("last_read_at").first()
    if source is None:
        return "none"
    if source.last_read_at and timezone.now() - source.last_read_at < READ_AGAIN_AFTER:
        return "just read"
    transaction.on_commit(partial(_read_soon, user.pk))
    return "reading"


def _read(source: CalendarSource, *, start: dt.datetime, end: dt.datetime):
    """(busy, etag, last_modified), or None when the calendar has not changed (304)."""
    person = source.user
    emails = {person.email} if person.email else set()
    if source.kind == CalendarSource.Kind.CALDAV:
        busy = caldav_busy(
            url=source.url,
            username=source.username,
            password=secret_decrypt(source.secret_encrypted),
            start=start,
            end=end,
            tz=person.tzinfo,
            emails=emails,
        )
        return busy, "", ""
    result = fetch(source.url, etag=source.etag, last_modified=source.last_modified)
    if result.not_modified:
        return None
    busy = busy_in(
        calendar_parse(result.body), start=start, end=end, tz=person.tzinfo, emails=emails
    )
    return busy, result.etag, result.last_modified


def calendar_refresh(*, user_id: int, now: dt.datetime | None = None) -> str:
    """Read ``user_id``'s calendar and store what it says; returns "read", "unchanged",
    "failed" or "none" (no calendar). Idempotent: a second read stores the same intervals."""
    now = now or timezone.now()
    source = CalendarSource.objects.select_related("user").filter(user_id=user_id).first()
    if source is None:
        return "none"
    start, end = calendar_horizon(now)
    try:
        outcome = _read(source, start=start, end=end)
    except (FetchError, CalendarUnreadable, SecretUnavailable) as error:
        message = error.message if isinstance(error, SecretUnavailable) else str(error)
        return _record(source, now=now, error=message)
    return _record(source, now=now, busy=outcome)


def _record(
    source: CalendarSource,
    *,
    now: dt.datetime,
    busy: tuple[list[Busy], str, str] | None = None,
    error: str = "",
) -> str:
    with transaction.atomic():
        current = CalendarSource.objects.select_for_update().filter(pk=source.pk).first()
        if current is None or (current.url, current.kind) != (source.url, source.kind):
            return "none"  # cleared or replaced while it was being read: the new one is read anew
        current.last_read_at = now
        if error:
            current.last_error = error[:500]
            current.save(update_fields=["last_read_at", "last_error", "updated_at"])
            return "failed"
        current.last_ok_at, current.last_error = now, ""
        if busy is None:
            current.save(update_fields=["last_read_at", "last_ok_at", "last_error", "updated_at"])
            return "unchanged"
        intervals, current.etag, current.last_modified = busy
        CalendarBusy.objects.filter(source=current).delete()
        CalendarBusy.objects.bulk_create(
            CalendarBusy(
                user_id=current.user_id, source=current, start=b.start, end=b.end, title=b.title
            )
            for b in intervals
        )
        current.save()
        conflicts_flag(user=source.user, now=now)
        return "read"


def calendars_due(*, now: dt.datetime | None = None) -> list[int]:
    """The people whose calendar is due a read: never read, or not for CALENDAR_REFRESH_MINUTES
    (less a minute, so a beat every that many minutes finds the calendars its last run read)."""
    now = now or timezone.now()
    every = dt.timedelta(minutes=settings.CALENDAR_REFRESH_MINUTES) - dt.timedelta(minutes=1)
    return list(
        CalendarSource.objects.filter(
            Q(last_read_at__isnull=True) | Q(last_read_at__lte=now - every)
        )
        .order_by("last_read_at", "pk")
        .values_list("user_id", flat=True)
    )
