"""What the embedded default (no DATABASE_URL, no REDIS_URL) must still get right."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache.backends.filebased import FileBasedCache

from config import settings as project_settings

ROOT = Path(__file__).resolve().parent.parent


def test_without_redis_the_web_process_and_the_worker_share_one_cache():
    if os.environ.get("REDIS_URL"):
        pytest.skip("Redis is the shared cache here; this is about the embedded default.")
    key = f"probe-{uuid.uuid4().hex}"
    # Another process, as the worker is: a version it replaces must reach the pages.
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            f"from django.core.cache import cache; cache.set({key!r}, 'from the worker', 300)",
        ],
        cwd=ROOT,
        env=os.environ,
        check=True,
        capture_output=True,
    )
    # The project's folder, as configured: the tests' own cache has a folder per test.
    shared = FileBasedCache(project_settings.CACHES["default"]["LOCATION"], {})
    assert shared.get(key) == "from the worker"
    shared.delete(key)


def _debug_with(**env: str) -> bool:
    probe = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    environment = {key: value for key, value in os.environ.items() if key != "DEBUG"}
    environment.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1] == "True"


def test_debug_is_off_unless_asked_for():
    """`make run` shows a newcomer the real error pages; only DEBUG=1 shows Django's."""
    assert _debug_with() is False
    assert _debug_with(DEBUG="0") is False
    assert _debug_with(DEBUG="1") is True
