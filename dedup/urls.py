from django.urls import path

from dedup import apis

urlpatterns = [
    path("dedup/pairs/", apis.PairListApi.as_view(), name="api-dedup-pairs"),
    path("dedup/pairs/<int:pair_id>/", apis.PairDetailApi.as_view(), name="api-dedup-pair"),
    path("dedup/pairs/<int:pair_id>/decide", apis.PairDecideApi.as_view(), name="api-dedup-decide"),
    path("dedup/pairs/<int:pair_id>/undo", apis.PairUndoApi.as_view(), name="api-dedup-undo"),
]
