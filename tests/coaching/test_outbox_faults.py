"""The outbox under real faults: a private Redis that goes down, a worker killed mid-send.

Real parts only: a ``redis-server`` of the test's own on a free port, Celery workers in their
own processes reading the test database, and the dispatcher run as beat would run it.
"""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection, transaction

from coaching.models import Notification, Reminder
from coaching.tasks import dispatch_due_reminders
from config.celery_app import app as celery_app
from tests.coaching.outbox_support import remind, sent_mail_files
from tests.conftest import start_worker, wait_for
from tests.factories import ManagerFactory, RepFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("redis-server") is None,
        reason="redis-server is not installed: these tests run a private Redis as the broker.",
    ),
]

Status = Reminder.Status


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RedisServer:
    """A throwaway Redis: no persistence, loopback only, started and stopped at will."""

    port: int
    folder: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.folder), "--save", "", "--appendonly", "no"],
            stdout=(self.folder / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        wait_for(lambda: self._answers(client), timeout=15, message="redis-server did not start")

    @staticmethod
    def _answers(client) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
            self.process = None


@pytest.fixture
def private_redis(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(port=_free_port(), folder=tmp_path)
    try:
        yield server
    finally:
        server.stop()


def _reset_producer_pools() -> None:
    """Forget connections and the result backend made for the previous broker, so the next
    test in this process talks to the broker it configures, not a stopped private one."""
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    celery_app._local.__dict__.pop("backend", None)


@pytest.fixture
def broker(private_redis, settings) -> Iterator[RedisServer]:
    """This process publishes to the private Redis (which starts stopped)."""
    saved = {
        name: celery_app.conf[name]
        for name in ("broker_url", "result_backend", "broker_transport_options")
    }
    settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = private_redis.url
    celery_app.conf.broker_url = private_redis.url
    celery_app.conf.result_backend = private_redis.url
    celery_app.conf.broker_transport_options = {"visibility_timeout": 3600}
    _reset_producer_pools()
    try:
        yield private_redis
    finally:
        for name, value in saved.items():
            celery_app.conf[name] = value
        _reset_producer_pools()


def _test_database_url() -> str:
    """The database this test runs on, as a URL a worker process can open."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


@dataclass
class Workers:
    broker: RedisServer
    mail_dir: Path
    started: list[subprocess.Popen]

    def start(self, **env: str) -> subprocess.Popen:
        process = start_worker(
            "celery",
            env={
                "REDIS_URL": self.broker.url,
                "DATABASE_URL": _test_database_url(),
                "VAR_DIR": str(django_settings.VAR_DIR),
                "EMAIL_BACKEND": "tests.coaching.outbox_support.RecordingEmailBackend",
                "OUTBOX_TEST_MAIL_DIR": str(self.mail_dir),
                "REMINDER_LEASE_SECONDS": "3",
                **env,
            },
        )
        self.started.append(process)
        return process


@pytest.fixture
def workers(broker, tmp_path, settings) -> Iterator[Workers]:
    settings.REMINDER_LEASE_SECONDS = 3  # so a lost send is re-claimed within the test
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    pool = Workers(broker=broker, mail_dir=mail_dir, started=[])
    try:
        yield pool
    finally:
        for process in pool.started:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=20)


def _all_sent(reminders: list[Reminder]) -> bool:
    ids = [r.pk for r in reminders]
    return Reminder.objects.filter(pk__in=ids, status=Status.SENT).count() == len(ids)


def _beat_until_sent(reminders: list[Reminder], *, timeout: float = 90) -> None:
    """Run the dispatcher as beat would, until every reminder is sent."""

    def tick() -> bool:
        dispatch_due_reminders()
        return _all_sent(reminders)

    wait_for(tick, timeout=timeout, interval=0.5, message="reminders were not all sent")


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_delays_a_reminder_but_neither_loses_nor_doubles_it(workers, caplog):
    rep = RepFactory(manager=ManagerFactory())
    # The broker is down while a booking commits a reminder that is due at once.
    started = time.monotonic()
    with caplog.at_level(logging.WARNING), transaction.atomic():
        reminders = remind(rep, kind=Reminder.Kind.WEEKLY_DIGEST, key="outage")
    assert time.monotonic() - started < 3  # one refused connection, no retry loop
    assert "Could not wake the reminder dispatcher" in caplog.text
    assert Reminder.objects.filter(status=Status.PENDING).count() == 2  # committed, waiting

    workers.broker.start()
    workers.start()
    _beat_until_sent(reminders)
    # More beats, now that everything is sent, change nothing.
    for _ in range(3):
        assert dispatch_due_reminders() == 0

    assert Notification.objects.filter(recipient=rep).count() == 1
    assert len(sent_mail_files(workers.mail_dir)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_leaves_the_reminder_to_be_sent_once_by_another(workers):
    workers.broker.start()
    rep = RepFactory(manager=ManagerFactory())
    reminders = remind(rep, kind=Reminder.Kind.WEEKLY_DIGEST, key="killed")
    email = next(r for r in reminders if r.channel == Reminder.Channel.EMAIL)

    first = workers.start(OUTBOX_TEST_HANG_SEND="1")
    dispatch_due_reminders()
    wait_for(
        lambda: list(workers.mail_dir.glob("hung-*")),
        timeout=60,
        message="the first worker never started sending the email",
    )
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=20)
    email.refresh_from_db()
    assert email.status == Status.QUEUED  # the killed send's transaction never committed
    assert sent_mail_files(workers.mail_dir) == []

    workers.start()
    _beat_until_sent(reminders)
    for _ in range(3):
        dispatch_due_reminders()

    assert Notification.objects.filter(recipient=rep).count() == 1
    assert len(sent_mail_files(workers.mail_dir)) == 1
    email.refresh_from_db()
    assert email.attempts == 1  # the killed attempt left no trace but a delay
    assert email.sent_at is not None
