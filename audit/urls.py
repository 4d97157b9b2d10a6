from django.urls import path

from audit import apis

urlpatterns = [
    path("audit/events/", apis.AuditEventListApi.as_view(), name="api-audit-events"),
]
