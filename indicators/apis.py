"""Thin REST views over indicators.selectors and indicators.services."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from areas.access import user_can_manage
from areas.models import AreaKind
from indicators import selectors, services
from indicators.models import RuleSet
from indicators.rulebook import rules_active, rules_named
from indicators.rules import INDICATOR_KEYS
from indicators.serializers import (
    FiguresOutput,
    FiguresParams,
    PageParams,
    PersonPage,
    RuleSetOutput,
    SnapshotDetailOutput,
    SnapshotInput,
    SnapshotOutput,
    SnapshotPage,
)
from indicators.texts import explained
from server.errors import NotFound
from server.pagination import Pagination
from server.serializers import ErrorOutput
from surveys.selectors import round_current

ERRORS = {400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput}
KEY_PARAM = OpenApiParameter(
    "key",
    str,
    OpenApiParameter.PATH,
    enum=list(INDICATOR_KEYS),
    description="indicator key (DOMAIN.md §6)",
)


def _params(serializer_class, data) -> dict:
    params = serializer_class(data=data)
    params.is_valid(raise_exception=True)
    return params.validated_data


def _round_and_rules(data: dict) -> tuple[int, object]:
    round_year = selectors.round_or_404(data.get("round") or round_current())
    return round_year, rules_named(data.get("rules"))


class FiguresApi(APIView):
    """An area's cohorts, indicators and standards for a round (pre-aggregated; `stale` while a refresh is due)."""

    @extend_schema(parameters=[FiguresParams], responses={200: FiguresOutput, **ERRORS})
    def get(self, request, code):
        params = _params(FiguresParams, request.query_params)
        area = selectors.area_visible_or_404(user=request.user, code=code)
        round_year, rules = _round_and_rules(params)
        return Response(selectors.figures_get(area=area, round_year=round_year, rules=rules))


class DrilldownApi(APIView):
    """The people in an indicator's denominator but not in its numerator (the list to mobilise), by given name."""

    @extend_schema(
        operation_id="indicators_drilldown_list",
        parameters=[PageParams, KEY_PARAM],
        responses={200: PersonPage, **ERRORS},
    )
    def get(self, request, code, key):
        params = _params(PageParams, request.query_params)
        kinds = (*selectors.FIGURE_KINDS, AreaKind.VILLAGE)
        area = selectors.area_visible_or_404(user=request.user, code=code, kinds=kinds)
        if key not in INDICATOR_KEYS:
            raise NotFound()
        round_year, rules = _round_and_rules(params)
        ids = selectors.drilldown_ids(area=area, round_year=round_year, rules=rules, key=key)
        paginator = Pagination()
        page = paginator.paginate_queryset(ids, request, view=self)
        rows = selectors.people_rows(ids=page, round_year=round_year)
        from audit.services import record

        record(user=request.user, action="indicator_list.read", area=area, target=f"indicator:{key}", count=len(rows),
               details={"round": round_year, "total": len(ids)}, request=request)  # fmt: skip
        return paginator.get_paginated_response(rows)


class SnapshotListCreateApi(APIView):
    """Frozen figures of an area: list them (any reader), freeze one (supervising roles)."""

    @extend_schema(
        operation_id="indicators_snapshots_list",
        parameters=[FiguresParams],
        responses={200: SnapshotPage, **ERRORS},
    )
    def get(self, request, code):
        params = _params(FiguresParams, request.query_params)
        area = selectors.area_visible_or_404(user=request.user, code=code)
        snapshots = selectors.snapshots_of(area=area, round_year=params.get("round"))
        paginator = Pagination()
        page = paginator.paginate_queryset(snapshots, request, view=self)
        return paginator.get_paginated_response(SnapshotOutput(page, many=True).data)

    @extend_schema(request=SnapshotInput, responses={201: SnapshotDetailOutput, **ERRORS})
    def post(self, request, code):
        data = _params(SnapshotInput, request.data)
        area = selectors.area_visible_or_404(user=request.user, code=code)
        if not user_can_manage(user=request.user, area=area):
            raise NotFound()
        round_year, rules = _round_and_rules(data)
        snapshot = services.snapshot_create(
            user=request.user,
            area=area,
            round_year=round_year,
            rules=rules,
            note=data.get("note", ""),
        )
        return Response(_detail(snapshot), status=status.HTTP_201_CREATED)


def _detail(snapshot) -> dict:
    current = selectors.stored_figures(
        area=snapshot.area, round_year=snapshot.round_id, rules=rules_named(snapshot.rules.name)
    )
    return {
        **SnapshotOutput(snapshot).data,
        "figures": explained(snapshot.figures),
        "changes": selectors.snapshot_changes(snapshot=snapshot, current=current.figures),
    }


class SnapshotDetailApi(APIView):
    @extend_schema(responses={200: SnapshotDetailOutput, **ERRORS})
    def get(self, request, code, snapshot_id):
        area = selectors.area_visible_or_404(user=request.user, code=code)
        return Response(_detail(selectors.snapshot_get(area=area, snapshot_id=snapshot_id)))


class RuleSetListApi(APIView):
    """The rule sets in force (latest version of each), with their thresholds and unconfirmed items."""

    pagination_class = None

    @extend_schema(responses={200: RuleSetOutput(many=True)})
    def get(self, request):
        rows = RuleSet.objects.filter(pk__in=[r.pk for r in rules_active()]).order_by("name")
        return Response(RuleSetOutput(rows, many=True).data)
