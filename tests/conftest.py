from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.factories import AdminFactory, ManagerFactory, RepFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_cache(settings, tmp_path_factory):
    """Each test gets its own cache key space, so throttles and lockouts never leak between tests
    (or between parallel workers sharing one Redis). The embedded file cache gets a folder per
    test as well: it culls a third of its files when full, and parallel workers sharing one
    folder would fill it and cull each other's throttle counts."""
    default = dict(settings.CACHES["default"])
    default["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    if "LocMemCache" in default["BACKEND"]:
        default["LOCATION"] = default["KEY_PREFIX"]
    if "FileBasedCache" in default["BACKEND"]:
        default["LOCATION"] = str(tmp_path_factory.mktemp("cache"))
    settings.CACHES = {**settings.CACHES, "default": default}


@dataclass
class Org:
    """A small organisation: the permission matrix is asked over these people."""

    rep: object
    manager: object
    other_rep: object
    other_manager: object
    admin: object


@pytest.fixture
def org(db) -> Org:
    manager = ManagerFactory(username="manager")
    other_manager = ManagerFactory(username="other_manager")
    return Org(
        rep=RepFactory(username="rep", manager=manager),
        manager=manager,
        other_rep=RepFactory(username="other_rep", manager=other_manager),
        other_manager=other_manager,
        admin=AdminFactory(username="admin"),
    )


@pytest.fixture
def session_read(settings) -> int:
    """Queries a signed-in request spends reading its session: none where the shared cache
    holds sessions (``cached_db`` with Redis), one on the embedded default (the database)."""
    return 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.05, message: str = ""):
    """Poll ``predicate`` until it returns something truthy or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(message or f"condition not met within {timeout}s")
        time.sleep(interval)


@dataclass
class WorkerProcess:
    queue: str
    process: subprocess.Popen


def start_worker(queue: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """A real Celery worker in its own process, consuming only ``queue``."""
    return subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--pool=solo", "--queues", queue, "--loglevel=WARNING",
            "--without-heartbeat", "--without-mingle", "--without-gossip",
            "--hostname", f"{queue}@%h",
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


@pytest.fixture
def celery_worker_process() -> Iterator[WorkerProcess]:
    queue = f"test-{uuid.uuid4().hex[:12]}"
    process = start_worker(queue)
    try:
        yield WorkerProcess(queue=queue, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
