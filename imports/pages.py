"""The /reports/import/ page: upload, dry-run result (errors table, errors workbook), confirm."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from areas.access import areas_visible, user_can_manage
from areas.models import AreaKind
from imports import uploads
from imports.survey import ImportRefused
from server.errors import DomainError
from surveys.models import Round
from surveys.selectors import round_current

SHOWN_ERRORS = 500


def _communes(user) -> list:
    communes = areas_visible(user=user).filter(kind=AreaKind.COMMUNE).order_by("path")
    return [c for c in communes if user_can_manage(user=user, area=c)]


@login_required
def import_page(request):
    communes = _communes(request.user)
    if not communes:
        raise Http404(_("You may not import survey files."))
    context = {
        "communes": communes,
        "rounds": list(Round.objects.order_by("-year").values_list("year", flat=True)),
        "current_round": round_current(),
        "summary": None,
        "problem": "",
        "shown": SHOWN_ERRORS,
    }
    if request.method == "POST":
        action = request.POST.get("action", "dry_run")
        try:
            commune = uploads.commune_for_import(
                user=request.user, code=request.POST.get("commune", "")
            )
            round_year = uploads.round_checked(int(request.POST.get("round") or 0))
            token = request.POST.get("upload", "")
            if request.FILES.get("file") is not None:
                token = uploads.upload_save(user=request.user, uploaded=request.FILES["file"], commune=commune,
                                            round_year=round_year)  # fmt: skip
            if not token:
                raise ImportRefused(_("Choose a file."))
            summary = uploads.run(user=request.user, token=token, commune=commune, round_year=round_year,
                                  dry_run=action != "import", reason=request.POST.get("reason", ""),
                                  request=request)  # fmt: skip
            context.update(summary=summary, commune=commune, round_year=round_year)
        except (DomainError, ValueError) as exc:
            errors = getattr(exc, "errors", {}) or {}
            context["problem"] = " ".join(
                [str(exc)] + [m for ms in errors.values() for m in ms if m != str(exc)]
            )
    return render(request, "imports/import.html", context)


urlpatterns = [
    path("", import_page, name="reports-import"),
]
