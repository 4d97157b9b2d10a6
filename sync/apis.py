"""Thin REST views of the sync protocol."""

import json
import uuid

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.pii import for_user
from audit.services import record, scope_area
from server.errors import DomainError, NotFound, ValidationFailed
from server.pagination import Pagination
from server.serializers import ErrorOutput
from surveys.selectors import round_current
from sync import selectors, services
from sync.conflicts import conflict_resolve
from sync.limits import SyncThrottle
from sync.ops import MAX_BYTES, MAX_OPS
from sync.serializers import (
    ConflictFilter,
    ConflictOutput,
    PullOutput,
    PullParams,
    PushInput,
    PushOutput,
    ResolveInput,
)

ERRORS = {400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput}


class PayloadTooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


def _read_push(request) -> dict:
    length = request.META.get("CONTENT_LENGTH")
    too_big = _(
        "At most %(ops)d operations and 2 MB per request: send the rest in another batch."
    ) % {"ops": MAX_OPS}
    if length and length.isdigit() and int(length) > MAX_BYTES:
        raise PayloadTooLarge(too_big)
    try:
        body = request.body
    except RequestDataTooBig:
        raise PayloadTooLarge(too_big) from None
    if len(body) > MAX_BYTES:
        raise PayloadTooLarge(too_big)
    try:
        payload = json.loads(body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationFailed(errors={"non_field_errors": [_("The body must be JSON.")]}) from None
    if not isinstance(payload, dict):
        raise ValidationFailed(errors={"non_field_errors": [_("The body must be a JSON object.")]})
    errors = {}
    try:
        payload["device"] = uuid.UUID(str(payload.get("device")))
    except ValueError:
        errors["device"] = [_("Must be a UUID.")]
    round_year = payload.get("round")
    if round_year is not None and (
        isinstance(round_year, bool)
        or not isinstance(round_year, int)
        or not 1900 <= round_year <= 2200
    ):
        errors["round"] = [_("Must be a school year such as 2025.")]
    if not isinstance(payload.get("ops"), list):
        errors["ops"] = [_("Must be a list.")]
    if errors:
        raise ValidationFailed(errors=errors)
    if len(payload["ops"]) > MAX_OPS:
        raise PayloadTooLarge(too_big)
    return payload


class PushApi(APIView):
    throttle_classes = [SyncThrottle]
    throttle_scope = "sync"

    @extend_schema(
        request=PushInput,
        responses={200: PushOutput, 413: ErrorOutput, 429: ErrorOutput, 503: ErrorOutput, **ERRORS},
        description="Apply a batch of operations; each gets its own result (see docs/sync.md).",
    )
    def post(self, request):
        payload = _read_push(request)
        reply = services.push(
            user=request.user,
            device_id=payload["device"],
            round_year=payload.get("round") or round_current(),
            raw_ops=payload["ops"],
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response(reply)


class PullApi(APIView):
    throttle_classes = [SyncThrottle]
    throttle_scope = "sync"

    @extend_schema(parameters=[PullParams], responses={200: PullOutput, 429: ErrorOutput, **ERRORS})
    def get(self, request):
        params = PullParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        device = None
        if params.validated_data.get("device"):
            device = services.device_for(
                device_id=params.validated_data["device"],
                user=request.user,
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        reply = selectors.pull(
            user=request.user,
            device=device,
            cursor=params.validated_data["cursor"],
            limit=params.validated_data["limit"],
            round_year=params.validated_data.get("round") or round_current(),
        )
        people = sum(
            1
            for change in reply["changes"]
            if change.get("entity") == "resident" and not change.get("deleted")
        )
        if people:
            record(user=request.user, action="sync.pull", area=scope_area(user=request.user), target="api:sync/pull",
                   count=people, details={"cursor": reply["cursor"]}, request=request)  # fmt: skip
        # Phones of surveyors and commune officers get full IDs; other roles get them masked (docs/security.md).
        return Response(for_user(reply, user=request.user))


class ConflictListApi(APIView):
    @extend_schema(parameters=[ConflictFilter], responses=ConflictOutput(many=True))
    def get(self, request):
        params = ConflictFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        conflicts = selectors.conflicts_visible(user=request.user).select_related(
            "village", "user", "resolved_by"
        )
        if params.validated_data.get("status"):
            conflicts = conflicts.filter(status=params.validated_data["status"])
        paginator = Pagination()
        page = paginator.paginate_queryset(conflicts.order_by("-created_at"), request, view=self)
        return paginator.get_paginated_response(
            for_user(ConflictOutput(page, many=True).data, user=request.user)
        )


def _conflict_for(request, conflict_id):
    conflict = (
        selectors.conflicts_visible(user=request.user)
        .select_related("village", "user", "resolved_by")
        .filter(pk=conflict_id)
        .first()
    )
    if conflict is None:
        raise NotFound()
    return conflict


class ConflictDetailApi(APIView):
    @extend_schema(responses={200: ConflictOutput, **ERRORS})
    def get(self, request, conflict_id):
        return Response(
            for_user(ConflictOutput(_conflict_for(request, conflict_id)).data, user=request.user)
        )


class ConflictResolveApi(APIView):
    @extend_schema(
        request=ResolveInput,
        responses={200: ConflictOutput, **ERRORS, 409: OpenApiResponse(ErrorOutput)},
    )
    def post(self, request, conflict_id):
        conflict = _conflict_for(request, conflict_id)
        resolved = conflict_resolve(conflict=conflict, body=request.data, user=request.user)
        return Response(
            for_user(ConflictOutput(_conflict_for(request, resolved.pk)).data, user=request.user)
        )
