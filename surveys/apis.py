"""Thin REST views over surveys.services and surveys.selectors."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from server.pagination import Pagination
from surveys import selectors, services
from surveys.serializers import ErrorOutput, HouseholdListFilter, HouseholdWire, RoundParam
from surveys.wire import household_to_wire

ROUND_PARAM = OpenApiParameter("round", int, description="survey round (school year start); default: the current round")
ERRORS = {400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput, 409: ErrorOutput}


def _round_of(request) -> int:
    params = RoundParam(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data.get("round") or selectors.round_current()


def _wire(household, round_year: int) -> dict:
    return household_to_wire(household, round_year=round_year, with_version=True)


class HouseholdListCreateApi(APIView):
    @extend_schema(parameters=[HouseholdListFilter], responses={200: HouseholdWire(many=True), **ERRORS})
    def get(self, request):
        params = HouseholdListFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        round_year = params.validated_data.get("round") or selectors.round_current()
        households = selectors.household_list(
            user=request.user,
            round_year=round_year,
            q=params.validated_data.get("q", ""),
            village=params.validated_data.get("village", ""),
            not_visited=params.validated_data["not_visited"],
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(households, request, view=self)
        return paginator.get_paginated_response([_wire(h, round_year) for h in page])

    @extend_schema(parameters=[ROUND_PARAM], request=HouseholdWire, responses={201: HouseholdWire, **ERRORS})
    def post(self, request):
        round_year = _round_of(request)
        result = services.household_upsert(
            data=request.data, round_year=round_year, user=request.user, source="api", must_create=True
        )
        household = selectors.household_get(user=request.user, household_id=result.household.pk)
        return Response(_wire(household, round_year), status=status.HTTP_201_CREATED)


class HouseholdDetailApi(APIView):
    @extend_schema(parameters=[ROUND_PARAM], responses={200: HouseholdWire, **ERRORS})
    def get(self, request, household_id):
        round_year = _round_of(request)
        household = selectors.household_get(user=request.user, household_id=household_id)
        return Response(_wire(household, round_year))

    @extend_schema(parameters=[ROUND_PARAM], request=HouseholdWire, responses={200: HouseholdWire, **ERRORS})
    def put(self, request, household_id):
        return self._save(request, household_id, partial=False)

    @extend_schema(parameters=[ROUND_PARAM], request=HouseholdWire, responses={200: HouseholdWire, **ERRORS})
    def patch(self, request, household_id):
        return self._save(request, household_id, partial=True)

    def _save(self, request, household_id, *, partial: bool):
        round_year = _round_of(request)
        services.household_upsert(
            data=request.data, round_year=round_year, user=request.user, source="api",
            household_id=household_id, partial=partial,
        )
        household = selectors.household_get(user=request.user, household_id=household_id)
        return Response(_wire(household, round_year))
