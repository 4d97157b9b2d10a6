"""Imports over REST (docs/imports.md): the template, a dry run, the import, the errors workbook.

- ``GET  /api/reports/imports/template`` — our template (.xlsx).
- ``POST /api/reports/imports/dry-run`` — multipart ``file``, ``commune``, ``round``: reads and
  checks every row, writes nothing; returns the summary with an ``upload`` token.
- ``POST /api/reports/imports/`` — multipart ``file`` *or* ``upload`` (a dry run's token),
  ``commune``, ``round``, ``reason`` (needed when the commune is signed off): imports.
- ``GET  /api/reports/imports/<upload>/errors`` — the errors workbook of the last run.

Commune officers (their commune), district supervisors and city staff (their scope); a
commune out of scope is 404.
"""

import io

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from imports import uploads
from imports.survey import ImportRefused, write_template
from server.errors import NotFound, ValidationFailed
from server.serializers import ErrorOutput

ERRORS = {400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportInput(serializers.Serializer):
    file = serializers.FileField(
        required=False, help_text="The workbook (MauNhapLieu or our template)."
    )
    upload = serializers.RegexField(
        r"^[0-9a-f]{32}$", required=False, help_text="A dry run's upload token."
    )
    commune = serializers.CharField(max_length=32)
    round = serializers.IntegerField(min_value=2000, max_value=2100)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RowErrorOutput(serializers.Serializer):
    row = serializers.IntegerField(help_text="Row number in the sheet (0: the whole file).")
    column = serializers.CharField(help_text="Column letter (MOET) or key (our template).")
    message = serializers.CharField()


class ImportOutput(serializers.Serializer):
    format = serializers.ChoiceField(choices=[("moet", "moet"), ("own", "own")])
    dry_run = serializers.BooleanField()
    rows_read = serializers.IntegerField()
    households_created = serializers.IntegerField()
    households_updated = serializers.IntegerField()
    households_unchanged = serializers.IntegerField()
    people_created = serializers.IntegerField()
    people_updated = serializers.IntegerField()
    rows_rejected = serializers.IntegerField()
    repeating = serializers.IntegerField(
        help_text="Rows marked repeating a grade (“!” in column S)."
    )
    reason_required = serializers.BooleanField()
    errors = RowErrorOutput(many=True)
    upload = serializers.CharField()
    filename = serializers.CharField()
    commune = serializers.CharField()
    round = serializers.IntegerField()
    errors_file = serializers.BooleanField()


def _run(request, *, dry_run: bool) -> dict:
    data = ImportInput(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    commune = uploads.commune_for_import(user=request.user, code=values["commune"])
    round_year = uploads.round_checked(values["round"])
    if values.get("file") is not None:
        token = uploads.upload_save(
            user=request.user, uploaded=values["file"], commune=commune, round_year=round_year
        )
    elif values.get("upload"):
        token = values["upload"]
    else:
        raise ValidationFailed(errors={"file": [str(_required())]})
    try:
        return uploads.run(user=request.user, token=token, commune=commune, round_year=round_year,
                           dry_run=dry_run, reason=values.get("reason", ""), request=request)  # fmt: skip
    except ImportRefused as exc:
        raise ValidationFailed(exc.message, errors=exc.errors or {"file": [exc.message]}) from exc


def _required():
    from django.utils.translation import gettext as _

    return _("Send a file, or the upload token of a dry run.")


class ImportTemplateApi(APIView):
    """Our import template: one row per person, Vietnamese headers, an instructions sheet."""

    @extend_schema(responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY), **ERRORS})
    def get(self, request):
        buffer = io.BytesIO()
        write_template(buffer)
        buffer.seek(0)
        return FileResponse(buffer, as_attachment=True, filename="mau-nhap-lieu-pcgd.xlsx")


class ImportDryRunApi(APIView):
    """Read and check every row of the file, write nothing; keep the file for the import."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportInput}, responses={200: ImportOutput, **ERRORS}
    )
    def post(self, request):
        return Response(_run(request, dry_run=True))


class ImportRunApi(APIView):
    """Import the file (or a dry run's upload) through the write path."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportInput}, responses={200: ImportOutput, **ERRORS}
    )
    def post(self, request):
        return Response(_run(request, dry_run=False))


class ImportErrorsApi(APIView):
    """The rows that could not be imported, with their original values and the reasons (.xlsx)."""

    @extend_schema(responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY), **ERRORS})
    def get(self, request, upload: str):
        uploads.upload_get(user=request.user, token=upload)
        path = uploads.errors_path(upload)
        if not path.exists():
            raise NotFound()
        return FileResponse(
            path.open("rb"), as_attachment=True, filename=f"loi-nhap-lieu-{upload[:8]}.xlsx"
        )
