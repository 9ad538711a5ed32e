"""``POST /api/v1/people/import/``: the people CSV import for admins, as the page does it.

The CSV comes as the body (``Content-Type: text/csv``) or as the ``file`` of a multipart
upload; ``?dry_run=1`` previews. The answer lists every row's outcome; a file with errors is a
400 listing them, and nothing is imported.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
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
from accounts.importing import HEADER, people_import_apply, people_import_preview
from accounts.permissions import IsOrgAdmin
from config.api import ErrorSerializer
from config.parsers import DepthLimitedJSONParser


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    username = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["create", "update", "unchanged", "error"])
    changes = serializers.ListField(child=serializers.CharField())
    errors = serializers.ListField(child=serializers.CharField())


ImportResultSerializer, ImportRefusalSerializer = import_serializers(
    ImportRowSerializer, name="Import"
)


class PeopleImportApi(APIView):
    permission_classes = [IsOrgAdmin]
    # JSON too, so a client that sends it hears what to send instead (a 400, not a 415).
    parser_classes = [CsvTextParser, MultiPartParser, DepthLimitedJSONParser]

    @extend_schema(
        operation_id="people_import",
        parameters=[DRY_RUN],
        request=CSV_REQUEST,
        responses={200: ImportResultSerializer, 400: ImportRefusalSerializer, 403: ErrorSerializer},
        description=f"Admins only. A CSV of people with the header `{HEADER}` (`manager` a "
        "username, empty for nobody; an empty `timezone` keeps a person's own). Each row comes "
        "back as `create`, `update` (with its `changes`), `unchanged` or `error`. Applied whole "
        "in one transaction or not at all: a file with any error is a 400 listing them by line. "
        "New people get an invitation to set their password; reporting-line changes move the "
        "rep's coaching as the person page does. Importing the same file again changes nothing.",
    )
    def post(self, request: Request) -> Response:
        return import_response(
            request,
            source={"text": csv_from_request(request)},
            preview=people_import_preview,
            apply=people_import_apply,
            rows=ImportRowSerializer,
        )
