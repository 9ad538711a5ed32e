"""``POST /api/v1/people/import/``: the people CSV import for admins, as the page does it.

The CSV comes as the body (``Content-Type: text/csv``) or as the ``file`` of a multipart
upload; ``?dry_run=1`` previews. The answer lists every row's outcome; a file with errors is a
400 listing them, and nothing is imported.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.importing import (
    HEADER,
    MAX_BYTES,
    ImportPlan,
    ImportRefused,
    people_import_apply,
    people_import_preview,
)
from accounts.permissions import IsOrgAdmin
from config.api import ErrorSerializer
from config.errors import DomainError
from config.parsers import DepthLimitedJSONParser


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


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    username = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["create", "update", "unchanged", "error"])
    changes = serializers.ListField(child=serializers.CharField())
    errors = serializers.ListField(child=serializers.CharField())


class ImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    message = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField()
    counts = serializers.DictField(child=serializers.IntegerField())
    rows = ImportRowSerializer(many=True)


class ImportRefusalSerializer(serializers.Serializer):
    """A file with errors; a request with no file at all has the message alone."""

    message = serializers.CharField()
    errors = ImportErrorSerializer(many=True, required=False)
    rows = ImportRowSerializer(many=True, required=False)


def _answer(plan: ImportPlan, *, dry_run: bool) -> dict:
    return {
        "dry_run": dry_run,
        "applied": plan.applied,
        "counts": plan.counts,
        "rows": ImportRowSerializer(plan.rows, many=True).data,
    }


def _refusal(message: str, plan: ImportPlan) -> Response:
    body = {
        "message": message,
        "errors": [{"line": line, "message": text} for line, text in plan.errors],
        "rows": ImportRowSerializer(plan.rows, many=True).data,
    }
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


class PeopleImportApi(APIView):
    permission_classes = [IsOrgAdmin]
    # JSON too, so a client that sends it hears what to send instead (a 400, not a 415).
    parser_classes = [CsvTextParser, MultiPartParser, DepthLimitedJSONParser]

    @extend_schema(
        operation_id="people_import",
        parameters=[
            OpenApiParameter(
                "dry_run",
                OpenApiTypes.BOOL,
                description="1 or true: preview every row's outcome, change nothing.",
            )
        ],
        request={
            "text/csv": OpenApiTypes.STR,
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            },
        },
        responses={200: ImportResultSerializer, 400: ImportRefusalSerializer, 403: ErrorSerializer},
        description=f"Admins only. A CSV of people with the header `{HEADER}` (`manager` a "
        "username, empty for nobody; an empty `timezone` keeps a person's own). Each row comes "
        "back as `create`, `update` (with its `changes`), `unchanged` or `error`. Applied whole "
        "in one transaction or not at all: a file with any error is a 400 listing them by line. "
        "New people get an invitation to set their password; reporting-line changes move the "
        "rep's coaching as the person page does. Importing the same file again changes nothing.",
    )
    def post(self, request: Request) -> Response:
        text = csv_from_request(request)
        dry_run = request.query_params.get("dry_run", "").lower() in ("1", "true", "yes")
        if dry_run:
            plan = people_import_preview(text=text)
            if not plan.ok:
                return _refusal(ImportRefused(plan).message, plan)
            return Response(_answer(plan, dry_run=True))
        try:
            plan = people_import_apply(text=text, actor=request.user)
        except ImportRefused as refused:
            return _refusal(refused.message, refused.plan)
        return Response(_answer(plan, dry_run=False))
