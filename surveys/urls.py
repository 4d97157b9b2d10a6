from django.urls import path

from surveys import apis

urlpatterns = [
    path("households/", apis.HouseholdListCreateApi.as_view(), name="api-households"),
    path(
        "households/<uuid:household_id>/", apis.HouseholdDetailApi.as_view(), name="api-household"
    ),
]
