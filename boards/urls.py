from django.urls import path

from boards import apis

urlpatterns = [
    path("boards/<str:code>/", apis.SnapshotApi.as_view(), name="api-board"),
    path("boards/<str:code>/signoff/", apis.SignoffApi.as_view(), name="api-board-signoff"),
    path("boards/<str:code>/reopen/", apis.ReopenApi.as_view(), name="api-board-reopen"),
]
