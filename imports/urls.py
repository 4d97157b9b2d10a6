from django.urls import path

from imports import apis as import_apis

urlpatterns = [
    path(
        "reports/imports/template",
        import_apis.ImportTemplateApi.as_view(),
        name="api-import-template",
    ),
    path(
        "reports/imports/dry-run", import_apis.ImportDryRunApi.as_view(), name="api-import-dry-run"
    ),
    path("reports/imports/", import_apis.ImportRunApi.as_view(), name="api-import-run"),
    path(
        "reports/imports/<str:upload>/errors",
        import_apis.ImportErrorsApi.as_view(),
        name="api-import-errors",
    ),
]
