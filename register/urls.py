from django.urls import path

from register import apis

urlpatterns = [
    path("register/people/", apis.PeopleSearchApi.as_view(), name="api-register-people"),
    path(
        "register/households/", apis.HouseholdsSearchApi.as_view(), name="api-register-households"
    ),
    path(
        "register/corrections/", apis.CorrectionCreateApi.as_view(), name="api-register-corrections"
    ),
    path(
        "register/corrections/<int:correction_id>/",
        apis.CorrectionDetailApi.as_view(),
        name="api-register-correction",
    ),
    path(
        "register/corrections/<int:correction_id>/undo/",
        apis.CorrectionUndoApi.as_view(),
        name="api-register-correction-undo",
    ),
    path("register/bulk/preview/", apis.BulkPreviewApi.as_view(), name="api-register-bulk-preview"),
    path("register/bulk/", apis.BulkApplyApi.as_view(), name="api-register-bulk"),
    path(
        "register/bulk/<int:bulk_id>/",
        apis.BulkDetailApi.as_view(),
        name="api-register-bulk-detail",
    ),
    path(
        "register/bulk/<int:bulk_id>/undo/",
        apis.BulkUndoApi.as_view(),
        name="api-register-bulk-undo",
    ),
]
