from django.urls import path

from reports import apis

urlpatterns = [
    path("reports/exports/", apis.ExportListApi.as_view(), name="api-reports-exports"),
    path(
        "reports/exports/<int:job_id>/", apis.ExportDetailApi.as_view(), name="api-reports-export"
    ),
    path(
        "reports/exports/<int:job_id>/download",
        apis.ExportDownloadApi.as_view(),
        name="api-reports-download",
    ),
]
