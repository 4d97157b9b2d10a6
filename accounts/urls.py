"""Team pages under /team/ and one's own password under /account/password/."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("team/", views.team_index, name="team"),
    path("team/<str:code>/", views.team_area, name="team-area"),
    path("team/<str:code>/new/", views.surveyor_add, name="team-add"),
    path("team/<str:code>/surveyors/<int:user_id>/", views.surveyor_detail, name="team-surveyor"),
    path("team/<str:code>/villages/<int:village_id>/", views.village_detail, name="team-village"),
    path("team/<str:code>/cards/", views.login_cards, name="team-cards"),
    path("team/<str:code>/history/", views.history, name="team-history"),
    path("team/<str:code>/import/", views.import_upload, name="team-import"),
    path(
        "team/<str:code>/import/template.xlsx", views.import_template, name="team-import-template"
    ),
    path("team/<str:code>/import/<int:job_id>/", views.import_job, name="team-import-job"),
    path("account/password/", views.password_change, name="accounts-password-change"),
]
