"""The register's REST API: search, corrections, bulk corrections (docs/register.md)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from areas.access import user_can_manage
from register import corrections
from register.models import BulkCorrection, Correction
from register.search import clean_filters, households_search, may_see_national_id, people_search
from register.selectors import CappedPagination, audit, household_row, person_row
from register.serializers import (
    RegisterBulkInput,
    RegisterBulkOutput,
    RegisterBulkPreviewOutput,
    RegisterCorrectionInput,
    RegisterCorrectionOutput,
    RegisterHouseholdsPage,
    RegisterPeoplePage,
    RegisterSearchParams,
    RegisterUndoInput,
)
from server.errors import NotFound
from server.serializers import ErrorOutput
from surveys.selectors import round_current

ERRORS = {400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput}


def correction_dict(correction: Correction) -> dict:
    return {
        "id": correction.pk,
        "user": correction.user.username if correction.user else None,
        "at": correction.at,
        "entity": correction.entity,
        "entity_id": correction.entity_id,
        "household_id": correction.household_id,
        "round_year": correction.round_year,
        "base_version": correction.base_version,
        "base": correction.base,
        "changes": correction.changes,
        "applied": correction.applied,
        "reason": correction.reason,
        "status": correction.status,
        "conflict_id": correction.conflict_id,
        "version_after": correction.version_after,
        "op_id": correction.op_id,
        "source": correction.source,
        "undo_of_id": correction.undo_of_id,
        "bulk_id": correction.bulk_id,
    }


def bulk_dict(bulk: BulkCorrection) -> dict:
    return {
        "id": bulk.pk,
        "user": bulk.user.username if bulk.user else None,
        "at": bulk.at,
        "round_year": bulk.round_year,
        "selection": bulk.selection,
        "change": bulk.change,
        "reason": bulk.reason,
        "total": bulk.total,
        "applied": bulk.applied,
        "conflicts": bulk.conflicts,
        "skipped": bulk.skipped,
        "report": bulk.report,
        "source": bulk.source,
        "undo_of_id": bulk.undo_of_id,
    }


def preview_dict(preview: dict) -> dict:
    rows = [
        {
            "resident": r["resident"].pk,
            "full_name": r["resident"].full_name,
            "household_number": r["resident"].household.number,
            "state": r["state"],
            "changes": r["changes"],
            "errors": r["errors"],
        }
        for r in preview["rows"]
    ]
    return {
        **{k: preview[k] for k in ("total", "ok", "invalid", "unchanged", "needs_reason")},
        "rows": rows,
    }


class PeopleSearchApi(APIView):
    @extend_schema(
        parameters=[RegisterSearchParams],
        responses={200: RegisterPeoplePage, **ERRORS},
        description="People in your areas, in the Vietnamese order (given name, then family name).",
    )
    def get(self, request):
        filters = clean_filters(request.query_params, user=request.user)
        paginator = CappedPagination()
        page = paginator.paginate_queryset(
            people_search(user=request.user, filters=filters), request, view=self
        )
        allowed = may_see_national_id(user=request.user)
        audit(
            user=request.user,
            action="search",
            target="people",
            count=len(page),
            details={
                "filters": {k: ("***" if k == "national_id" else v) for k, v in filters.items()}
            },
            request=request,
        )
        return paginator.get_paginated_response([person_row(p, may_see_id=allowed) for p in page])


class HouseholdsSearchApi(APIView):
    @extend_schema(
        parameters=[RegisterSearchParams],
        responses={200: RegisterHouseholdsPage, **ERRORS},
        description="Households in your areas; person filters match any live member.",
    )
    def get(self, request):
        filters = clean_filters(request.query_params, user=request.user)
        paginator = CappedPagination()
        page = paginator.paginate_queryset(
            households_search(user=request.user, filters=filters), request, view=self
        )
        audit(
            user=request.user,
            action="search",
            target="households",
            count=len(page),
            details={
                "filters": {k: ("***" if k == "national_id" else v) for k, v in filters.items()}
            },
            request=request,
        )
        return paginator.get_paginated_response([household_row(h) for h in page])


class CorrectionCreateApi(APIView):
    @extend_schema(
        request=RegisterCorrectionInput,
        responses={201: RegisterCorrectionOutput, **ERRORS},
        description="Correct one household or person as a sync operation; a stale one becomes a conflict.",
    )
    def post(self, request):
        data = RegisterCorrectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        correction = corrections.correction_apply(
            user=request.user,
            entity=values["entity"],
            entity_id=values["entity_id"],
            base_version=values["base_version"],
            base=values["base"],
            changes=values["changes"],
            round_year=values.get("round") or round_current(),
            reason=values.get("reason", ""),
        )
        return Response(
            RegisterCorrectionOutput(correction_dict(correction)).data,
            status=status.HTTP_201_CREATED,
        )


def _correction_for(request, correction_id) -> Correction:
    correction = (
        Correction.objects.select_related("commune", "user").filter(pk=correction_id).first()
    )
    if correction is None or not user_can_manage(user=request.user, area=correction.commune):
        raise NotFound()
    return correction


class CorrectionDetailApi(APIView):
    @extend_schema(responses={200: RegisterCorrectionOutput, **ERRORS})
    def get(self, request, correction_id: int):
        return Response(
            RegisterCorrectionOutput(correction_dict(_correction_for(request, correction_id))).data
        )


class CorrectionUndoApi(APIView):
    @extend_schema(
        request=RegisterUndoInput,
        responses={201: RegisterCorrectionOutput, **ERRORS},
        description="Apply the inverse of a correction as a new correction; refused when its fields changed since.",
    )
    def post(self, request, correction_id: int):
        data = RegisterUndoInput(data=request.data)
        data.is_valid(raise_exception=True)
        undo = corrections.correction_undo(
            user=request.user,
            correction=_correction_for(request, correction_id),
            reason=data.validated_data.get("reason", ""),
        )
        return Response(
            RegisterCorrectionOutput(correction_dict(undo)).data, status=status.HTTP_201_CREATED
        )


def _bulk_values(request) -> dict:
    data = RegisterBulkInput(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    return {
        "selection": values["selection"],
        "change": values["change"],
        "reason": values.get("reason", ""),
        "round_year": values.get("round") or round_current(),
    }


class BulkPreviewApi(APIView):
    @extend_schema(
        request=RegisterBulkInput,
        responses={200: RegisterBulkPreviewOutput, **ERRORS},
        description="What a bulk correction would do, per person (old → new, or why it fails). Writes nothing.",
    )
    def post(self, request):
        preview = corrections.bulk_preview(user=request.user, **_bulk_values(request))
        return Response(RegisterBulkPreviewOutput(preview_dict(preview)).data)


class BulkApplyApi(APIView):
    @extend_schema(
        request=RegisterBulkInput,
        responses={201: RegisterBulkOutput, **ERRORS},
        description=f"Apply a bulk correction (at most {corrections.BULK_MAX} people) as one audited operation.",
    )
    def post(self, request):
        bulk = corrections.bulk_apply(user=request.user, **_bulk_values(request))
        audit(
            user=request.user,
            action="bulk_correction.apply",
            target=bulk.source,
            count=bulk.applied,
            details={
                "change": bulk.change,
                "total": bulk.total,
                "conflicts": bulk.conflicts,
                "skipped": bulk.skipped,
            },
            request=request,
        )
        return Response(RegisterBulkOutput(bulk_dict(bulk)).data, status=status.HTTP_201_CREATED)


def _bulk_for(request, bulk_id) -> BulkCorrection:
    bulk = BulkCorrection.objects.select_related("user").filter(pk=bulk_id).first()
    if bulk is None:
        raise NotFound()
    communes = {c.commune for c in bulk.corrections.select_related("commune")}
    if not communes or not all(user_can_manage(user=request.user, area=c) for c in communes):
        raise NotFound()
    return bulk


class BulkDetailApi(APIView):
    @extend_schema(responses={200: RegisterBulkOutput, **ERRORS})
    def get(self, request, bulk_id: int):
        return Response(RegisterBulkOutput(bulk_dict(_bulk_for(request, bulk_id))).data)


class BulkUndoApi(APIView):
    @extend_schema(
        request=RegisterUndoInput,
        responses={201: RegisterBulkOutput, **ERRORS},
        description="Put back the old values where nothing changed since; the others are reported as skipped.",
    )
    def post(self, request, bulk_id: int):
        data = RegisterUndoInput(data=request.data)
        data.is_valid(raise_exception=True)
        undo = corrections.bulk_undo(
            user=request.user,
            bulk=_bulk_for(request, bulk_id),
            reason=data.validated_data.get("reason", ""),
        )
        audit(
            user=request.user,
            action="bulk_correction.undo",
            target=undo.source,
            count=undo.applied,
            details={
                "undo_of": undo.undo_of_id,
                "skipped": undo.skipped,
                "conflicts": undo.conflicts,
            },
            request=request,
        )
        return Response(RegisterBulkOutput(bulk_dict(undo)).data, status=status.HTTP_201_CREATED)
