"""The register as server-rendered pages (Vietnamese first, keyboard-friendly; no inline scripts)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import InvalidPage
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from areas.access import user_can_manage
from dedup.models import DuplicatePair, PairStatus
from register import corrections
from register.corrections import BULK_MAX, Forbidden
from register.models import BulkCorrection, Correction
from register.search import (
    clean_filters,
    households_search,
    mask_national_id,
    may_see_national_id,
    people_search,
    scope_filter,
)
from register.selectors import CappedPaginator, audit, birth_date, shown_national_id
from register.timeline import LABELS, shown, timeline
from server.errors import DomainError, ValidationFailed
from surveys.models import (
    Disability,
    Enrollment,
    Household,
    Level,
    Relation,
    Residence,
    Resident,
    Sex,
    Status,
    Visit,
)
from surveys.selectors import round_current
from sync.models import Conflict

INT_FIELDS = {
    "birth_year",
    "birth_month",
    "birth_day",
    "status_year",
    "preschool_completed_year",
    "primary_completed_year",
    "lower_secondary_graduated_year",
    "upper_secondary_graduated_year",
    "highest_grade_completed",
    "literacy_stage",
}
CHOICES = {
    "sex": Sex.choices,
    "relation": Relation.choices,
    "status": Status.choices,
    "disability": Disability.choices,
    "residence": Residence.choices,
}
PERSON_FORM = ("full_name", "sex", "birth_year", "birth_month", "birth_day", "ethnicity", "relation", "national_id",
               "guardian_name", "status", "status_year", "disability", "highest_grade_completed", "literacy_stage",
               "preschool_completed_year", "primary_completed_year", "lower_secondary_graduated_year",
               "upper_secondary_graduated_year")  # fmt: skip
HOUSEHOLD_FORM = ("number", "address", "residence", "phone", "note")
BULK_CHOICES = [
    ("enrollment.school", gettext_lazy("School (this round)")), ("enrollment.level", gettext_lazy("Level (this round)")),
    ("enrollment.grade", gettext_lazy("Grade (this round)")), ("status", gettext_lazy("Status (with its year)")),
    ("disability", gettext_lazy("Disability")), ("ethnicity", gettext_lazy("Ethnicity")),
]  # fmt: skip


def _error_text(error: DomainError) -> str:
    details = "; ".join(
        f"{LABELS.get(k.split('.')[-1], k)}: {' '.join(v)}" for k, v in error.errors.items()
    )
    return f"{error.message} {details}".strip()


@login_required
def search(request):
    kind = "households" if request.GET.get("kind") == "households" else "people"
    filters, errors, page, rows = {}, {}, None, []
    asked = any(
        (request.GET.get(k) or "").strip()
        for k in ("q", "birth_year", "household_number", "village", "national_id", "status")
    )
    allowed = may_see_national_id(user=request.user)
    if asked:
        try:
            filters = clean_filters(request.GET, user=request.user)
        except ValidationFailed as error:
            errors = error.errors
        if not errors:
            found = (households_search if kind == "households" else people_search)(
                user=request.user, filters=filters
            )
            paginator = CappedPaginator(found, 50)
            try:
                page = paginator.page(request.GET.get("page") or 1)
            except InvalidPage:
                page = paginator.page(1)
            rows = list(page.object_list)
            audit(
                user=request.user,
                action="search",
                target=kind,
                count=len(rows),
                details={
                    "filters": {k: ("***" if k == "national_id" else v) for k, v in filters.items()}
                },
                request=request,
            )
    query = request.GET.copy()
    query.pop("page", None)
    people = (
        [
            {
                "p": p,
                "birth": birth_date(p),
                "nid": shown_national_id(p.national_id, allowed=allowed),
            }
            for p in rows
        ]
        if kind == "people"
        else []
    )
    return render(
        request,
        "register/search.html",
        {
            "kind": kind,
            "values": request.GET,
            "errors": errors,
            "page": page,
            "people": people,
            "households": rows if kind == "households" else [],
            "asked": asked,
            "query": query.urlencode(),
            "statuses": Status.choices,
            "may_see_id": allowed,
        },
    )


def _person_or_404(request, person_id) -> Resident:
    person = (
        Resident.objects.filter(
            scope_filter(user=request.user), deleted_at__isnull=True, pk=person_id
        )
        .select_related("household__village", "commune")
        .first()
    )
    if person is None:
        raise Http404
    return person


def _household_or_404(request, household_id) -> Household:
    household = (
        Household.objects.filter(
            scope_filter(user=request.user, village_field="village_id"),
            deleted_at__isnull=True,
            pk=household_id,
        )
        .select_related("village", "commune")
        .first()
    )
    if household is None:
        raise Http404
    return household


def _signed_off(commune_id: int, round_year: int) -> bool:
    from surveys.signoff import is_signed_off

    return is_signed_off(commune_id=commune_id, round_year=round_year)


def _form_fields(names, values: dict, *, posted=None, errors=None) -> list[dict]:
    fields = []
    for name in names:
        value = values.get(name)
        fields.append(
            {
                "name": name,
                "label": LABELS.get(name, name),
                "base": json.dumps(value, ensure_ascii=False),
                "value": posted.get(f"v_{name}", "")
                if posted is not None
                else ("" if value is None else value),
                "choices": CHOICES.get(name),
                "number": name in INT_FIELDS,
                "errors": (errors or {}).get(name, []) + (errors or {}).get(f"changes.{name}", []),
            }
        )
    return fields


def _parse_form(post, names, errors: dict) -> tuple[dict, dict]:
    """(base, changes) from the correction form: the fields whose value differs from the base shown."""
    base, changes = {}, {}
    for name in names:
        if f"b_{name}" not in post:
            continue
        try:
            shown_value = json.loads(post[f"b_{name}"])
        except json.JSONDecodeError:
            errors[name] = [_("The form was damaged; reload the page.")]
            continue
        raw = post.get(f"v_{name}", "").strip()
        if name in INT_FIELDS:
            if raw and not raw.lstrip("-").isdigit():
                errors[name] = [_("Must be a whole number.")]
                continue
            value = int(raw) if raw else None
        else:
            value = raw
        if value != shown_value:
            base[name], changes[name] = shown_value, value
    return base, changes


def _parse_enrollment(post, round_year: int, errors: dict) -> tuple[dict, dict]:
    if "b_enrollment" not in post:
        return {}, {}
    shown_value = json.loads(post["b_enrollment"])
    level = post.get("v_enrollment_level", "").strip()
    grade = post.get("v_enrollment_grade", "").strip()
    school = post.get("v_enrollment_school", "").strip()
    if grade and not grade.isdigit():
        errors["enrollment"] = [_("The grade must be a whole number.")]
        return {}, {}
    value = (
        None
        if not level
        else {
            "round": round_year,
            "level": level,
            "grade": int(grade) if grade else None,
            "school": school,
        }
    )
    if value == shown_value:
        return {}, {}
    return {"enrollment": shown_value}, {"enrollment": value}


def _correct(request, *, entity: str, record, names, round_year: int) -> tuple[dict, bool]:
    """Apply the posted correction form; (errors, done)."""
    errors: dict = {}
    base, changes = _parse_form(request.POST, names, errors)
    if entity == "resident":
        eb, ec = _parse_enrollment(request.POST, round_year, errors)
        base.update(eb)
        changes.update(ec)
    if errors:
        return errors, False
    if not changes:
        messages.info(request, _("Nothing was changed."))
        return {}, True
    try:
        version = int(request.POST.get("base_version", "0"))
        correction = corrections.correction_apply(
            user=request.user,
            entity=entity,
            entity_id=record.pk,
            base_version=version,
            base=base,
            changes=changes,
            round_year=round_year,
            reason=request.POST.get("reason", ""),
        )
    except (DomainError, ValueError) as error:
        if isinstance(error, DomainError):
            messages.error(request, error.message)
            return {k.removeprefix("changes."): v for k, v in error.errors.items()}, False
        return {"base_version": [_("The form was damaged; reload the page.")]}, False
    if correction.status == "conflict":
        messages.warning(
            request,
            _(
                "Someone changed this record meanwhile: the fields you both changed wait as a conflict; "
                "the others were saved."
            ),
        )
    else:
        messages.success(
            request, _("The correction was saved; phones receive it on their next sync.")
        )
    return {}, True


def _related(person_ids) -> dict:
    pairs = list(
        DuplicatePair.objects.filter(Q(left_id__in=person_ids) | Q(right_id__in=person_ids))
        .select_related("left", "right")
        .prefetch_related("decisions__user")
        .order_by("-found_at")
    )
    return {
        "conflicts": list(
            Conflict.objects.filter(entity_id__in=person_ids).order_by("-created_at")
        ),
        "pairs": [p for p in pairs if p.status != PairStatus.MOVED],
        "moves": [p for p in pairs if p.status == PairStatus.MOVED],
    }


def _corrections(entity_ids, user, household_id=None) -> list[dict]:
    """The latest corrections of these records (and, for a household page, of its members)."""
    q = Q(entity_id__in=list(entity_ids))
    if household_id is not None:
        q |= Q(household_id=household_id)
    found = Correction.objects.filter(q).select_related("user").order_by("-at", "-pk")[:50]
    undone = set(
        Correction.objects.filter(undo_of__in=[c.pk for c in found]).values_list(
            "undo_of_id", flat=True
        )
    )
    return [
        {
            "c": c,
            "undone": c.pk in undone,
            "at": timezone.localtime(c.at).strftime("%d/%m/%Y %H:%M"),
            "fields": [
                {
                    "label": LABELS.get(k, k),
                    "old": shown(
                        v[0],
                        field=k,
                        mask=None if may_see_national_id(user=user) else mask_national_id,
                    ),
                    "new": shown(
                        v[1],
                        field=k,
                        mask=None if may_see_national_id(user=user) else mask_national_id,
                    ),
                }
                for k, v in c.applied.items()
            ],
        }
        for c in found
    ]


def _timeline_page(request) -> int:
    raw = request.GET.get("t", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


@login_required
def person(request, person_id):
    found = _person_or_404(request, person_id)
    round_year = round_current()
    allowed = may_see_national_id(user=request.user)
    can_correct = user_can_manage(user=request.user, area=found.household.village)
    errors = {}
    if request.method == "POST":
        if not can_correct:
            raise Http404
        names = [n for n in PERSON_FORM if allowed or n != "national_id"]
        errors, done = _correct(
            request, entity="resident", record=found, names=names, round_year=round_year
        )
        if done:
            return redirect("register-person", person_id=found.pk)
        found = _person_or_404(request, person_id) if not errors else found
    audit(
        user=request.user,
        action="person.read",
        area=found.commune,
        target=str(found.pk),
        request=request,
    )
    enrollments = list(Enrollment.objects.filter(resident=found).order_by("-round_id"))
    current_enrollment = next((e for e in enrollments if e.round_id == round_year), None)
    values = corrections.resident_values(found, enrollment=current_enrollment)
    names = [n for n in PERSON_FORM if allowed or n != "national_id"]
    mask = None if allowed else mask_national_id
    context = {
        "person": found,
        "household": found.household,
        "birth": birth_date(found),
        "nid": shown_national_id(found.national_id, allowed=allowed),
        "may_see_id": allowed,
        "members": list(
            found.household.members.filter(deleted_at__isnull=True).order_by(
                "position", "created_at"
            )
        ),
        "enrollments": enrollments,
        "visits": list(Visit.objects.filter(household=found.household).order_by("-round_id")),
        "timeline": timeline(
            entity_ids=[found.pk],
            page=_timeline_page(request),
            names={found.pk: found.full_name},
            mask=mask,
        ),
        "can_correct": can_correct,
        "round_year": round_year,
        "signed_off": _signed_off(found.commune_id, round_year),
        "fields": _form_fields(
            names, values, posted=request.POST if errors else None, errors=errors
        ),
        "enrollment": current_enrollment,
        "levels": Level.choices,
        "enrollment_base": json.dumps(values["enrollment"], ensure_ascii=False),
        "enrollment_errors": errors.get("enrollment", []),
        "errors": errors,
        "corrections": _corrections([found.pk], request.user),
        **_related([found.pk]),
    }
    return render(request, "register/person.html", context)


@login_required
def household(request, household_id):
    found = _household_or_404(request, household_id)
    round_year = round_current()
    can_correct = user_can_manage(user=request.user, area=found.village)
    errors = {}
    if request.method == "POST":
        if not can_correct:
            raise Http404
        errors, done = _correct(
            request, entity="household", record=found, names=HOUSEHOLD_FORM, round_year=round_year
        )
        if done:
            return redirect("register-household", household_id=found.pk)
    audit(
        user=request.user,
        action="household.read",
        area=found.commune,
        target=str(found.pk),
        request=request,
    )
    allowed = may_see_national_id(user=request.user)
    members = list(found.members.all().order_by("position", "created_at"))
    enrollments = {}
    for e in Enrollment.objects.filter(resident__in=members).order_by("-round_id"):
        enrollments.setdefault(e.resident_id, []).append(e)
    values = corrections.household_values(found)
    context = {
        "household": found,
        "round_year": round_year,
        "can_correct": can_correct,
        "members": [
            {
                "p": m,
                "birth": birth_date(m),
                "nid": shown_national_id(m.national_id, allowed=allowed),
                "enrollments": enrollments.get(m.pk, []),
                "deleted": m.deleted_at is not None,
            }
            for m in members
        ],
        "visits": list(
            Visit.objects.filter(household=found).select_related("surveyor").order_by("-round_id")
        ),
        "timeline": timeline(
            household_id=found.pk,
            entity_ids=[found.pk],
            page=_timeline_page(request),
            names={m.pk: m.full_name for m in members},
            mask=None if allowed else mask_national_id,
        ),
        "signed_off": _signed_off(found.commune_id, round_year),
        "fields": _form_fields(
            HOUSEHOLD_FORM, values, posted=request.POST if errors else None, errors=errors
        ),
        "errors": errors,
        "corrections": _corrections([found.pk], request.user, household_id=found.pk),
        "conflicts": list(Conflict.objects.filter(household_id=found.pk).order_by("-created_at")),
        **{k: v for k, v in _related([m.pk for m in members]).items() if k != "conflicts"},
    }
    return render(request, "register/household.html", context)


def _correction_or_404(request, correction_id) -> Correction:
    correction = (
        Correction.objects.select_related("commune", "user", "bulk")
        .filter(pk=correction_id)
        .first()
    )
    if correction is None or not user_can_manage(user=request.user, area=correction.commune):
        raise Http404
    return correction


def _entity_url(correction) -> str:
    if correction.entity == "household":
        return reverse("register-household", args=[correction.entity_id])
    return reverse("register-person", args=[correction.entity_id])


@login_required
def correction(request, correction_id: int):
    found = _correction_or_404(request, correction_id)
    if request.method == "POST":
        try:
            undo = corrections.correction_undo(
                user=request.user, correction=found, reason=request.POST.get("reason", "")
            )
            messages.success(
                request, _("The correction was undone (correction #%(id)d).") % {"id": undo.pk}
            )
        except DomainError as error:
            messages.error(request, _error_text(error))
        return redirect("register-correction", correction_id=found.pk)
    allowed = may_see_national_id(user=request.user)
    mask = None if allowed else mask_national_id
    undone = Correction.objects.filter(undo_of=found).first()
    return render(
        request,
        "register/correction.html",
        {
            "c": found,
            "undone": undone,
            "entity_url": _entity_url(found),
            "at": timezone.localtime(found.at).strftime("%d/%m/%Y %H:%M"),
            "fields": [
                {
                    "label": LABELS.get(k, k),
                    "old": shown(v[0], field=k, mask=mask),
                    "new": shown(v[1], field=k, mask=mask),
                }
                for k, v in found.applied.items()
            ],
            "asked": [
                {
                    "label": LABELS.get(k, k),
                    "base": shown(found.base.get(k), field=k, mask=mask),
                    "new": shown(v, field=k, mask=mask),
                }
                for k, v in found.changes.items()
            ],
        },
    )


def _bulk_form(post) -> tuple[dict, dict, dict]:
    """(selection, change, errors) from the bulk form."""
    errors: dict = {}
    ids = [
        line.strip() for line in post.get("ids", "").replace(",", "\n").splitlines() if line.strip()
    ]
    search = {
        k: post.get(k, "").strip()
        for k in ("q", "birth_year", "household_number", "village", "status")
        if post.get(k, "").strip()
    }
    selection = {"ids": ids} if ids else {"search": search}
    field = post.get("field", "")
    value = post.get("value", "").strip()
    setting: dict = {}
    if field not in dict(BULK_CHOICES):
        errors["field"] = [_("Choose what to change.")]
    elif field == "enrollment.grade":
        if value and not value.isdigit():
            errors["value"] = [_("Must be a whole number.")]
        setting[field] = int(value) if value else None
    elif field == "status":
        setting["status"] = value
        year = post.get("status_year", "").strip()
        if value != "present":
            if not year.isdigit():
                errors["status_year"] = [_("Give the year of the move or death.")]
            else:
                setting["status_year"] = int(year)
        else:
            setting["status_year"] = None
        if value in ("moved_out", "deceased") and post.get("clear_enrollment"):
            setting["enrollment"] = None
    else:
        setting[field] = value
    return selection, {"set": setting}, errors


@login_required
def bulk(request):
    round_year = round_current()
    context = {
        "values": request.POST or request.GET,
        "choices": BULK_CHOICES,
        "statuses": Status.choices,
        "levels": Level.choices,
        "max": BULK_MAX,
        "errors": {},
        "preview": None,
    }
    if request.method == "POST":
        selection, change, errors = _bulk_form(request.POST)
        context["errors"] = errors
        if not errors:
            try:
                if request.POST.get("action") == "apply":
                    done = corrections.bulk_apply(
                        user=request.user,
                        selection=selection,
                        change=change,
                        round_year=round_year,
                        reason=request.POST.get("reason", ""),
                    )
                    audit(
                        user=request.user,
                        action="bulk_correction.apply",
                        target=done.source,
                        count=done.applied,
                        details={
                            "change": done.change,
                            "total": done.total,
                            "conflicts": done.conflicts,
                            "skipped": done.skipped,
                        },
                        request=request,
                    )
                    messages.success(
                        request, _("Bulk correction applied: %(n)d changed.") % {"n": done.applied}
                    )
                    return redirect("register-bulk", bulk_id=done.pk)
                context["preview"] = corrections.bulk_preview(
                    user=request.user,
                    selection=selection,
                    change=change,
                    round_year=round_year,
                    reason=request.POST.get("reason", ""),
                )
            except DomainError as error:
                context["errors"] = {
                    k.split(".")[0] if k.startswith("selection") else k: v
                    for k, v in error.errors.items()
                }
                messages.error(request, _error_text(error))
    if context["preview"]:
        allowed = may_see_national_id(user=request.user)
        mask = None if allowed else mask_national_id
        for row in context["preview"]["rows"]:
            row["shown"] = [
                {
                    "label": LABELS.get(k, k),
                    "old": shown(v[0], field=k, mask=mask),
                    "new": shown(v[1], field=k, mask=mask),
                }
                for k, v in row["changes"].items()
            ]
            row["error_text"] = "; ".join(
                f"{LABELS.get(k.split('.')[-1], k)}: {' '.join(v)}"
                for k, v in row["errors"].items()
            )
    return render(request, "register/bulk.html", context)


@login_required
def bulk_detail(request, bulk_id: int):
    found = BulkCorrection.objects.select_related("user", "undo_of").filter(pk=bulk_id).first()
    if found is None:
        raise Http404
    rows = list(found.corrections.select_related("commune").order_by("pk"))
    communes = {c.commune for c in rows} or {
        c.commune for c in Correction.objects.filter(bulk=found.undo_of).select_related("commune")
    }
    if not communes or not all(user_can_manage(user=request.user, area=c) for c in communes):
        raise Http404
    if request.method == "POST":
        try:
            undo = corrections.bulk_undo(
                user=request.user, bulk=found, reason=request.POST.get("reason", "")
            )
            audit(
                user=request.user,
                action="bulk_correction.undo",
                target=undo.source,
                count=undo.applied,
                details={"undo_of": found.pk, "skipped": undo.skipped, "conflicts": undo.conflicts},
                request=request,
            )
            messages.success(
                request,
                _("Undone: %(n)d restored, %(s)d skipped.")
                % {"n": undo.applied, "s": undo.skipped},
            )
            return redirect("register-bulk", bulk_id=undo.pk)
        except (DomainError, Forbidden) as error:
            messages.error(request, _error_text(error))
            return redirect("register-bulk", bulk_id=found.pk)
    names = dict(
        Resident.objects.filter(
            pk__in=[r.entity_id for r in rows]
            + [r.get("resident") for r in found.report if r.get("resident")]
        ).values_list("pk", "full_name")
    )
    allowed = may_see_national_id(user=request.user)
    mask = None if allowed else mask_national_id
    return render(
        request,
        "register/bulk_detail.html",
        {
            "b": found,
            "at": timezone.localtime(found.at).strftime("%d/%m/%Y %H:%M"),
            "undone_by": BulkCorrection.objects.filter(undo_of=found).first(),
            "rows": [
                {
                    "c": r,
                    "name": names.get(r.entity_id, ""),
                    "fields": [
                        {
                            "label": LABELS.get(k, k),
                            "old": shown(v[0], field=k, mask=mask),
                            "new": shown(v[1], field=k, mask=mask),
                        }
                        for k, v in r.applied.items()
                    ],
                }
                for r in rows
            ],
            "report": [
                {
                    **r,
                    "name": names.get(_uuid_or_none(r.get("resident")), ""),
                    "text": "; ".join(
                        f"{LABELS.get(k.split('.')[-1], k)}: {' '.join(v)}"
                        for k, v in (r.get("errors") or {}).items()
                    ),
                }
                for r in found.report
            ],
        },
    )


def _uuid_or_none(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


urlpatterns = [
    path("", search, name="register-search"),
    path("people/<uuid:person_id>/", person, name="register-person"),
    path("households/<uuid:household_id>/", household, name="register-household"),
    path("corrections/<int:correction_id>/", correction, name="register-correction"),
    path("bulk/", bulk, name="register-bulk-new"),
    path("bulk/<int:bulk_id>/", bulk_detail, name="register-bulk"),
]
