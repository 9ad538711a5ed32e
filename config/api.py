"""API plumbing shared by every app: one error shape, strict input, one pagination."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import DomainError


class ErrorSerializer(serializers.Serializer):
    """Every error's body: ``{"message": ...}``, with ``errors`` per field for a 400."""

    message = serializers.CharField()


# The largest id a database column holds: a bigger number is no id, and must not reach a query
# (SQLite and PostgreSQL fail on it, for a foreign key or an IN list, rather than find nothing).
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """The id of a row, as input: a whole number from 1 to ``MAX_ID``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


def _json_type_error(field: serializers.Field, value: Any) -> str | None:
    """What JSON type ``field`` wants, when ``value`` is not of it (None: it is, or null)."""
    if value is None:
        return None  # null is the field's own allow_null rule
    if isinstance(field, serializers.ListSerializer | serializers.ListField):
        if not isinstance(value, list):
            return "Expected a list of items."
        child = field.child
        return next((error for item in value if (error := _json_type_error(child, item))), None)
    if isinstance(field, serializers.Serializer):
        return None if isinstance(value, dict) else "Expected an object."
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Must be a valid boolean."
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        whole = isinstance(value, int) and not isinstance(value, bool)
        return None if whole else "A valid integer is required."
    if isinstance(field, serializers.CharField | serializers.DateField | serializers.DateTimeField):
        return None if isinstance(value, str) else "Not a valid string."
    if isinstance(field, serializers.ChoiceField) and all(
        isinstance(c, str) for c in field.choices
    ):
        return None if isinstance(value, str) else "Not a valid string."
    return None


class StrictInputSerializer(serializers.Serializer):
    """A JSON request body whose values must already be of their field's type.

    DRF coerces on input (``123`` becomes the text ``"123"``, ``"7"`` the id 7, ``1`` true), so
    a client that sends the wrong type would never hear of it; here it gets a 400 naming the
    field. Nested input serializers inherit the rule through this class.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            errors = {}
            for name, field in self.fields.items():
                if field.read_only or field.source == "*" or name not in data:
                    continue
                if error := _json_type_error(field, data[name]):
                    errors[name] = [error]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for field, value in detail.items():
            message = _first_message(value)
            return message if field in ("non_field_errors", "detail") else f"{field}: {message}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Every error answers JSON with a human ``message``; field errors stay under ``errors``."""
    if isinstance(exc, DomainError):
        return Response({"message": exc.message}, status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        # Django refuses the body before reading it; its own answer would be an HTML page.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            {"message": f"The request body is too large: at most {limit:,} bytes are accepted."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"message": _first_message(exc.detail), "errors": exc.detail}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"message": str(response.data["detail"])}
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        response.data.setdefault("message", "Too many requests; try again shortly.")
    return response
