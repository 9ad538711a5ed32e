"""Real servers for the calendar tests: an HTTP server on loopback serving .ics files, and a
Radicale CalDAV server in its own process. Loopback is refused by default; a test that reads
from these servers asks for ``allow_loopback``."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import wait_for


@pytest.fixture(autouse=True)
def _calendar_settings(settings):
    settings.CALENDAR_ALLOW_PRIVATE_ADDRESSES = False
    settings.CALENDAR_FETCH_TIMEOUT_SECONDS = 2
    settings.CALENDAR_HORIZON_DAYS = 60
    settings.CALENDAR_SECRET_KEY = None


@pytest.fixture
def allow_loopback(settings):
    settings.CALENDAR_ALLOW_PRIVATE_ADDRESSES = True


@dataclass
class Served:
    body: bytes
    status: int = 200
    etag: str = ""
    delay: float = 0.0
    send_length: bool = True
    location: str = ""


@dataclass
class IcsServer:
    base: str
    files: dict[str, Served] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def serve(self, path: str, body: str | bytes, **options) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.files[path] = Served(body=data, **options)
        return f"{self.base}{path}"


@pytest.fixture
def ics_server() -> Iterator[IcsServer]:
    with ics_serving() as server:
        yield server


@contextlib.contextmanager
def ics_serving() -> Iterator[IcsServer]:
    """An http.server in a thread on 127.0.0.1, serving what the test puts in ``files``; it
    answers 304 to a matching If-None-Match, as calendar servers do."""
    server_state = IcsServer(base="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            server_state.requests.append((self.path, dict(self.headers.items())))
            served = server_state.files.get(self.path)
            if served is None:
                self.send_error(404, "Not Found")
                return
            if served.delay:
                time.sleep(served.delay)
            if served.etag and self.headers.get("If-None-Match") == served.etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(served.status)
            if served.location:
                self.send_header("Location", served.location)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            if served.etag:
                self.send_header("ETag", served.etag)
            if served.send_length:
                self.send_header("Content-Length", str(len(served.body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(served.body)

        # A CalDAV client's requests, to test where it is sent on.
        do_PROPFIND = do_REPORT = do_GET

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server_state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        httpd.shutdown()
        httpd.server_close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def radicale_url(tmp_path_factory) -> Iterator[str]:
    """A Radicale CalDAV server in its own process on a free loopback port, storing in a temp
    folder, with one user in a plain htpasswd file: ``maria``, password ``pw``."""
    folder: Path = tmp_path_factory.mktemp("radicale")
    (folder / "users").write_text("maria:pw\n")
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "radicale",
            "--server-hosts", f"127.0.0.1:{port}",
            "--storage-filesystem-folder", str(folder / "collections"),
            "--auth-type", "htpasswd",
            "--auth-htpasswd-filename", str(folder / "users"),
            "--auth-htpasswd-encryption", "plain",
            "--rights-type", "owner_only",
            "--logging-level", "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def up() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            return False

    try:
        wait_for(up, timeout=30, message="Radicale did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def next_monday(tz) -> dt.date:
    """The Monday of next week where ``tz`` is: every test's week, within the horizon."""
    today = timezone.now().astimezone(tz).date()
    return today + dt.timedelta(days=7 - today.weekday())


def ics(*events: str, extra: str = "") -> str:
    """A VCALENDAR around ``events`` (VEVENT bodies), with CRLF line ends."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Tests//Calendar//EN"]
    if extra:
        lines += extra.strip().splitlines()
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            *[line.strip() for line in event.strip().splitlines()],
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def event(uid: str, day: dt.date, start_hour: int, end_hour: int, *lines: str, tz: str = "") -> str:
    """A VEVENT body from ``start_hour`` to ``end_hour`` on ``day``, in ``tz`` (floating if
    empty), with more ``lines``."""
    zone = f";TZID={tz}" if tz else ""
    return "\n".join(
        [
            f"UID:{uid}",
            f"DTSTART{zone}:{day:%Y%m%d}T{start_hour:02d}0000",
            f"DTEND{zone}:{day:%Y%m%d}T{end_hour:02d}0000",
            *lines,
        ]
    )
