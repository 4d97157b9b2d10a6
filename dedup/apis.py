"""Thin REST views of the review queue over dedup.selectors and dedup.services."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.pii import for_user
from areas.access import area_for_user
from audit.services import record, scope_area
from dedup import selectors, services
from dedup.serializers import (
    DecideInput,
    DecisionOutput,
    PairDetailOutput,
    PairListFilter,
    PairSummaryOutput,
    RoundParam,
    UndoInput,
)
from server.errors import NotFound
from server.pagination import Pagination
from server.serializers import ErrorOutput
from surveys.selectors import round_current

ERRORS = {400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput, 409: ErrorOutput}


def _round(request) -> int:
    params = RoundParam(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data.get("round") or round_current()


class PairListApi(APIView):
    """The review queue: pairs in the caller's supervision scope, best score first."""

    @extend_schema(
        parameters=[PairListFilter], responses={200: PairSummaryOutput(many=True), **ERRORS}
    )
    def get(self, request):
        params = PairListFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        area_path = ""
        if params.validated_data.get("area"):
            area = area_for_user(user=request.user, code=params.validated_data["area"])
            if area is None:
                raise NotFound()
            area_path = area.path
        pairs = selectors.pair_list(
            user=request.user, status=params.validated_data["status"], area_path=area_path
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(pairs, request, view=self)
        rows = [selectors.pair_summary(p) for p in page]
        record(user=request.user, action="duplicate_list.read", area=scope_area(user=request.user),
               target="api:dedup/pairs", count=2 * len(rows), request=request)  # fmt: skip
        return paginator.get_paginated_response(rows)


class PairDetailApi(APIView):
    """Both records side by side, what differs, the score with its reasons, the decisions."""

    @extend_schema(parameters=[RoundParam], responses={200: PairDetailOutput, **ERRORS})
    def get(self, request, pair_id: int):
        pair = selectors.pair_get(user=request.user, pair_id=pair_id)
        detail = selectors.pair_side_by_side(pair=pair, round_year=_round(request))
        record(user=request.user, action="duplicate.read", area=pair.left.commune, target=f"pair:{pair.pk}", count=2,
               request=request)  # fmt: skip
        return Response(for_user(detail, user=request.user))


class PairDecideApi(APIView):
    """Decide a pair: ``same`` (merge, with the surviving value chosen per field), ``different``
    (remembered) or ``moved`` (link the moved-out record to the one where the person lives)."""

    @extend_schema(
        parameters=[RoundParam], request=DecideInput, responses={200: DecisionOutput, **ERRORS}
    )
    def post(self, request, pair_id: int):
        pair = selectors.pair_get(user=request.user, pair_id=pair_id)
        data = DecideInput(data=request.data)
        data.is_valid(raise_exception=True)
        decision = services.pair_decide(
            pair=pair, user=request.user, round_year=_round(request), **data.validated_data
        )
        return Response(selectors.decision_output(decision))


class PairUndoApi(APIView):
    """Undo the pair's decision (a merge restores both records); the pair goes back to the queue."""

    @extend_schema(
        parameters=[RoundParam], request=UndoInput, responses={200: DecisionOutput, **ERRORS}
    )
    def post(self, request, pair_id: int):
        pair = selectors.pair_get(user=request.user, pair_id=pair_id)
        data = UndoInput(data=request.data)
        data.is_valid(raise_exception=True)
        decision = services.pair_undo(
            pair=pair, user=request.user, round_year=_round(request), **data.validated_data
        )
        return Response(selectors.decision_output(decision))
