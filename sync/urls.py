from django.urls import path

from sync import apis

urlpatterns = [
    path("sync/push", apis.PushApi.as_view(), name="api-sync-push"),
    path("sync/pull", apis.PullApi.as_view(), name="api-sync-pull"),
    path("sync/conflicts/", apis.ConflictListApi.as_view(), name="api-sync-conflicts"),
    path(
        "sync/conflicts/<uuid:conflict_id>/",
        apis.ConflictDetailApi.as_view(),
        name="api-sync-conflict",
    ),
    path(
        "sync/conflicts/<uuid:conflict_id>/resolve",
        apis.ConflictResolveApi.as_view(),
        name="api-sync-conflict-resolve",
    ),
]
