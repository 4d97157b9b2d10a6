"""Thin REST views of the field app: the rule spec, the roster size, form photos."""

import hashlib

from django.http import FileResponse, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from field import selectors, services, shell
from field.photos import MAX_UPLOAD_BYTES
from field.serializers import PhotoInput, PhotoOutput, RosterSizeOutput, RulesOutput, RulesParams
from server.errors import DomainError
from server.serializers import ErrorOutput
from surveys.selectors import round_current

ERRORS = {400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput}


class PhotoTooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


class RulesApi(APIView):
    """The consistency rules of the wire format as data (surveys/rules.py), for offline checks.

    The same spec drives the server's validation. Public: it holds no personal data,
    and the app's service worker caches it before anyone signs in.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(parameters=[RulesParams], responses={200: RulesOutput}, auth=[])
    def get(self, request):
        params = RulesParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        lang = params.validated_data.get("lang") or translation.get_language()
        body = shell.rules_json(lang if lang in shell.LANGUAGES else "vi")
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if request.headers.get("If-None-Match") == etag:
            response = HttpResponse(status=status.HTTP_304_NOT_MODIFIED)
        else:
            response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["ETag"] = etag
        response["Cache-Control"] = "no-cache"
        return response


class RosterSizeApi(APIView):
    """How many households and residents the first download of the user's roster brings."""

    @extend_schema(responses={200: RosterSizeOutput})
    def get(self, request):
        return Response(selectors.roster_size(user=request.user))


class HouseholdPhotosApi(APIView):
    """Photos of a household's signed paper form: upload (re-encoded, no location data) and list."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: PhotoOutput(many=True), **ERRORS})
    def get(self, request, household_id):
        return Response(
            PhotoOutput(
                selectors.photos_of(user=request.user, household_id=household_id), many=True
            ).data
        )

    @extend_schema(
        request={"multipart/form-data": PhotoInput},
        responses={
            201: PhotoOutput,
            200: OpenApiResponse(PhotoOutput, description="already stored"),
            413: ErrorOutput,
            **ERRORS,
        },
    )
    def post(self, request, household_id):
        params = PhotoInput(data=request.data)
        params.is_valid(raise_exception=True)
        upload = params.validated_data["photo"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise PhotoTooLarge(
                _("The photo is too large (at most %(n)d MB).")
                % {"n": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        photo, created = services.photo_store(
            user=request.user,
            household_id=household_id,
            photo_id=params.validated_data["id"],
            data=upload.read(),
            round_year=params.validated_data.get("round") or round_current(),
        )
        return Response(
            PhotoOutput(photo).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class HouseholdPhotoFileApi(APIView):
    """The stored JPEG of one form photo."""

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY, **ERRORS})
    def get(self, request, household_id, photo_id):
        photo = selectors.photo_get(user=request.user, household_id=household_id, photo_id=photo_id)
        response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response
