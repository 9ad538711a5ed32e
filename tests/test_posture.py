"""Production posture: the API's schema and docs behind sign-in in production (a setting opens
them), and signed-in sessions that end after SESSION_IDLE_MINUTES without a request."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import RepFactory
from tests.test_security import ROOT, production_env

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["api-schema", "api-docs"])
def test_the_schema_and_docs_ask_for_sign_in_unless_opened(settings, name):
    settings.API_DOCS_PUBLIC = False
    anonymous = Client().get(reverse(name))
    assert anonymous.status_code in (401, 403)
    signed_in = Client()
    signed_in.force_login(RepFactory())
    assert signed_in.get(reverse(name)).status_code == 200

    settings.API_DOCS_PUBLIC = True
    assert Client().get(reverse(name)).status_code == 200


def test_production_closes_the_docs_and_sets_an_idle_timeout(tmp_path):
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.API_DOCS_PUBLIC, s.SESSION_COOKIE_AGE, s.API_TOKEN_DAYS]))"
    )
    env = {**production_env(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("API_DOCS_PUBLIC", None)
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [False, 120 * 60, 30]

    opened = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**env, "API_DOCS_PUBLIC": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(opened.stdout.strip().splitlines()[-1])[0] is True


def test_a_session_ends_after_the_idle_time_and_each_request_renews_it(settings):
    settings.SESSION_COOKIE_AGE = 60 * 60
    # The database keeps the expiry the clock here can move past; Redis (cached_db) keeps the
    # same expiry as its key's time to live, on its own clock.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(RepFactory())
        assert client.get(reverse("profile")).status_code == 200
    # Used 50 minutes in, the session runs for another hour from then...
    with time_machine.travel(start + dt.timedelta(minutes=50), tick=False):
        assert client.get(reverse("profile")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=100), tick=False):
        assert client.get(reverse("profile")).status_code == 200
    # ...and an hour and a minute without a request ends it.
    with time_machine.travel(start + dt.timedelta(minutes=161), tick=False):
        response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
