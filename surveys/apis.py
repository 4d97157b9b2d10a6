"""Thin REST views over surveys.services and surveys.selectors."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.pii import for_user, may_see_national_id, restore_masked_national_ids
from audit.services import record, scope_area
from server.pagination import Pagination
from server.serializers import ErrorOutput
from surveys import selectors, services
from surveys.serializers import HouseholdListFilter, HouseholdWire, RoundParam
from surveys.wire import household_to_wire

ROUND_PARAM = OpenApiParameter(
    "round", int, description="survey round (school year start); default: the current round"
)
ERRORS = {400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput, 409: ErrorOutput}


def _round_of(request) -> int:
    params = RoundParam(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data.get("round") or selectors.round_current()


def _body_and_reason(request) -> tuple:
    """The household body without ``reason`` (why, for a change after the commune's sign-off), and the reason."""
    data = request.data
    if isinstance(data, dict) and "reason" in data:
        data = {key: value for key, value in data.items() if key != "reason"}
        return data, str(request.data.get("reason") or "")
    return data, ""


def _wire(household, round_year: int, user) -> dict:
    """The household as ``user`` may see it (national IDs masked for roles without them: accounts.pii)."""
    return for_user(
        household_to_wire(household, round_year=round_year, with_version=True), user=user
    )


class HouseholdListCreateApi(APIView):
    @extend_schema(
        parameters=[HouseholdListFilter], responses={200: HouseholdWire(many=True), **ERRORS}
    )
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
        rows = [_wire(h, round_year, request.user) for h in page]
        record(
            user=request.user, action="person_list.read", area=scope_area(user=request.user), target="api:households",
            count=sum(len(h["members"]) for h in rows), details={"round": round_year, "households": len(rows)},
            request=request,
        )  # fmt: skip
        return paginator.get_paginated_response(rows)

    @extend_schema(
        parameters=[ROUND_PARAM], request=HouseholdWire, responses={201: HouseholdWire, **ERRORS}
    )
    def post(self, request):
        round_year = _round_of(request)
        data, reason = _body_and_reason(request)
        result = services.household_upsert(
            data=data,
            round_year=round_year,
            user=request.user,
            source="api",
            must_create=True,
            reason=reason,
        )
        household = selectors.household_get(user=request.user, household_id=result.household.pk)
        return Response(_wire(household, round_year, request.user), status=status.HTTP_201_CREATED)


class HouseholdDetailApi(APIView):
    @extend_schema(parameters=[ROUND_PARAM], responses={200: HouseholdWire, **ERRORS})
    def get(self, request, household_id):
        round_year = _round_of(request)
        household = selectors.household_get(user=request.user, household_id=household_id)
        wire = _wire(household, round_year, request.user)
        record(
            user=request.user, action="household.read", area=household.village, target=f"household:{household.pk}",
            count=len(wire["members"]), request=request,
        )  # fmt: skip
        return Response(wire)

    @extend_schema(
        parameters=[ROUND_PARAM], request=HouseholdWire, responses={200: HouseholdWire, **ERRORS}
    )
    def put(self, request, household_id):
        return self._save(request, household_id, partial=False)

    @extend_schema(
        parameters=[ROUND_PARAM], request=HouseholdWire, responses={200: HouseholdWire, **ERRORS}
    )
    def patch(self, request, household_id):
        return self._save(request, household_id, partial=True)

    def _save(self, request, household_id, *, partial: bool):
        round_year = _round_of(request)
        data, reason = _body_and_reason(request)
        if not may_see_national_id(
            user=request.user
        ):  # a masked ID sent back unchanged keeps the stored one
            current = selectors.household_get(user=request.user, household_id=household_id)
            data = dict(data) if isinstance(data, dict) else data
            if isinstance(data, dict) and isinstance(data.get("members"), list):
                data["members"] = [dict(m) if isinstance(m, dict) else m for m in data["members"]]
            restore_masked_national_ids(
                data,
                stored={
                    str(m.pk): m.national_id
                    for m in current.members.filter(deleted_at__isnull=True)
                },
            )
        services.household_upsert(
            data=data,
            round_year=round_year,
            user=request.user,
            source="api",
            household_id=household_id,
            partial=partial,
            reason=reason,
        )
        household = selectors.household_get(user=request.user, household_id=household_id)
        return Response(_wire(household, round_year, request.user))
