"""Bad input at every API write, and at the pages' forms: a clear 4xx, and nothing written.

One table over the API's write endpoints: oversized bodies, bodies that are not JSON, wrong
types, unknown and impossible ids, dates in the past and past the end of the calendar,
ratings out of range, texts too long. Each row is sent by someone who may make the write, so
only the input is wrong; the answer must be the status in the row with a ``message`` that
says what was wrong, and the database must be exactly as it was.

Malformed course files are refused by the importer (tests/lms/test_course_files.py covers
them: line, field and reason, all or nothing); they are not repeated here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coaching.models import CoachingSession
from coaching.web.forms import TEXT_MAX
from config.parsers import too_deep
from tests.coaching.factories import session_started
from tests.test_permission_matrix import ACTORS, MATRIX, ROUTES, build_world, client_for, url_of

pytestmark = pytest.mark.django_db

TWO_MB = 2 * 1024 * 1024
HUGE_ID = 10**30  # no database holds an id this big


@pytest.fixture
def world(org):
    return build_world(org)


def days(n: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


def at(days_ahead: float) -> str:
    return (timezone.now() + dt.timedelta(days=days_ahead)).isoformat()


@dataclass(frozen=True)
class Bad:
    """One bad request: who sends it, where, what, and the answer it must get."""

    case: str
    actor: str
    method: str
    path: Callable[[dict[str, Any]], str]
    body: Any
    status: int
    says: str
    raw: bytes | None = field(default=None)
    content_type: str = "application/json"
    # The world's session has begun: a record is refused before then, whatever its content.
    started: bool = False


def session(action: str = "") -> Callable[[dict[str, Any]], str]:
    return lambda p: f"/api/v1/coaching/sessions/{p['session_id']}/{action}"


def hold(**change) -> dict[str, Any]:
    """A hold that would be accepted, with ``change`` made to it."""
    return {
        "notes": "Good call.",
        "observations": [{"skill": "SKILL", "rating": 3}],
        "commitments": [{"text": "Ask two open questions", "due_date": days(7)}],
        **change,
    }


SESSIONS = lambda p: "/api/v1/coaching/sessions/"  # noqa: E731
ENROLMENTS = lambda p: "/api/v1/enrolments/"  # noqa: E731
TOKEN = lambda p: "/api/v1/auth/token/"  # noqa: E731
COMMITMENT = lambda p: f"/api/v1/coaching/commitments/{p['commitment_id']}/"  # noqa: E731
SUBMIT = lambda p: f"/api/v1/attempts/{p['attempt_id']}/submit/"  # noqa: E731

TABLE = [
    # Oversized bodies are refused before they are read.
    Bad(
        "oversized reflection",
        "rep",
        "POST",
        session("reflection/"),
        None,
        413,
        "at most",
        raw=json.dumps({"reflection": "x" * TWO_MB}).encode(),
    ),
    Bad(
        "oversized sign-in",
        "anonymous",
        "POST",
        TOKEN,
        None,
        413,
        "at most",
        raw=json.dumps({"username": "x" * TWO_MB, "password": "p"}).encode(),
    ),
    Bad(
        "oversized hold",
        "manager",
        "POST",
        session("hold/"),
        None,
        413,
        "at most",
        raw=json.dumps(hold(notes="n" * TWO_MB)).encode(),
    ),
    # Not JSON, or not a JSON object.
    Bad(
        "malformed JSON",
        "manager",
        "POST",
        session("hold/"),
        None,
        400,
        "JSON parse error",
        raw=b'{"notes": "unterminated',
    ),
    Bad(
        "form-encoded body",
        "rep",
        "POST",
        session("reflection/"),
        None,
        415,
        "Unsupported media type",
        raw=b"reflection=hello",
        content_type="application/x-www-form-urlencoded",
    ),
    Bad(
        "a list, not an object",
        "rep",
        "POST",
        session("reflection/"),
        ["hello"],
        400,
        "Expected a dictionary",
    ),
    # Wrong types are named, not coerced.
    Bad(
        "reflection as a number",
        "rep",
        "POST",
        session("reflection/"),
        {"reflection": 123},
        400,
        "reflection: Not a valid string",
    ),
    Bad(
        "username as a number",
        "anonymous",
        "POST",
        TOKEN,
        {"username": 7, "password": "p"},
        400,
        "username: Not a valid string",
    ),
    Bad(
        "course id as text",
        "rep",
        "POST",
        ENROLMENTS,
        {"course": "COURSE_TEXT"},
        400,
        "course: A valid integer",
    ),
    Bad(
        "rating as text",
        "manager",
        "POST",
        session("hold/"),
        hold(observations=[{"skill": "SKILL", "rating": "5"}]),
        400,
        "rating: A valid integer",
    ),
    Bad(
        "observations not a list",
        "manager",
        "POST",
        session("hold/"),
        hold(observations="many"),
        400,
        "observations",
    ),
    Bad("answers not a list", "rep", "POST", SUBMIT, {"answers": "all"}, 400, "answers"),
    Bad(
        "choice ids as text",
        "rep",
        "POST",
        SUBMIT,
        {"answers": [{"question": "QUESTION", "choices": ["1"]}]},
        400,
        "A valid integer",
    ),
    Bad(
        "status not a word",
        "rep",
        "PATCH",
        COMMITMENT,
        {"status": 1},
        400,
        "status: Not a valid string",
    ),
    Bad(
        "note as a list",
        "rep",
        "PATCH",
        COMMITMENT,
        {"status": "kept", "note": ["a"]},
        400,
        "note: Not a valid string",
    ),
    # Unknown and impossible ids.
    Bad("unknown course", "rep", "POST", ENROLMENTS, {"course": 999999}, 400, "No such course"),
    Bad(
        "course id past any database", "rep", "POST", ENROLMENTS, {"course": HUGE_ID}, 400, "course"
    ),
    Bad(
        "assign to an unknown person",
        "manager",
        "POST",
        ENROLMENTS,
        {"course": "COURSE", "user": 999999, "due_date": days(7)},
        400,
        "report to you",
    ),
    Bad(
        "assign to an impossible id",
        "manager",
        "POST",
        ENROLMENTS,
        {"course": "COURSE", "user": HUGE_ID, "due_date": days(7)},
        400,
        "user: Ensure this value",
    ),
    Bad(
        "book with an unknown rep",
        "manager",
        "POST",
        SESSIONS,
        {"rep": 999999, "scheduled_for": at(3)},
        400,
        "report to you",
    ),
    Bad(
        "book with an impossible rep",
        "manager",
        "POST",
        SESSIONS,
        {"rep": HUGE_ID, "scheduled_for": at(3)},
        400,
        "rep: Ensure this value",
    ),
    Bad(
        "book with an unknown skill",
        "manager",
        "POST",
        SESSIONS,
        {"rep": "REP", "scheduled_for": at(3), "focus_skill": 999999},
        400,
        "No such skill",
    ),
    Bad(
        "rate an unknown skill",
        "manager",
        "POST",
        session("hold/"),
        hold(observations=[{"skill": 999999, "rating": 3}]),
        400,
        "does not exist",
        started=True,
    ),
    Bad(
        "a question outside the attempt",
        "rep",
        "POST",
        SUBMIT,
        {"answers": [{"question": 999999, "choices": []}]},
        400,
        "not part of this attempt",
    ),
    Bad(
        "a choice outside its question",
        "rep",
        "POST",
        SUBMIT,
        {"answers": [{"question": "QUESTION", "choices": [999999]}]},
        400,
        "does not belong",
    ),
    Bad(
        "complete an unknown lesson",
        "rep",
        "POST",
        lambda p: "/api/v1/lessons/999999/complete/",
        None,
        404,
        "No such lesson",
    ),
    Bad(
        "start an unknown quiz",
        "rep",
        "POST",
        lambda p: "/api/v1/quizzes/999999/attempts/",
        None,
        404,
        "No such quiz",
    ),
    Bad(
        "hold an unknown session",
        "manager",
        "POST",
        lambda p: "/api/v1/coaching/sessions/999999/hold/",
        hold(),
        404,
        "No such session",
    ),
    Bad(
        "a session id past any database",
        "manager",
        "POST",
        lambda p: f"/api/v1/coaching/sessions/{HUGE_ID}/cancel/",
        {},
        404,
        "No such session",
    ),
    Bad(
        "review an unknown commitment",
        "manager",
        "PATCH",
        lambda p: "/api/v1/coaching/commitments/999999/",
        {"status": "kept"},
        404,
        "No such commitment",
    ),
    # Dates and times in the past, malformed, or past the end of the calendar.
    Bad(
        "book in the past",
        "manager",
        "POST",
        SESSIONS,
        {"rep": "REP", "scheduled_for": at(-1)},
        400,
        "has passed",
    ),
    Bad(
        "book without an offset",
        "manager",
        "POST",
        SESSIONS,
        {"rep": "REP", "scheduled_for": "2030-03-10T09:00:00"},
        400,
        "offset",
    ),
    Bad(
        "book in the year 9999",
        "manager",
        "POST",
        SESSIONS,
        {"rep": "REP", "scheduled_for": "9999-12-31T23:00:00+00:00"},
        400,
        "two years ahead",
    ),
    Bad(
        "move into the past",
        "manager",
        "POST",
        session("reschedule/"),
        {"scheduled_for": at(-2)},
        400,
        "has passed",
    ),
    Bad(
        "move to a word",
        "manager",
        "POST",
        session("reschedule/"),
        {"scheduled_for": "soon"},
        400,
        "scheduled_for",
    ),
    Bad(
        "move to the calendar's end",
        "manager",
        "POST",
        session("reschedule/"),
        {"scheduled_for": "9999-12-31T23:30:00+00:00"},
        400,
        "two years ahead",
    ),
    Bad(
        "commitment due yesterday",
        "manager",
        "POST",
        session("hold/"),
        hold(commitments=[{"text": "Call back", "due_date": days(-1)}]),
        400,
        "due date has passed",
        started=True,
    ),
    Bad(
        "commitment due on a word",
        "manager",
        "POST",
        session("hold/"),
        hold(commitments=[{"text": "Call back", "due_date": "tomorrow"}]),
        400,
        "due_date",
    ),
    Bad(
        "assignment due last week",
        "manager",
        "POST",
        ENROLMENTS,
        {"course": "COURSE", "user": "REP", "due_date": days(-7)},
        400,
        "in the past",
    ),
    Bad(
        "assignment due on a slashed date",
        "manager",
        "POST",
        ENROLMENTS,
        {"course": "COURSE", "user": "REP", "due_date": "31/12/2030"},
        400,
        "due_date",
    ),
    # Dates past the sensible range (config/dates.py): more than two years ahead, or more than
    # ten years back, wherever a date or time is accepted.
    Bad(
        "book three years ahead",
        "manager",
        "POST",
        SESSIONS,
        {"rep": "REP", "scheduled_for": at(3 * 366)},
        400,
        "scheduled_for: That date is more than two years ahead",
    ),
    Bad(
        "move three years ahead",
        "manager",
        "POST",
        session("reschedule/"),
        {"scheduled_for": at(3 * 366)},
        400,
        "scheduled_for: That date is more than two years ahead",
    ),
    Bad(
        "answer a request with a time three years ahead",
        "manager",
        "POST",
        session("reschedule-request/resolve/"),
        {"decision": "move", "scheduled_for": at(3 * 366)},
        400,
        "scheduled_for: That date is more than two years ahead",
    ),
    Bad(
        "commitment due three years ahead",
        "manager",
        "POST",
        session("hold/"),
        hold(commitments=[{"text": "Call back", "due_date": days(3 * 366)}]),
        400,
        "due_date: That date is more than two years ahead",
        started=True,
    ),
    Bad(
        "commitment due in 1900",
        "manager",
        "POST",
        session("hold/"),
        hold(commitments=[{"text": "Call back", "due_date": "1900-01-01"}]),
        400,
        "due_date: That date is more than ten years ago",
        started=True,
    ),
    Bad(
        "amended commitment due three years ahead",
        "manager",
        "POST",
        session("amend/"),
        hold(commitments=[{"text": "Call back", "due_date": days(3 * 366)}]),
        400,
        "due_date: That date is more than two years ahead",
    ),
    Bad(
        "assignment due three years ahead",
        "manager",
        "POST",
        ENROLMENTS,
        {"course": "COURSE", "user": "REP", "due_date": days(3 * 366)},
        400,
        "due_date: That date is more than two years ahead",
    ),
    Bad(
        "assignment due in the year 1",
        "manager",
        "POST",
        ENROLMENTS,
        {"course": "COURSE", "user": "REP", "due_date": "0001-01-01"},
        400,
        "due_date: That date is more than ten years ago",
    ),
    # Numbers out of range, texts too long, lists too long, values outside their choices.
    Bad(
        "rating of 6",
        "manager",
        "POST",
        session("hold/"),
        hold(observations=[{"skill": "SKILL", "rating": 6}]),
        400,
        "rating: Ensure this value is less than or equal to 5",
    ),
    Bad(
        "rating of 0",
        "manager",
        "POST",
        session("hold/"),
        hold(observations=[{"skill": "SKILL", "rating": 0}]),
        400,
        "rating: Ensure this value is greater than or equal to 1",
    ),
    Bad(
        "rating as true",
        "manager",
        "POST",
        session("hold/"),
        hold(observations=[{"skill": "SKILL", "rating": True}]),
        400,
        "rating: A valid integer",
    ),
    Bad(
        "a ten-hour session",
        "manager",
        "POST",
        SESSIONS,
        {"rep": "REP", "scheduled_for": at(3), "duration_minutes": 600},
        400,
        "minutes",
    ),
    Bad(
        "a reflection past the limit",
        "rep",
        "POST",
        session("reflection/"),
        {"reflection": "x" * (TEXT_MAX + 1)},
        400,
        f"no more than {TEXT_MAX}",
    ),
    Bad(
        "a hundred commitments",
        "manager",
        "POST",
        session("hold/"),
        hold(commitments=[{"text": "x", "due_date": days(3)}] * 100),
        400,
        "commitments",
    ),
    Bad(
        "an unknown status",
        "manager",
        "PATCH",
        COMMITMENT,
        {"status": "done"},
        400,
        "not a valid choice",
    ),
    Bad(
        "an unknown observation source",
        "manager",
        "POST",
        session("hold/"),
        hold(observations=[{"skill": "SKILL", "rating": 3, "source": "rumour"}]),
        400,
        "not a valid choice",
    ),
    Bad(
        "a NUL in a text",
        "rep",
        "POST",
        session("reflection/"),
        {"reflection": "a\x00b"},
        400,
        "Null characters",
    ),
    Bad(
        "sign in without a password",
        "anonymous",
        "POST",
        TOKEN,
        {"username": "rep"},
        400,
        "password: This field is required",
    ),
]


def snapshot() -> dict[str, list[dict]]:
    """Every row the product writes: training, coaching, and API tokens."""
    models = [
        *apps.get_app_config("lms").get_models(),
        *apps.get_app_config("coaching").get_models(),
        apps.get_model("accounts", "ApiToken"),
    ]
    # A token notes when it was last used: that is the credential working, not the request's write.
    return {
        model._meta.label: [
            {field: value for field, value in row.items() if field != "last_used"}
            for row in model.objects.order_by("pk").values()
        ]
        for model in models
    }


def fill(value: Any, known: dict[str, Any]) -> Any:
    """Put the world's ids where the table says SKILL, REP, COURSE, QUESTION."""
    if isinstance(value, list):
        return [fill(item, known) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, known) for key, item in value.items()}
    if isinstance(value, str) and value in known:
        return known[value]
    return value


@pytest.fixture
def known(world):
    from coaching.models import Commitment
    from lms.models import QuizAttempt

    org, params, _ = world
    attempt = QuizAttempt.objects.get(pk=params["attempt_id"])
    Commitment.objects.filter(pk=params["commitment_id"]).update(status="open")
    return {
        "SKILL": params["skill_id"],
        "REP": org.rep.pk,
        "COURSE": params["course_id"],
        "COURSE_TEXT": str(params["course_id"]),
        "QUESTION": attempt.question_ids[0],
    }


@pytest.mark.parametrize("bad", TABLE, ids=lambda bad: bad.case)
def test_bad_input_is_refused_with_a_message_and_nothing_is_written(bad, world, known):
    _, params, tokens = world
    client = (
        Client(HTTP_AUTHORIZATION=f"Token {tokens[bad.actor]}") if bad.actor in tokens else Client()
    )
    body = bad.raw if bad.raw is not None else json.dumps(fill(bad.body, known)).encode()
    if bad.started:
        session_started(CoachingSession.objects.get(pk=params["session_id"]))
    before = snapshot()

    response = client.generic(bad.method, bad.path(params), body, content_type=bad.content_type)

    assert response.status_code == bad.status, response.content[:300]
    message = response.json()["message"]
    assert bad.says in message
    assert snapshot() == before


def test_the_limit_is_about_one_megabyte():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024


def test_an_oversized_form_on_a_page_is_refused_with_a_page_and_nothing_written(world):
    org, params, _ = world
    client = Client()
    client.force_login(org.rep)
    before = snapshot()

    response = client.post(
        reverse("coaching:session_reflect", args=[params["session_id"]]),
        {"reflection": "x" * TWO_MB},
    )

    assert response.status_code == 400
    assert b"too large" in response.content
    assert snapshot() == before


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("from=yesterday", "from"),
        ("to=9999-12-31", "to: Give a day from"),
        ("from=0001-01-01", "from: Give a day from"),
        ("from=2030-02-01&to=2030-01-01", "on or before"),
        ("status=lost", "not a valid choice"),
        ("rep=someone", "A valid integer"),
        (f"rep={HUGE_ID}", "rep: Ensure this value"),
    ],
)
def test_bad_filters_on_the_session_list_are_a_400_with_a_message(world, query, says):
    _, _, tokens = world
    client = Client(HTTP_AUTHORIZATION=f"Token {tokens['manager']}")
    response = client.get(f"/api/v1/coaching/sessions/?{query}")
    assert response.status_code == 400
    assert says in response.json()["message"]


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "not-a-day", "2030-13-45"])
def test_the_week_page_shows_this_week_for_a_day_it_cannot_show(world, week):
    org, _, _ = world
    client = Client()
    client.force_login(org.manager)
    response = client.get(reverse("coaching:week"), {"week": week})
    assert response.status_code == 200


# --- bodies nested past any request's need, at every API write ---------------------------------

NESTED_LISTS = ("[" * 1000 + "]" * 1000).encode()
NESTED_OBJECTS = ('{"a":' * 1000 + "1" + "}" * 1000).encode()
API_WRITES = [
    pytest.param(route, ask, id=f"{ask.method} {route.name}")
    for route in ROUTES
    if route.pattern.startswith("api/") and isinstance(MATRIX.get(route.name), list)
    for ask in MATRIX[route.name]
    if ask.method != "GET"
]


@pytest.mark.parametrize(("route", "ask"), API_WRITES)
def test_a_body_nested_a_thousand_levels_deep_is_a_400_at_every_api_write(route, ask, world):
    """Whoever sends it, signed in or not, and whether or not the view reads a body: a 400
    that says why, never a 500, and nothing written."""
    org, params, tokens = world
    url = url_of(route, params)
    before = snapshot()
    wrong = []
    for actor in ACTORS:
        client = client_for(org, actor, tokens, api=True)
        for body in (NESTED_LISTS, NESTED_OBJECTS):
            response = client.generic(ask.method, url, body, content_type="application/json")
            says = response.json().get("message", "") if response.status_code == 400 else ""
            if "nests more than" not in says:
                wrong.append(f"{actor}: {response.status_code} {response.content[:120]!r}")
    assert not wrong, "\n".join(wrong)
    assert snapshot() == before


def test_the_parser_refuses_what_the_middleware_would_not_see(world):
    """DRF's parser holds the same line on its own, for a body that reached it another way."""
    from io import BytesIO

    from rest_framework.exceptions import ParseError

    from config.parsers import DepthLimitedJSONParser

    for body in (NESTED_LISTS, NESTED_OBJECTS, ("[" * 25 + "]" * 25).encode()):
        with pytest.raises(ParseError, match="nests more than"):
            DepthLimitedJSONParser().parse(BytesIO(body))


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/coaching/", "/healthz"])
def test_a_body_nested_a_thousand_levels_deep_is_a_400_on_pages_too(world, path):
    org, _, _ = world
    client = Client()
    client.force_login(org.rep)
    response = client.post(path, NESTED_OBJECTS, content_type="application/json")
    assert response.status_code == 400
    assert "nests more than" in response.json()["message"]


def test_a_body_nested_as_deep_as_a_request_needs_is_read():
    assert not too_deep({"commitments": [{"text": "x", "due_date": "2030-01-01"}]})
    assert not too_deep(json.loads("[" * 20 + "]" * 20))
    assert too_deep(json.loads("[" * 21 + "]" * 21))


# --- dates past the sensible range, typed into the pages' forms --------------------------------


def _wall_clock(days_ahead: int) -> str:
    return (timezone.localtime() + dt.timedelta(days=days_ahead)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    ("actor", "route", "form", "says"),
    [
        (
            "manager",
            lambda p: reverse("lms:team"),
            lambda k: {"rep": k["REP"], "course": k["COURSE"], "due_date": days(3 * 366)},
            "more than two years ahead",
        ),
        (
            "manager",
            lambda p: reverse("lms:team"),
            lambda k: {"rep": k["REP"], "course": k["COURSE"], "due_date": "1900-01-01"},
            "more than ten years ago",
        ),
        (
            "manager",
            lambda p: reverse("coaching:week"),
            lambda k: {"rep": k["REP"], "scheduled_for": _wall_clock(3 * 366)},
            "more than two years ahead",
        ),
        (
            "manager",
            lambda p: reverse("coaching:session_reschedule", args=[p["session_id"]]),
            lambda k: {"scheduled_for": _wall_clock(3 * 366)},
            "more than two years ahead",
        ),
    ],
    ids=["assign due far ahead", "assign due in 1900", "book far ahead", "move far ahead"],
)
def test_a_date_past_the_range_on_a_page_is_a_form_error_and_nothing_is_written(
    world, known, actor, route, form, says
):
    org, params, _ = world
    client = Client()
    client.force_login(getattr(org, actor))
    before = snapshot()

    response = client.post(route(params), form(known), HTTP_HX_REQUEST="true")

    assert response.status_code in (200, 422), response.status_code
    assert says in response.content.decode()
    assert snapshot() == before
