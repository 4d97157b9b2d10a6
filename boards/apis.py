"""Thin REST views of the boards: the snapshot (polling fallback) and the commune sign-off."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from areas.models import AreaKind
from boards import selectors
from server.errors import NotFound
from server.serializers import ErrorOutput
from surveys.selectors import round_current
from surveys.serializers import RoundParam
from surveys.signoff import reopen, sign_off

ROUND_PARAM = OpenApiParameter(
    "round", int, description="survey round (school year start); default: the current round"
)
ERRORS = {400: ErrorOutput, 401: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput}


def _round_of(request) -> int:
    params = RoundParam(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data.get("round") or round_current()


class BoardSnapshotOutput(serializers.Serializer):
    type = serializers.CharField(help_text='"snapshot"')
    at = serializers.DateTimeField()
    round = serializers.IntegerField()
    area = serializers.DictField()
    children = serializers.ListField(child=serializers.DictField())
    surveyors = serializers.ListField(child=serializers.DictField())
    phones_unsynced = serializers.ListField(child=serializers.DictField())
    unsynced_hours = serializers.IntegerField()
    queues = serializers.DictField()
    days = serializers.ListField(child=serializers.DictField())
    activity = serializers.ListField(child=serializers.DictField())
    signoff = serializers.DictField()
    websocket = serializers.CharField()


class SignoffInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ReopenInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, help_text="why the commune is reopened (required)"
    )


class BoardSignoffOutput(serializers.Serializer):
    commune = serializers.CharField()
    round = serializers.IntegerField()
    signoff = serializers.DictField()


class SnapshotApi(APIView):
    @extend_schema(
        parameters=[ROUND_PARAM],
        responses={200: BoardSnapshotOutput, **ERRORS},
        description="The board of an area (commune, district, city): the same snapshot the websocket sends.",
    )
    def get(self, request, code):
        area = selectors.board_area(user=request.user, code=code)
        return Response(
            selectors.snapshot(area=area, user=request.user, round_year=_round_of(request))
        )


def _commune(request, code):
    area = selectors.board_area(user=request.user, code=code)
    if area.kind != AreaKind.COMMUNE:
        raise NotFound()
    return area


def _state(request, commune, round_year) -> dict:
    signoff = selectors.signoff_state(area=commune, user=request.user, round_year=round_year)
    return {"commune": commune.code, "round": round_year, "signoff": signoff}


class SignoffApi(APIView):
    @extend_schema(
        parameters=[ROUND_PARAM],
        request=SignoffInput,
        responses={200: BoardSignoffOutput, **ERRORS},
        description="Sign off the commune's round (chốt số liệu): later edits need a reason.",
    )
    def post(self, request, code):
        commune = _commune(request, code)
        round_year = _round_of(request)
        body = request.data if isinstance(request.data, dict) else {}
        sign_off(
            user=request.user,
            commune=commune,
            round_year=round_year,
            note=str(body.get("note") or ""),
        )
        return Response(_state(request, commune, round_year))


class ReopenApi(APIView):
    @extend_schema(
        parameters=[ROUND_PARAM],
        request=ReopenInput,
        responses={200: BoardSignoffOutput, **ERRORS},
        description="Reopen a signed-off commune; needs a reason.",
    )
    def post(self, request, code):
        commune = _commune(request, code)
        round_year = _round_of(request)
        body = request.data if isinstance(request.data, dict) else {}
        reopen(
            user=request.user,
            commune=commune,
            round_year=round_year,
            reason=str(body.get("reason") or ""),
        )
        return Response(_state(request, commune, round_year))
