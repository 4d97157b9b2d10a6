"""Export jobs over REST: create, list, show, download (scoped; out of scope is 404)."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from areas.access import area_for_user
from reports import selectors, services
from reports.serializers import ExportInput, ExportOutput
from server.errors import NotFound
from server.serializers import ErrorOutput

ERRORS = {400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput}


class ExportListApi(APIView):
    """The caller's export jobs (city staff: every job of their scope), newest first; create one."""

    @extend_schema(responses={200: ExportOutput(many=True), **ERRORS})
    def get(self, request):
        return Response(
            [selectors.job_output(job) for job in selectors.job_list(user=request.user)]
        )

    @extend_schema(request=ExportInput, responses={201: ExportOutput, **ERRORS})
    def post(self, request):
        data = ExportInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        area = area_for_user(user=request.user, code=values["area"])
        if area is None or not services.user_may_export(user=request.user, area=area):
            raise NotFound()
        params = {"format": values.get("format") or "xlsx"}
        if values.get("form"):
            params["form"] = values["form"]
        if values.get("list"):
            params["list"] = values["list"]
        job = services.job_create(
            user=request.user,
            kind=values["kind"],
            area=area,
            round_year=values["round"],
            params=params,
            request=request,
        )
        job.refresh_from_db()
        return Response(selectors.job_output(job), status=status.HTTP_201_CREATED)


class ExportDetailApi(APIView):
    """One job: status, progress, error, file."""

    @extend_schema(responses={200: ExportOutput, **ERRORS})
    def get(self, request, job_id: int):
        return Response(selectors.job_output(services.job_get(user=request.user, job_id=job_id)))


class ExportDownloadApi(APIView):
    """The job's file (recorded in the audit log as ``export.download``)."""

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            **ERRORS,
        }
    )
    def get(self, request, job_id: int):
        job = services.job_get(user=request.user, job_id=job_id)
        if not services.user_may_export(user=request.user, area=job.area):
            raise NotFound()
        path = services.job_download(user=request.user, job=job, request=request)
        return FileResponse(path.open("rb"), as_attachment=True, filename=job.filename)
