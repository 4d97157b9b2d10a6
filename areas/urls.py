from django.urls import path

from areas import apis

urlpatterns = [path("areas/", apis.AreaListApi.as_view(), name="api-areas")]
