"""A real worker, in its own process, runs a task through the configured broker."""

import pytest
from django.conf import settings

from accounts.tasks import echo

pytestmark = pytest.mark.integration


def test_a_real_worker_runs_a_task_through_the_configured_broker(celery_worker_process):
    expected_transport = "redis" if settings.REDIS_URL else "filesystem"
    assert settings.CELERY_BROKER_URL.startswith(expected_transport)
    result = echo.apply_async(args=["round trip"], queue=celery_worker_process.queue)
    assert result.get(timeout=60) == "round trip"
