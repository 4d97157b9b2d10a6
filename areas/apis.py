"""Thin REST views over the area tree."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from areas.access import areas_visible
from areas.models import AreaKind
from server.pagination import Pagination


class AreaOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)
    difficult = serializers.BooleanField()


class AreaFilter(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AreaKind.choices, required=False)
    parent = serializers.CharField(required=False, max_length=32)


class AreaListApi(APIView):
    """The areas the user may see (their subtrees), in tree order."""

    @extend_schema(parameters=[AreaFilter], responses=AreaOutput(many=True))
    def get(self, request):
        params = AreaFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        areas = areas_visible(user=request.user).select_related("parent").order_by("path")
        if "kind" in params.validated_data:
            areas = areas.filter(kind=params.validated_data["kind"])
        if "parent" in params.validated_data:
            areas = areas.filter(parent__code=params.validated_data["parent"]).exclude(
                parent__kind=AreaKind.VILLAGE
            )
        paginator = Pagination()
        page = paginator.paginate_queryset(areas, request, view=self)
        return paginator.get_paginated_response(AreaOutput(page, many=True).data)
