"""What every import's API call shares (``POST /api/v1/people/import/``,
``POST /api/v1/outcomes/``): reading the CSV a client sent, ``?dry_run=1``, and the answer: every
row's outcome, or a 400 listing the errors with nothing imported."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from config.errors import DomainError
from config.imports import ImportPlan, ImportRefused
from config.spreadsheet import CSV_MAX_BYTES as MAX_BYTES

# The schema of what every import call takes: ``?dry_run=1``, and the CSV as the body or a file.
DRY_RUN = OpenApiParameter(
    "dry_run",
    OpenApiTypes.BOOL,
    description="1 or true: preview every row's outcome, change nothing.",
)
CSV_REQUEST: dict[str, Any] = {
    "text/csv": OpenApiTypes.STR,
    "multipart/form-data": {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}},
        "required": ["file"],
    },
}


class CsvTextParser(BaseParser):
    """A ``text/csv`` body, as text (UTF-8, a byte-order mark allowed)."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None) -> str:
        data = stream.read(MAX_BYTES + 1) if stream is not None else b""
        if len(data) > MAX_BYTES:
            raise DomainError(f"The file is over {MAX_BYTES // 1000} kB; split it.")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise DomainError("The CSV is not UTF-8 text.") from error


def csv_from_request(request: Request) -> str:
    """The CSV an import call sent: the ``text/csv`` body, or the ``file`` of a multipart
    upload (UTF-8); anything else is a 400 saying what to send."""
    if isinstance(request.data, str):
        return request.data
    upload = request.data.get("file") if hasattr(request.data, "get") else None
    if upload is None:
        raise DomainError(
            "Send the CSV as the body with Content-Type text/csv, or as the file of a "
            "multipart upload."
        )
    if upload.size > MAX_BYTES:
        raise DomainError(f"The file is over {MAX_BYTES // 1000} kB; split it.")
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DomainError("The CSV is not UTF-8 text.") from error


class ImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    message = serializers.CharField()


def import_serializers(
    rows: type[serializers.Serializer], *, name: str
) -> tuple[type[serializers.Serializer], type[serializers.Serializer]]:
    """An import's answer and its refusal (a file with errors; a request with no file at all
    has the message alone), around the serializer of its rows: ``{name}Result`` and
    ``{name}Refusal`` in the schema."""
    result = type(
        f"{name}ResultSerializer",
        (serializers.Serializer,),
        {
            "__module__": __name__,
            "dry_run": serializers.BooleanField(),
            "applied": serializers.BooleanField(),
            "counts": serializers.DictField(child=serializers.IntegerField()),
            "rows": rows(many=True),
        },
    )
    refusal = type(
        f"{name}RefusalSerializer",
        (serializers.Serializer,),
        {
            "__doc__": "A file with errors; a request with no file at all has the message alone.",
            "__module__": __name__,
            "message": serializers.CharField(),
            "errors": ImportErrorSerializer(many=True, required=False),
            "rows": rows(many=True, required=False),
        },
    )
    return result, refusal


def import_response(
    request: Request,
    *,
    source: dict[str, Any],
    preview: Callable[..., ImportPlan],
    apply: Callable[..., ImportPlan],
    rows: type[serializers.Serializer],
) -> Response:
    """Preview (``?dry_run=1``) or apply ``source`` as the requester, and answer with every
    row's outcome; any error is a 400 listing them, with nothing imported."""
    dry_run = request.query_params.get("dry_run", "").lower() in ("1", "true", "yes")
    try:
        if dry_run:
            plan = preview(**source)
            if not plan.ok:
                raise ImportRefused(plan)
        else:
            plan = apply(**source, actor=request.user)
    except ImportRefused as refused:
        body = {
            "message": refused.message,
            "errors": [{"line": line, "message": text} for line, text in refused.plan.errors],
            "rows": rows(refused.plan.rows, many=True).data,
        }
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return Response(
        {
            "dry_run": dry_run,
            "applied": plan.applied,
            "counts": plan.counts,
            "rows": rows(plan.rows, many=True).data,
        }
    )
