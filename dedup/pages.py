"""The review queue as server-rendered pages (Vietnamese first): the list and the side-by-side view."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.pii import mask_national_id, may_see_national_id
from audit.services import record, scope_area
from dedup import selectors, services
from dedup.models import PairStatus
from dedup.services import MERGE_FIELDS
from server.errors import DomainError, NotFound
from surveys.selectors import round_current

LABELS = {
    "full_name": gettext_lazy("Full name"), "sex": gettext_lazy("Sex"), "birth_year": gettext_lazy("Birth year"),
    "birth_month": gettext_lazy("Birth month"), "birth_day": gettext_lazy("Birth day"),
    "ethnicity": gettext_lazy("Ethnicity"), "relation": gettext_lazy("Relation to the head"),
    "national_id": gettext_lazy("National ID number"), "guardian_name": gettext_lazy("Guardian's name"),
    "status": gettext_lazy("Status"), "status_year": gettext_lazy("Status year"),
    "disability": gettext_lazy("Disability"), "preschool_completed_year": gettext_lazy("Preschool completed"),
    "primary_completed_year": gettext_lazy("Primary completed"),
    "lower_secondary_graduated_year": gettext_lazy("Lower secondary graduated"),
    "upper_secondary_graduated_year": gettext_lazy("Upper secondary graduated"),
    "highest_grade_completed": gettext_lazy("Highest grade completed"), "literacy_stage": gettext_lazy("Literacy stage"),
    "dropped_out": gettext_lazy("Dropped out"), "enrollment": gettext_lazy("Enrollment this round"),
}  # fmt: skip
REASONS = {
    "name_exact": gettext_lazy("same name"), "name_plain": gettext_lazy("same name, written without diacritics"),
    "name_marks_differ": gettext_lazy("same name except the diacritics"),
    "name_order": gettext_lazy("same names in another order"), "middle_missing": gettext_lazy("middle name missing"),
    "middle_differs": gettext_lazy("another middle name"), "given_typo": gettext_lazy("one letter off in the given name"),
    "rare_spelling": gettext_lazy("a spelling nobody else has"), "family_typo": gettext_lazy("one letter off in the family name"),
    "name_similar": gettext_lazy("similar names"), "common_name": gettext_lazy("a common name"),
    "date_exact": gettext_lazy("same birth date"), "date_swapped": gettext_lazy("birth day and month swapped"),
    "month_same": gettext_lazy("same birth month"), "month_unknown": gettext_lazy("birth month unknown"),
    "month_one_side": gettext_lazy("birth month on one record only"), "day_differs": gettext_lazy("another birth day"),
    "month_differs": gettext_lazy("another birth month"), "year_differs": gettext_lazy("another birth year"),
    "sex_differs": gettext_lazy("another sex"), "national_id_same": gettext_lazy("same national ID"),
    "national_id_differs": gettext_lazy("another national ID"), "guardian_same": gettext_lazy("same guardian"),
    "guardian_similar": gettext_lazy("similar guardian"), "guardian_differs": gettext_lazy("another guardian"),
    "same_household": gettext_lazy("same household"), "same_village": gettext_lazy("same village"),
    "same_commune": gettext_lazy("same commune"), "other_commune": gettext_lazy("another commune"),
    "move_pair": gettext_lazy("moved out on one record"), "deceased_vs_living": gettext_lazy("deceased on one record"),
    "school_agrees": gettext_lazy("same schooling"), "school_differs": gettext_lazy("other schooling"),
    "ethnicity_differs": gettext_lazy("another ethnic group"), "ethnicity_minority": gettext_lazy("same ethnic minority"),
    "disability_differs": gettext_lazy("another disability"), "disability_same": gettext_lazy("same disability"),
}  # fmt: skip


def _display(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{v}" for v in value.values() if v not in (None, ""))
    return str(value)


@login_required
def queue(request):
    status = request.GET.get("status", PairStatus.OPEN)
    if status not in selectors.STATUSES:
        status = PairStatus.OPEN
    pairs = selectors.pair_list(user=request.user, status=status)
    page = Paginator(pairs, 50).get_page(request.GET.get("page"))
    summaries = [selectors.pair_summary(p) for p in page.object_list]
    record(user=request.user, action="duplicate_list.read", area=scope_area(user=request.user), target="page:dedup",
           count=2 * len(summaries), request=request)  # fmt: skip
    return render(
        request,
        "dedup/queue.html",
        {
            "page": page,
            "pairs": summaries,
            "status": status,
            "statuses": [*PairStatus.choices, ("all", _("All"))],
        },
    )


def _rows(detail: dict) -> list[dict]:
    rows = []
    for field in ("relation", *MERGE_FIELDS):
        left, right = detail["left"].get(field), detail["right"].get(field)
        rows.append(
            {
                "field": field,
                "label": LABELS[field],
                "left": _display(left),
                "right": _display(right),
                "differs": left != right,
                "choosable": field in MERGE_FIELDS and left != right,
            }
        )
    return rows


@login_required
def pair(request, pair_id: int):
    try:
        found = selectors.pair_get(user=request.user, pair_id=pair_id)
    except NotFound as error:
        raise Http404 from error
    round_year = round_current()
    if request.method == "POST":
        return _post(request, found, round_year)
    detail = selectors.pair_side_by_side(pair=found, round_year=round_year)
    rows = _rows(detail)
    if not may_see_national_id(user=request.user):  # compared in full, shown masked (accounts.pii)
        for row in rows:
            if row["field"] == "national_id":
                row["left"] = _display(mask_national_id(detail["left"].get("national_id") or ""))
                row["right"] = _display(mask_national_id(detail["right"].get("national_id") or ""))
    record(user=request.user, action="duplicate.read", area=found.left.commune, target=f"pair:{found.pk}", count=2,
           request=request)  # fmt: skip
    context = {
        "pair": detail,
        "rows": rows,
        "status_label": PairStatus(detail["status"]).label,
        "reasons": [str(REASONS.get(code, code)) for code in detail["reasons"]],
        "place": [
            (_("Commune"), "commune_name"),
            (_("Village"), "village_name"),
            (_("Household"), "household_number"),
        ],
    }
    return render(request, "dedup/pair.html", context)


def _post(request, found, round_year: int):
    action = request.POST.get("decision", "")
    try:
        if action == "undo":
            services.pair_undo(
                pair=found,
                user=request.user,
                round_year=round_year,
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("The decision was undone."))
        else:
            choices = {
                f: request.POST[f"field_{f}"]
                for f in MERGE_FIELDS
                if request.POST.get(f"field_{f}") in ("left", "right")
            }
            services.pair_decide(
                pair=found,
                user=request.user,
                decision=action,
                round_year=round_year,
                survivor=request.POST.get("survivor") or None,
                fields=choices,
                moved_out=request.POST.get("moved_out") or None,
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("The decision was saved."))
    except DomainError as error:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.errors.items())
        messages.error(request, f"{error.message} {details}".strip())
    return redirect("dedup-pair", pair_id=found.pk)


urlpatterns = [
    path("", queue, name="dedup-queue"),
    path("<int:pair_id>/", pair, name="dedup-pair"),
]
