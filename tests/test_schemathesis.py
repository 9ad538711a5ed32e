"""The API against its own OpenAPI schema, fuzzed in-process with schemathesis.

Every operation in ``/api/schema/`` is sent a bounded number of generated requests as each
role (rep, manager, admin, with their token) through the WSGI application, no server. Each
answer must not be a server error, must be a status the schema documents for the operation,
and must match that status's documented body. Half the requests name the objects of a small
world (the rep's session, commitment, attempt, ...) so the generated bodies reach the code
behind the lookups; the rest name random ids. Every request runs in a savepoint that is rolled
back, so one example never changes what the next one finds. Each role is also sent data the
schema forbids: it must never crash anything, and a forbidden body must be refused with a 4xx.
Without a token, every operation but signing in is refused with 401.

Generation is derandomised (the same examples every run) and shrinking is off, so a run takes
the same bounded time in CI; a failure names the request that caused it.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.throttling import SimpleRateThrottle
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.test_permission_matrix import build_world

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]

EXAMPLES_PER_OPERATION = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def body_refused(ctx, response, case):
    """A body the schema forbids is refused (4xx). Only bodies: DRF reads an empty query value
    (``?page=``) as an absent one, deliberately, and a path the URLs do not match is a 404."""
    meta = case.meta
    if meta is None or not meta.is_negative_at(ParameterLocation.BODY):
        return None
    if any(meta.is_negative_at(location) for location in ParameterLocation if location != "body"):
        return None
    return negative_data_rejection(ctx, response, case)


# Data the schema forbids never crashes anything, and a forbidden body is refused.
NEGATIVE_CHECKS = [not_a_server_error, body_refused]
# Signing in needs no token; it is fuzzed once, without one.
UNAUTHENTICATED = {"auth_token"}
FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@pytest.fixture
def world(org):
    return build_world(org)


@pytest.fixture
def app(monkeypatch):
    """The WSGI application, called in the test's own transaction.

    Django closes the database connection at the start and end of each request; inside the
    test's transaction that would end it, so (as Django's test client does) not here. Rates
    are lifted: the fuzzer writes faster than a person may.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"token": "100000/min", "login": "100000/min", "write": "100000/min"},
    )
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/schema/", app)


def operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


def fuzz(
    operation,
    *,
    headers: dict[str, str],
    known: dict[str, int],
    mode: GenerationMode = GenerationMode.POSITIVE,
) -> None:
    """Send ``operation`` generated requests with ``headers``; raise on the first bad answer."""
    names = {parameter.name for parameter in operation.path_parameters}
    fixed = {name: value for name, value in known.items() if name in names}
    strategies = [operation.as_strategy(generation_mode=mode)]
    if fixed:
        strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    checks = CHECKS if mode is GenerationMode.POSITIVE else NEGATIVE_CHECKS

    @FUZZ
    @given(case=st.one_of(strategies))
    def run(case) -> None:
        savepoint = transaction.savepoint()
        try:
            case.call_and_validate(headers=headers, checks=checks)
        finally:
            transaction.savepoint_rollback(savepoint)

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("role", ["rep", "manager", "admin"])
def test_every_operation_keeps_to_the_schema(role, mode, api_schema, world):
    _, params, tokens = world
    headers = {"Authorization": f"Token {tokens[role]}"}
    failures = []
    for operation in operations(api_schema):
        if operation.definition.raw.get("operationId") in UNAUTHENTICATED:
            continue
        try:
            fuzz(operation, headers=headers, known=params, mode=mode)
        except Unsatisfiable:
            continue  # nothing in this operation can be made invalid (GET /me/, say)
        except (Exception, FailureGroup) as failure:  # one report for all that failed
            failures.append(f"{operation.label} as {role}:\n{failure}")
    assert not failures, "\n\n".join(failures)


def test_signing_in_keeps_to_the_schema(api_schema, world):
    [operation] = [
        op
        for op in operations(api_schema)
        if op.definition.raw.get("operationId") in UNAUTHENTICATED
    ]
    fuzz(operation, headers={}, known={})


def test_without_a_token_every_operation_but_signing_in_is_refused(api_schema, app, world):
    _, params, _ = world
    refused = []
    for operation in operations(api_schema):
        if operation.definition.raw.get("operationId") in UNAUTHENTICATED:
            continue
        names = {parameter.name for parameter in operation.path_parameters}
        case = operation.Case(path_parameters={name: params[name] for name in names})
        response = case.call()
        if response.status_code != 401 or "message" not in response.json():
            refused.append(f"{operation.label}: {response.status_code} {response.text[:200]}")
    assert not refused, "\n".join(refused)
