"""Defences that no single feature owns: the Content-Security-Policy, htmx that evaluates
nothing it swaps in, people's text that stays text, rate limits, and production settings.

Every page's answer is also checked for the policy header and for inline script or style by
the permission matrix (tests/test_permission_matrix.py), which renders each one as each role.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from coaching.models import CoachingSession, Commitment, Notification, Observation
from config.throttle import TOO_MANY_SIGN_INS, TOO_MANY_WRITES
from lms.models import Lesson
from tests.test_permission_matrix import (
    INLINE_HANDLER,
    INLINE_SCRIPT,
    INLINE_STYLE,
    MATRIX,
    ROUTES,
    build_world,
    url_of,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STRICT = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "frame-src": {"https://www.youtube-nocookie.com", "https://player.vimeo.com"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
HX_PAYLOAD = '<div hx-get="/coaching/calendar/reset" hx-trigger="load">boo</div>'
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world(org):
    return build_world(org)


def policy(response) -> dict[str, set[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rates(monkeypatch):
    """Set the throttle rates for one test: ``rates(write="2/min")``."""

    def set_rates(**scoped: str) -> None:
        everything = {"token": "1000/min", "login": "1000/min", "write": "1000/min", **scoped}
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", everything)

    return set_rates


# --- the Content-Security-Policy ---------------------------------------------------------------


def test_pages_carry_the_strict_policy(world):
    org, params, _ = world
    assert policy(Client().get(reverse("login"))) == STRICT
    lesson = signed_in(org.rep).get(reverse("lms:lesson", args=[params["lesson_id"]]))
    assert policy(lesson) == STRICT


def test_a_lesson_video_is_embedded_from_a_player_the_policy_allows(world):
    org, params, _ = world
    Lesson.objects.filter(pk=params["lesson_id"]).update(
        video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    )
    response = signed_in(org.rep).get(reverse("lms:lesson", args=[params["lesson_id"]]))
    [source] = re.findall(r'<iframe src="([^"]+)"', response.content.decode())
    assert source.startswith(tuple(sorted(STRICT["frame-src"])))


def test_the_admin_may_use_inline_styles_but_still_no_inline_script(world):
    org, _, _ = world
    directives = policy(signed_in(org.admin).get(reverse("admin:index")))
    assert directives["style-src"] == {"'self'", "'unsafe-inline'"}
    assert directives["script-src"] == {"'self'"}
    assert directives["frame-ancestors"] == {"'none'"}


def test_the_api_viewer_runs_no_inline_script():
    response = Client().get(reverse("api-docs"))
    directives = policy(response)
    # Its start-up script is served as a file; only its inline <style> block is allowed.
    assert directives["script-src"] == {"'self'"}
    assert directives["style-src"] == {"'self'", "'unsafe-inline'"}
    assert directives["object-src"] == {"'none'"}
    assert b"<script>" not in response.content
    script = Client().get(reverse("api-docs") + "?script")
    assert script.status_code == 200
    assert b"SwaggerUIBundle" in script.content


def page_templates() -> list[Path]:
    # The admin's own templates are under a relaxed policy; mail is not a page (mail programs
    # need inline styles, and no policy applies there).
    skip = (TEMPLATES / "admin", TEMPLATES / "email")
    return [
        path
        for path in sorted(TEMPLATES.rglob("*.html"))
        if not any(path.is_relative_to(folder) for folder in skip)
    ]


@pytest.mark.parametrize("template", page_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_page_template_needs_inline_script_or_style(template):
    text = template.read_text()
    for label, pattern in (
        ("inline script", INLINE_SCRIPT),
        ("inline style", INLINE_STYLE),
        ("inline event handler", INLINE_HANDLER),
    ):
        match = pattern.search(text)
        assert match is None, f"{label} in {template.name}: {match.group(0)[:80]!r}"


# --- htmx ----------------------------------------------------------------------------------------


def test_htmx_is_told_to_evaluate_nothing_it_swaps_in(world):
    org, _, _ = world
    html = signed_in(org.rep).get(reverse("lms:my_learning")).content.decode()
    [config] = re.findall(r'<meta name="htmx-config" content=\'([^\']+)\'>', html)
    assert json.loads(config) == {
        "allowEval": False,
        "allowScriptTags": False,
        "includeIndicatorStyles": False,
    }
    # The htmx that is served is one that reads those settings from the page.
    [script] = re.findall(r'<script src="/static/(django_htmx/htmx[^"]+)"', html)
    bundled = Path(finders.find(script)).read_text()
    assert re.search(r"version:\s*['\"]2\.", bundled)
    for honoured in ("allowEval", "allowScriptTags", "includeIndicatorStyles", "htmx-config"):
        assert honoured in bundled


def assert_inert(html: str) -> None:
    """The payload is shown as text: no element, so no live hx-* attribute."""
    assert "<div hx-get" not in html
    assert "&lt;div hx-get=" in html


def test_a_reflection_with_htmx_attributes_stays_text(world):
    org, params, _ = world
    url = reverse("coaching:session_reflect", args=[params["session_id"]])
    partial = signed_in(org.rep).post(url, {"reflection": HX_PAYLOAD}, **HTMX)
    assert partial.status_code == 200
    assert_inert(partial.content.decode())
    page = signed_in(org.manager).get(reverse("coaching:session", args=[params["session_id"]]))
    assert_inert(page.content.decode())


def test_commitment_text_and_notes_with_htmx_attributes_stay_text(world):
    org, params, _ = world
    Commitment.objects.filter(pk=params["commitment_id"]).update(text=HX_PAYLOAD)
    assert_inert(signed_in(org.rep).get(reverse("coaching:my_coaching")).content.decode())
    url = reverse("coaching:commitment_kept", args=[params["commitment_id"]])
    partial = signed_in(org.rep).post(url, {"note": HX_PAYLOAD}, **HTMX)
    assert partial.status_code == 200
    assert_inert(partial.content.decode())
    plan = signed_in(org.manager).get(reverse("coaching:plan", args=[org.rep.pk]))
    assert_inert(plan.content.decode())


def test_a_notification_with_htmx_attributes_stays_text(world):
    org, params, _ = world
    Notification.objects.filter(pk=params["pk"]).update(title=HX_PAYLOAD, body=HX_PAYLOAD)
    assert_inert(signed_in(org.rep).get(reverse("coaching:notifications")).content.decode())
    partial = signed_in(org.rep).post(
        reverse("coaching:notification_read", args=[params["pk"]]), **HTMX
    )
    assert partial.status_code == 200
    assert_inert(partial.content.decode())


def test_goals_and_a_coachs_words_with_htmx_attributes_stay_text(world):
    org, params, _ = world
    partial = signed_in(org.rep).post(
        reverse("coaching:plan_goals", args=[org.rep.pk]), {"goals": HX_PAYLOAD}, **HTMX
    )
    assert partial.status_code == 200
    assert_inert(partial.content.decode())
    held = CoachingSession.objects.get(rep=org.rep, status=CoachingSession.Status.HELD)
    CoachingSession.objects.filter(pk=held.pk).update(shared_notes=HX_PAYLOAD)
    Observation.objects.filter(session=held).update(evidence=HX_PAYLOAD)
    CoachingSession.objects.filter(pk=params["session_id"]).update(agenda={"note": HX_PAYLOAD})
    for session_id in (held.pk, params["session_id"]):
        page = signed_in(org.rep).get(reverse("coaching:session", args=[session_id]))
        assert_inert(page.content.decode())


# --- rate limits ---------------------------------------------------------------------------------


def test_sign_in_posts_are_limited_per_address_whatever_the_username(world, rates):
    rates(login="3/min")
    client = Client()
    for attempt in range(3):
        response = client.post(reverse("login"), {"username": f"nobody{attempt}", "password": "x"})
        assert response.status_code == 200  # the form again, with its error
    refused = client.post(reverse("login"), {"username": "rep", "password": "x"})
    assert refused.status_code == 429
    assert TOO_MANY_SIGN_INS in refused.content.decode()
    assert int(refused.headers["Retry-After"]) > 0
    # Another address is not held back by this one.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.post(reverse("login"), {"username": "rep", "password": "x"}).status_code == 200


def test_the_admin_sign_in_shares_the_limit(world, rates):
    rates(login="1/min")
    client = Client()
    assert (
        client.post(reverse("admin:login"), {"username": "a", "password": "b"}).status_code == 200
    )
    assert (
        client.post(reverse("admin:login"), {"username": "a", "password": "b"}).status_code == 429
    )


def test_page_forms_answer_a_page_that_says_to_slow_down(world, rates):
    org, _, _ = world
    rates(write="2/min")
    client = signed_in(org.rep)
    url = reverse("coaching:notifications_read_all")
    assert [client.post(url).status_code for _ in range(2)] == [302, 302]
    refused = client.post(url)
    assert refused.status_code == 429
    assert TOO_MANY_WRITES in refused.content.decode()
    # Reading is never limited.
    assert client.get(reverse("coaching:notifications")).status_code == 200


def test_an_htmx_form_past_the_limit_reloads_its_page_with_the_message(world, rates):
    org, _, _ = world
    rates(write="0/min")
    client = signed_in(org.rep)
    page = "http://testserver" + reverse("coaching:notifications")
    refused = client.post(reverse("coaching:notifications_read_all"), HTTP_REFERER=page, **HTMX)
    assert refused.status_code == 429
    assert refused.headers["HX-Redirect"] == page
    assert TOO_MANY_WRITES in client.get(page).content.decode()
    # A referer from elsewhere is not followed.
    elsewhere = client.post(
        reverse("coaching:notifications_read_all"), HTTP_REFERER="https://evil.example/", **HTMX
    )
    assert elsewhere.headers["HX-Redirect"] == reverse("home")


def test_the_api_and_the_pages_spend_one_write_budget(world, rates):
    org, params, tokens = world
    rates(write="2/min")
    api = Client(HTTP_AUTHORIZATION=f"Token {tokens['rep']}")
    page = signed_in(org.rep)
    assert api.post(f"/api/v1/lessons/{params['lesson_id']}/complete/").status_code == 200
    assert page.post(reverse("coaching:notifications_read_all")).status_code == 302
    refused = api.post(f"/api/v1/lessons/{params['lesson_id']}/complete/")
    assert refused.status_code == 429
    assert "Request was throttled" in refused.json()["message"]


API_WRITES = [
    (route, ask.method)
    for route in ROUTES
    if route.pattern.startswith("api/") and isinstance(MATRIX.get(route.name), list)
    for ask in MATRIX[route.name]
    if ask.method != "GET"
]


@pytest.mark.parametrize(("route", "method"), API_WRITES, ids=lambda v: getattr(v, "name", v))
def test_every_api_write_is_throttled_and_says_so(world, rates, route, method):
    _, params, tokens = world
    rates(write="0/min", token="0/min")
    client = Client(HTTP_AUTHORIZATION=f"Token {tokens['admin']}")
    response = client.generic(method, url_of(route, params), b"{}", content_type="application/json")
    assert response.status_code == 429
    assert response.json()["message"]


def test_reads_are_never_throttled(world, rates):
    _, _, tokens = world
    rates(write="0/min")
    client = Client(HTTP_AUTHORIZATION=f"Token {tokens['rep']}")
    assert all(client.get("/api/v1/courses/").status_code == 200 for _ in range(3))


def test_a_forged_forwarded_address_does_not_dodge_the_token_throttle(world, rates):
    rates(token="2/min")
    statuses = [
        Client(HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        .post("/api/v1/auth/token/", {"username": "x", "password": "y"}, "application/json")
        .status_code
        for n in range(3)
    ]
    assert statuses == [400, 400, 429]


# --- production ----------------------------------------------------------------------------------


def production_env(tmp_path) -> dict[str, str]:
    # What a developer's shell or the browser tests set has no place in a deployment.
    local = {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in local}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY="production-check-" + "k7Q2x9Lm4Vb8Np3Rt6Wy1Zc5" * 2,
        ALLOWED_HOSTS="coaching.example.com",
        DATABASE_URL="postgres://check@127.0.0.1:5432/check",
        REDIS_URL="redis://127.0.0.1:6379/15",
        VAR_DIR=str(tmp_path),
    )
    return env


def test_check_deploy_is_clean_in_production(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_cookies_are_secure_and_the_policy_is_on(tmp_path):
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({name: getattr(s, name) for name in ("
        "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_CONTENT_TYPE_NOSNIFF', "
        "'X_FRAME_OPTIONS')} | {'csp': 'csp.middleware' in ' '.join(s.MIDDLEWARE) or "
        "'config.csp.PolicyMiddleware' in s.MIDDLEWARE, "
        "'script': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**production_env(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "csp": True,
        "script": ["'self'"],
    }
