from django.urls import path

from field import apis, views

urlpatterns = [
    path("field/", views.app_shell, name="field-app"),
    path("field/sw-version.js", views.sw_version, name="field-sw-version"),
    path("field/i18n/<str:lang>.json", views.i18n_catalog, name="field-i18n"),
    path("field/session", views.session, name="field-session"),
    path("api/rules", apis.RulesApi.as_view(), name="api-rules"),
    path("api/field/roster-size", apis.RosterSizeApi.as_view(), name="api-field-roster-size"),
    path(
        "api/households/<uuid:household_id>/photos/",
        apis.HouseholdPhotosApi.as_view(),
        name="api-household-photos",
    ),
    path(
        "api/households/<uuid:household_id>/photos/<uuid:photo_id>",
        apis.HouseholdPhotoFileApi.as_view(),
        name="api-household-photo",
    ),
]
