"""What is busy in a CalDAV calendar (Nextcloud, Fastmail, iCloud, Radicale), through the
``caldav`` library.

The events in the span are asked of the server (a calendar-query by time range) and each is read
by the same rules as a subscription file (``ics.busy_in``), so a CalDAV calendar and an .ics
address of the same calendar give the same busy times. The address is checked as any other
(``fetch.url_check``: no private networks unless allowed) before the library connects, and so is
every redirect's target, with the same timeout; discovery by DNS (RFC 6764) is off, so the
library goes only where it is told.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from caldav.davclient import DAVClient
from caldav.lib import error as caldav_error
from django.conf import settings

from coaching.sessions.calendars.fetch import MAX_REDIRECTS, AddressRefused, FetchError, url_check
from coaching.sessions.calendars.ics import Busy, CalendarUnreadable, busy_in, calendar_parse


def caldav_busy(
    *,
    url: str,
    username: str,
    password: str,
    start: dt.datetime,
    end: dt.datetime,
    tz: ZoneInfo,
    emails: set[str],
) -> list[Busy]:
    """Busy intervals of the CalDAV calendar at ``url`` within [start, end), soonest first.
    Raises FetchError with the reason in words."""
    url = url_check(url)
    client = DAVClient(
        url=url,
        username=username or None,
        password=password or None,
        timeout=settings.CALENDAR_FETCH_TIMEOUT_SECONDS,
        enable_rfc6764=False,
    )
    client.session.max_redirects = MAX_REDIRECTS
    client.session.hooks["response"].append(_redirect_checked)
    try:
        with client:
            calendar = client.calendar(url=url)
            events = calendar.search(start=start, end=end, event=True, expand=False)
            found: list[Busy] = []
            for event in events:
                found += busy_in(
                    calendar_parse(event.data), start=start, end=end, tz=tz, emails=emails
                )
    except AddressRefused:
        raise
    except caldav_error.AuthorizationError as error:
        raise FetchError("The CalDAV server refused the user name or password.") from error
    except caldav_error.NotFoundError as error:
        raise FetchError("404: no calendar at this address.") from error
    except caldav_error.DAVError as error:
        raise FetchError(f"The CalDAV server answered: {_short(error)}.") from error
    except CalendarUnreadable as error:
        raise FetchError(str(error)) from error
    except OSError as error:
        raise FetchError(f"The CalDAV server could not be reached: {_short(error)}.") from error
    except Exception as error:  # the library raises its HTTP client's own errors
        raise FetchError(f"The CalDAV calendar could not be read: {_short(error)}.") from error
    found.sort(key=lambda busy: (busy.start, busy.end))
    return found


def _redirect_checked(response, *args, **kwargs):
    """A redirect's target is checked as the address itself before it is followed."""
    location = response.headers.get("Location")
    if response.is_redirect and location:
        url_check(urljoin(str(response.url), location))
    return response


def _short(error: Exception) -> str:
    # Servers put an HTML error page in the body: the words before it are the useful part.
    text = " ".join(str(error).split("<", 1)[0].split()).strip(" '")
    return text[:200] or type(error).__name__
