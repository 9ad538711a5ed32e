"""Reading a calendar over HTTP, bounded: the address checked, a deadline, a size cap, and
conditional requests.

Server-side request forgery: the host is resolved and every address it has is checked before
connecting (loopback, private, link-local, multicast and reserved ranges are refused unless
``CALENDAR_ALLOW_PRIVATE_ADDRESSES``); the connection then goes to an address that was checked,
so a second lookup cannot swap in another. Redirects are followed by hand, a few at most, each
target checked the same way. ``webcal://`` is read as ``https://``. The body is streamed and
reading stops past ``CALENDAR_MAX_BYTES``; the whole read, redirects included, must finish within
``CALENDAR_FETCH_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings

MAX_REDIRECTS = 3
CHUNK_BYTES = 64 * 1024
USER_AGENT = "Skillcoach calendar reader"
DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchError(Exception):
    """The calendar could not be read; ``str()`` says why, in words its owner can act on."""


class AddressRefused(FetchError):
    """The address is not one the server may read (scheme, or a private network)."""


@dataclass(frozen=True)
class FetchResult:
    status: int  # 200, or 304 when the calendar has not changed since the last read
    body: bytes
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == http.client.NOT_MODIFIED


def url_normalise(url: str) -> str:
    """The address as read: trimmed, ``webcal://`` as ``https://``. Raises AddressRefused for
    another scheme, no host, or credentials in the address."""
    url = url.strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    parts = urlsplit(url)
    if parts.scheme.lower() not in DEFAULT_PORTS:
        raise AddressRefused("Only http://, https:// and webcal:// addresses can be read.")
    if not parts.hostname:
        raise AddressRefused("The address has no host name.")
    if parts.username or parts.password:
        raise AddressRefused("Put no user name or password in the address.")
    try:
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError as error:
        raise AddressRefused("The address has an invalid port.") from error
    return url


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def host_addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, each checked. Raises FetchError when it does not
    resolve, AddressRefused when any address is on a private network (unless allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(f"The host {host} could not be found.") from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not settings.CALENDAR_ALLOW_PRIVATE_ADDRESSES:
        refused = [address for address in addresses if not _address_allowed(address)]
        if refused:
            raise AddressRefused(
                f"{host} is on a private or local network ({refused[0]}); "
                "this server does not read calendars there."
            )
    return addresses


def url_check(url: str) -> str:
    """The normalised address, refused (AddressRefused) when its scheme is not http(s) or its
    host resolves to a private address. A host that does not resolve now is let through: the
    read says so, and the address is checked again on every read."""
    url = url_normalise(url)
    parts = urlsplit(url)
    try:
        host_addresses(parts.hostname or "", parts.port or DEFAULT_PORTS[parts.scheme.lower()])
    except AddressRefused:
        raise
    except FetchError:
        pass
    return url


def _connect(addresses: list[str], port: int, timeout: float) -> socket.socket:
    last: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout=timeout)
        except OSError as error:
            last = error
    raise last or OSError("no address")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address checked beforehand, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, *, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.addresses, self.connect_timeout = addresses, timeout

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.port, self.connect_timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, addresses: list[str], timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.addresses, self.connect_timeout = addresses, timeout

    def connect(self) -> None:
        sock = _connect(self.addresses, self.port, self.connect_timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def _read_capped(response: http.client.HTTPResponse, *, deadline: float, cap: int) -> bytes:
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise FetchError(f"The calendar is larger than {_size(cap)}; it was not read.")
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError
        chunk = response.read1(CHUNK_BYTES)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > cap:
            raise FetchError(f"The calendar is larger than {_size(cap)}; it was not read.")
        chunks.append(chunk)


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.0f} MB" if count >= 1024 * 1024 else f"{count} bytes"


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> FetchResult:
    """GET ``url`` within the bounds above; 200 with the body, or 304 (not modified) when
    ``etag`` or ``last_modified`` from the previous read still hold. Raises FetchError (or
    AddressRefused) with the reason in words."""
    timeout = float(settings.CALENDAR_FETCH_TIMEOUT_SECONDS)
    deadline = time.monotonic() + timeout
    url = url_normalise(url)
    try:
        for _ in range(MAX_REDIRECTS + 1):
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            host, port = parts.hostname or "", parts.port or DEFAULT_PORTS[scheme]
            addresses = host_addresses(host, port)
            remaining = max(deadline - time.monotonic(), 0.1)
            kind = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
            connection = kind(host, port, addresses=addresses, timeout=remaining)
            headers = {
                "User-Agent": USER_AGENT,
                "Accept": "text/calendar, */*;q=0.5",
                "Accept-Encoding": "identity",
            }
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            try:
                path = parts.path or "/"
                connection.request(
                    "GET", f"{path}?{parts.query}" if parts.query else path, headers=headers
                )
                response = connection.getresponse()
                status = response.status
                if status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                    url = url_normalise(urljoin(url, response.getheader("Location", "")))
                    continue
                if status == http.client.NOT_MODIFIED:
                    return FetchResult(
                        status=status, body=b"", etag=etag, last_modified=last_modified
                    )
                if status != http.client.OK:
                    raise FetchError(f"{status} {response.reason}".strip())
                body = _read_capped(response, deadline=deadline, cap=settings.CALENDAR_MAX_BYTES)
                return FetchResult(
                    status=status,
                    body=body,
                    etag=response.getheader("ETag", "")[:500],
                    last_modified=response.getheader("Last-Modified", "")[:100],
                )
            finally:
                connection.close()
        raise FetchError(f"More than {MAX_REDIRECTS} redirects; the calendar was not read.")
    except TimeoutError as error:
        raise FetchError(f"The calendar server took longer than {timeout:.0f} s.") from error
    except ssl.SSLError as error:
        raise FetchError(f"A secure connection failed: {error.reason or error}.") from error
    except (OSError, http.client.HTTPException) as error:
        raise FetchError(f"The calendar server could not be reached: {error}.") from error
