"""The /reports/ page: choose an area, a round and a form or list; create the export; follow it."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from areas.access import areas_visible
from reports import services
from reports.forms import FORMS
from surveys.models import Round
from surveys.selectors import round_current


def texts() -> dict:
    """The words the page script shows (translated here, so the script holds no language)."""
    return {
        "pending": _("Waiting"),
        "running": _("Running"),
        "done": _("Done"),
        "failed": _("Failed"),
        "expired": _("Expired (file deleted)"),
        "download": _("Download"),
        "created": _("Export created."),
        "error": _("The export could not be created:"),
        "none": _("No exports yet."),
        "all_forms": _("All forms (zip)"),
    }


def _lists() -> dict:
    lists = services._lists() or {}
    return {code: str(getattr(spec, "title", code)) for code, spec in lists.items()}


@login_required
def reports_home(request):
    areas = [
        a
        for a in areas_visible(user=request.user)
        .filter(kind__in=services.EXPORT_AREA_KINDS)
        .order_by("path")
        if services.user_may_export(user=request.user, area=a)
    ]
    if not areas:
        raise Http404(_("You may not export reports."))
    rounds = list(Round.objects.order_by("-year").values_list("year", flat=True))
    return render(
        request,
        "reports/reports.html",
        {
            "areas": areas,
            "rounds": rounds,
            "current_round": round_current(),
            "forms": [(code, form.title) for code, form in FORMS.items()],
            "lists": _lists(),
            "texts": texts(),
        },
    )


urlpatterns = [
    path("", reports_home, name="reports-home"),
]
