"""The outbox under real faults: a private Redis that goes down, a worker killed mid-batch.

Real parts only: a ``redis-server`` of the test's own on a free port, or kombu's filesystem
transport in folders of the test's own (the broker without REDIS_URL), Celery workers in their
own processes reading the test database (a file both open, on SQLite), SIGKILL, and the
dispatcher run as beat would run it. Mail goes to files the test counts by Message-ID.
"""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection, transaction

from coaching.models import Notification, Reminder
from coaching.reminders.channels import reminder_message_id
from coaching.tasks import dispatch_due_reminders
from config.celery_app import app as celery_app
from tests.coaching.outbox_support import remind, sent_mail_files, sent_message_ids
from tests.conftest import start_worker, wait_for
from tests.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.integration

needs_redis_server = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="redis-server is not installed: these tests run a private Redis as the broker.",
)

Status = Reminder.Status
SENDING_LEASE_SECONDS = 3


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

    def configure(self) -> dict[str, Any]:
        """This process's Celery settings for the broker, and the worker's environment."""
        celery_app.conf.broker_url = self.url
        celery_app.conf.result_backend = self.url
        celery_app.conf.broker_transport_options = {"visibility_timeout": 3600}
        return {"REDIS_URL": self.url}

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


@dataclass
class FileBroker:
    """Kombu's filesystem transport, as the project runs without REDIS_URL, in folders of this
    test's own: another test's worker on the shared folders cannot take its messages."""

    folder: Path

    def configure(self) -> dict[str, Any]:
        # The worker's settings put the queue under VAR_DIR/celery: the same folders as here.
        celery = self.folder / "celery"
        for name in ("queue", "processed", "results", "control"):
            (celery / name).mkdir(parents=True, exist_ok=True)
        celery_app.conf.broker_url = "filesystem://"
        celery_app.conf.result_backend = f"file://{celery / 'results'}"
        celery_app.conf.broker_transport_options = {
            "data_folder_in": str(celery / "queue"),
            "data_folder_out": str(celery / "queue"),
            "processed_folder": str(celery / "processed"),
            "control_folder": str(celery / "control"),
            "store_processed": False,
        }
        return {"REDIS_URL": "", "VAR_DIR": str(self.folder)}

    def start(self) -> None:
        """Always up: a folder."""


@pytest.fixture
def private_redis(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(port=_free_port(), folder=tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=[pytest.param("redis", marks=needs_redis_server), "filesystem"])
def any_broker(request, tmp_path) -> Iterator[RedisServer | FileBroker]:
    """Each broker the project runs on: Redis, and the filesystem transport without it."""
    if request.param == "filesystem":
        yield FileBroker(folder=tmp_path / "var")
        return
    yield request.getfixturevalue("private_redis")


def _reset_producer_pools() -> None:
    """Forget connections and the result backend made for the previous broker, so the next
    test in this process talks to the broker it configures, not a stopped private one."""
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    celery_app._local.__dict__.pop("backend", None)


@contextmanager
def _publishing_to(server: RedisServer | FileBroker, settings) -> Iterator[dict[str, Any]]:
    """This process publishes to ``server``; yields the worker's environment for it."""
    saved = {
        name: celery_app.conf[name]
        for name in ("broker_url", "result_backend", "broker_transport_options")
    }
    worker_env = server.configure()
    settings.CELERY_BROKER_URL = celery_app.conf.broker_url
    settings.CELERY_RESULT_BACKEND = celery_app.conf.result_backend
    _reset_producer_pools()
    try:
        yield worker_env
    finally:
        for name, value in saved.items():
            celery_app.conf[name] = value
        _reset_producer_pools()


@pytest.fixture
def broker(private_redis, settings) -> Iterator[tuple[RedisServer, dict[str, Any]]]:
    """This process publishes to the private Redis (which starts stopped)."""
    with _publishing_to(private_redis, settings) as worker_env:
        yield private_redis, worker_env


@pytest.fixture
def broker_of_each_kind(any_broker, settings) -> Iterator[tuple[RedisServer | FileBroker, dict]]:
    with _publishing_to(any_broker, settings) as worker_env:
        yield any_broker, worker_env


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
    broker: RedisServer | FileBroker
    broker_env: dict[str, str]
    mail_dir: Path
    started: list[subprocess.Popen]

    def start(self, **env: str) -> subprocess.Popen:
        process = start_worker(
            "celery",
            env={
                "VAR_DIR": str(django_settings.VAR_DIR),
                **self.broker_env,
                "DATABASE_URL": _test_database_url(),
                "EMAIL_BACKEND": "tests.coaching.outbox_support.RecordingEmailBackend",
                "OUTBOX_TEST_MAIL_DIR": str(self.mail_dir),
                # A killed worker's emails are claimed again after this: seconds, not the
                # minute of production, so the test waits little. The claim's own lease stays
                # as in production, to show it is not what a crash waits for.
                "REMINDER_SENDING_LEASE_SECONDS": str(SENDING_LEASE_SECONDS),
                **env,
            },
        )
        self.started.append(process)
        return process


def _workers(broker, tmp_path) -> Iterator[Workers]:
    server, broker_env = broker
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    pool = Workers(broker=server, broker_env=broker_env, mail_dir=mail_dir, started=[])
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


@pytest.fixture
def workers(broker, tmp_path) -> Iterator[Workers]:
    """Workers on the private Redis."""
    yield from _workers(broker, tmp_path)


@pytest.fixture
def workers_on_each_broker(broker_of_each_kind, tmp_path) -> Iterator[Workers]:
    """Workers on Redis, and on the filesystem transport."""
    yield from _workers(broker_of_each_kind, tmp_path)


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
    assert email.status == Status.SENDING  # taken, never acknowledged: its lease runs out
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


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_sends_again_at_most_the_email_in_flight(
    workers_on_each_broker,
):
    workers = workers_on_each_broker
    workers.broker.start()
    manager = ManagerFactory()
    reps = [RepFactory(manager=manager) for _ in range(6)]
    reminders = [
        reminder
        for rep in reps
        for reminder in remind(rep, kind=Reminder.Kind.WEEKLY_DIGEST, key=f"batch:{rep.pk}")
    ]
    emails = sorted(
        (r for r in reminders if r.channel == Reminder.Channel.EMAIL), key=lambda r: r.pk
    )
    # The mail server takes the third email of the batch, and the worker dies before hearing
    # back: the worst moment.
    first = workers.start(OUTBOX_TEST_HANG_AFTER="3")
    assert dispatch_due_reminders() == len(reminders)  # one claim, one send task: one batch
    wait_for(
        lambda: list(workers.mail_dir.glob("hung-*")),
        timeout=60,
        message="the first worker never reached the third email",
    )
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=20)
    killed_at = time.monotonic()

    statuses = dict(
        Reminder.objects.filter(pk__in=[r.pk for r in emails]).values_list("pk", "status")
    )
    # The two emails acknowledged before the kill are recorded; the one in flight and the
    # rest are still the dead worker's, until their short lease runs out.
    assert [statuses[r.pk] for r in emails] == [Status.SENT] * 2 + [Status.SENDING] * 4
    assert len(sent_mail_files(workers.mail_dir)) == 3
    assert Notification.objects.filter(recipient__in=reps).count() == len(reps)

    workers.start()
    _beat_until_sent(reminders)
    # Picked up after the sending lease, far sooner than the claim's lease (300 s).
    assert time.monotonic() - killed_at < 60
    for _ in range(3):
        assert dispatch_due_reminders() == 0

    # In-app: exactly once. Email: each once, but the one in flight at the kill, twice, as the
    # same message (the same Message-ID, so a mail client shows it once).
    notified = Notification.objects.filter(recipient__in=reps)
    assert notified.count() == len(reps)
    assert notified.values("reminder").distinct().count() == len(reps)
    delivered = sent_message_ids(workers.mail_dir)
    assert set(delivered) == {reminder_message_id(r) for r in emails}
    assert sum(delivered.values()) - len(emails) <= 1  # at most one duplicate per kill
    assert [delivered[reminder_message_id(r)] for r in emails] == [1, 1, 2, 1, 1, 1]
    assert set(Reminder.objects.filter(pk__in=[r.pk for r in emails]).values_list(
        "attempts", flat=True
    )) == {1}  # fmt: skip
