"""``POST /api/v1/outcomes/``: sales outcomes for admins, as the import page does it.

The rows come as a JSON list of objects (``rep``, ``period_start``, ``period_end``, ``metric``,
``value``), as a CSV body (``Content-Type: text/csv``) or as the ``file`` of a multipart upload;
``?dry_run=1`` previews. The answer lists every row's outcome; rows with errors are a 400
listing them, and nothing is imported (docs/outcomes.md).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.imports import (
    CSV_REQUEST,
    DRY_RUN,
    CsvTextParser,
    csv_from_request,
    import_response,
    import_serializers,
)
from accounts.permissions import IsOrgAdmin
from coaching.outcomes.importing import HEADER, outcomes_import_apply, outcomes_import_preview
from config.api import ErrorSerializer
from config.parsers import DepthLimitedJSONParser


class OutcomeRowResultSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The CSV line, or the item's number in the list.")
    rep = serializers.CharField()
    metric = serializers.CharField()
    period_start = serializers.DateField(source="start", allow_null=True)
    period_end = serializers.DateField(source="end", allow_null=True)
    value = serializers.DecimalField(
        source="number", max_digits=16, decimal_places=4, allow_null=True
    )
    outcome = serializers.ChoiceField(choices=["create", "update", "unchanged", "error"])
    previous = serializers.DecimalField(
        max_digits=16,
        decimal_places=4,
        allow_null=True,
        help_text="For an update: the value imported before, which this one replaces.",
    )
    message = serializers.CharField()
    errors = serializers.ListField(child=serializers.CharField())


OutcomesResultSerializer, OutcomesRefusalSerializer = import_serializers(
    OutcomeRowResultSerializer, name="Outcomes"
)


class OutcomesImportApi(APIView):
    permission_classes = [IsOrgAdmin]
    parser_classes = [DepthLimitedJSONParser, CsvTextParser, MultiPartParser]

    @extend_schema(
        operation_id="outcomes_import",
        parameters=[DRY_RUN],
        request={
            "application/json": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "rep": {"type": "string", "description": "A rep's username."},
                        "period_start": {"type": "string", "format": "date"},
                        "period_end": {"type": "string", "format": "date"},
                        "metric": {"type": "string", "example": "win_rate"},
                        "value": {"type": "number"},
                    },
                    "required": ["rep", "period_start", "period_end", "metric", "value"],
                },
            },
            **CSV_REQUEST,
        },
        responses={
            200: OutcomesResultSerializer,
            400: OutcomesRefusalSerializer,
            403: ErrorSerializer,
        },
        description="Admins only. Sales outcomes per rep and period: a JSON list of rows, or a "
        f"CSV with the header `{HEADER}` (`rep` a rep's username, dates ISO, the end the "
        "period's last day, `metric` a short name such as `win_rate`, `value` a number). Each "
        "row comes back as `create`, `update` (a new value replacing `previous`), `unchanged` "
        "or `error`. One figure per rep, metric and period: sending the same rows again "
        "changes nothing. Applied whole in one transaction or not at all: any error is a 400 "
        "listing them by line (or item number).",
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.data, list):
            source = {"records": request.data}
        elif isinstance(request.data, dict) and "file" not in request.data:
            return Response(
                {
                    "message": "Send a JSON list of rows (rep, period_start, period_end, "
                    "metric, value), a CSV body with Content-Type text/csv, or a multipart "
                    "upload's file."
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        else:
            source = {"text": csv_from_request(request)}
        return import_response(
            request,
            source=source,
            preview=outcomes_import_preview,
            apply=outcomes_import_apply,
            rows=OutcomeRowResultSerializer,
        )
