from django.urls import path

from indicators import apis

urlpatterns = [
    path("indicators/rules/", apis.RuleSetListApi.as_view(), name="api-indicator-rules"),
    path("indicators/<str:code>/", apis.FiguresApi.as_view(), name="api-indicators"),
    path(
        "indicators/<str:code>/drilldown/<str:key>/",
        apis.DrilldownApi.as_view(),
        name="api-indicator-drilldown",
    ),
    path(
        "indicators/<str:code>/snapshots/",
        apis.SnapshotListCreateApi.as_view(),
        name="api-indicator-snapshots",
    ),
    path(
        "indicators/<str:code>/snapshots/<int:snapshot_id>/",
        apis.SnapshotDetailApi.as_view(),
        name="api-indicator-snapshot",
    ),
]
