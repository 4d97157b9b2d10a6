"""GET /api/audit/events/: the audit log of the caller's city (city staff only)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from audit import selectors
from server.pagination import Pagination
from server.serializers import ErrorOutput


class AuditEventFilter(serializers.Serializer):
    user = serializers.CharField(
        required=False, allow_blank=True, max_length=150, help_text="username"
    )
    action = serializers.CharField(required=False, allow_blank=True, max_length=64)
    area = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text="area code (its subtree)"
    )
    date_from = serializers.CharField(
        required=False, allow_blank=True, max_length=10, help_text="dd/mm/yyyy or yyyy-mm-dd"
    )
    date_to = serializers.CharField(
        required=False, allow_blank=True, max_length=10, help_text="dd/mm/yyyy or yyyy-mm-dd"
    )
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=500)


class AuditEventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    user = serializers.CharField()
    action = serializers.CharField()
    area = serializers.CharField()
    area_name = serializers.CharField()
    target = serializers.CharField()
    count = serializers.IntegerField(allow_null=True)
    details = serializers.DictField()
    ip = serializers.CharField()


class AuditEventListApi(APIView):
    """Reads and exports of personal data in the caller's city, newest first (city staff only)."""

    @extend_schema(
        parameters=[AuditEventFilter],
        responses={200: AuditEventOutput(many=True), 400: ErrorOutput, 403: ErrorOutput},
    )
    def get(self, request):
        params = AuditEventFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        events = selectors.event_list(
            user=request.user, username=data.get("user", ""), action=data.get("action", ""),
            area=data.get("area", ""), date_from=data.get("date_from", ""), date_to=data.get("date_to", ""),
        )  # fmt: skip
        paginator = Pagination()
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response([selectors.event_output(e) for e in page])
