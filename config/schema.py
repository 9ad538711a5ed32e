"""Document in the OpenAPI schema the errors every operation can answer, in one place.

The views document what their own code refuses (400, 403, 404, 409). What the plumbing
around them refuses applies to all of them alike, so it is added here rather than repeated
on each view: 401 without valid credentials, 404 for a page of a list past its end, and for
writes 429 when the caller's write budget is spent, 413 for an oversized body and 400 for one
that is not JSON or nests past 20 levels (``config/parsers.py``). Dates and times in a body
are refused (400) more than two years ahead or ten years back (``config/dates.py``). Integer
path parameters say they are never negative, as the URL patterns that match only digits.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.permissions import BasePermission

WRITES = {"post", "put", "patch", "delete"}
ERROR = {"$ref": "#/components/schemas/Error"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def _requires_credentials(operation: dict[str, Any], default: list[dict]) -> bool:
    security = operation.get("security", default)
    # An empty requirement ({}) in the list means the operation also works without any.
    return bool(security) and all(requirement for requirement in security)


def document_common_errors(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    if "Error" not in result.get("components", {}).get("schemas", {}):
        return result
    default_security = result.get("security", [])
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                # <int:...> in a URL matches digits only: a negative id is no address at all.
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema.setdefault("minimum", 0)
            responses = operation["responses"]
            if _requires_credentials(operation, default_security):
                responses.setdefault("401", _error("No valid credentials."))
            names = {parameter.get("name") for parameter in operation.get("parameters", [])}
            if method == "get" and "page" in names:
                responses.setdefault("404", _error("No such page of the list."))
            if method in WRITES:
                responses.setdefault("429", _error("Too many writes; try again shortly."))
                if "requestBody" in operation:
                    responses.setdefault("413", _error("The request body is too large."))
                    responses.setdefault(
                        "400",
                        _error(
                            "The request is malformed: not JSON, nested past 20 levels, a "
                            "value of the wrong type, or a date more than two years ahead."
                        ),
                    )
    return result


class ApiDocsPermission(BasePermission):
    """The schema and the browsable docs: open when ``API_DOCS_PUBLIC`` (a developer's machine),
    for the signed-in otherwise (production's default). Read per request, so a setting change
    needs no new URL conf."""

    message = "Sign in to read the API's documentation."

    def has_permission(self, request, view) -> bool:
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_authenticated)
