"""/audit/: the audit log viewer for city staff (Vietnamese first)."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from audit import selectors
from audit.labels import ACTION_LABELS
from server.errors import ValidationFailed

FILTERS = ("user", "action", "area", "date_from", "date_to")


@login_required
def event_list_page(request):
    if not selectors.may_read_audit(user=request.user):
        return HttpResponseForbidden(_("Only city staff may read the audit log."))
    values = {k: (request.GET.get(k) or "").strip()[:150] for k in FILTERS}
    errors = {}
    try:
        events = selectors.event_list(
            user=request.user, username=values["user"], action=values["action"], area=values["area"],
            date_from=values["date_from"], date_to=values["date_to"],
        )  # fmt: skip
    except ValidationFailed as exc:
        errors = exc.errors
        events = selectors.event_list(user=request.user)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in values.items() if v})
    rows = [{"e": e, "label": ACTION_LABELS.get(e.action, e.action)} for e in page]
    return render(
        request, "audit/events.html",
        {"page": page, "rows": rows, "values": values, "errors": errors, "query": query,
         "actions": sorted(ACTION_LABELS.items(), key=lambda kv: str(kv[1]))},
    )  # fmt: skip


urlpatterns = [path("", event_list_page, name="audit-events")]
