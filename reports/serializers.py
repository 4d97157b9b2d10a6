from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from reports.models import JobKind


class ExportInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=JobKind.choices)
    area = serializers.CharField(
        max_length=32, help_text=_("Area code (commune, district or city).")
    )
    round = serializers.IntegerField(min_value=2000, max_value=2100)
    form = serializers.CharField(max_length=16, required=False, allow_blank=True)
    list = serializers.CharField(max_length=64, required=False, allow_blank=True)
    format = serializers.ChoiceField(
        choices=[("xlsx", "xlsx"), ("csv", "csv")], required=False, default="xlsx"
    )


class ExportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    area = serializers.CharField()
    area_name = serializers.CharField()
    round = serializers.IntegerField()
    params = serializers.DictField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    progress = serializers.IntegerField()
    filename = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.CharField(allow_null=True)
