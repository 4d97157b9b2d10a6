from django.urls import path

from accounts import apis

urlpatterns = [
    path("team/<str:code>/", apis.TeamApi.as_view(), name="api-team"),
    path("team/<str:code>/surveyors/", apis.SurveyorCreateApi.as_view(), name="api-team-surveyors"),
    path(
        "team/<str:code>/surveyors/<int:user_id>/",
        apis.SurveyorApi.as_view(),
        name="api-team-surveyor",
    ),
    path(
        "team/<str:code>/surveyors/<int:user_id>/villages",
        apis.SurveyorVillagesApi.as_view(),
        name="api-team-surveyor-villages",
    ),
    path(
        "team/<str:code>/surveyors/<int:user_id>/password-reset",
        apis.PasswordResetApi.as_view(),
        name="api-team-password-reset",
    ),
    path("team/<str:code>/events/", apis.EventListApi.as_view(), name="api-team-events"),
]
