"""What the embedded default (no DATABASE_URL, no REDIS_URL) must still get right."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache.backends.filebased import FileBasedCache

ROOT = Path(__file__).resolve().parent.parent


def test_without_redis_the_web_process_and_the_worker_share_one_cache(settings):
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
    shared = FileBasedCache(settings.CACHES["default"]["LOCATION"], {})
    assert shared.get(key) == "from the worker"
    shared.delete(key)
