"""Team pages (Vietnamese first, phone-usable): thin views over accounts.services and selectors."""

from datetime import timedelta
from functools import wraps

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import imports, selectors, services
from accounts.forms import ImportForm, ProfileForm, SurveyorForm, SurveyorsForm, VillagesForm
from accounts.middleware import SESSION_FLAG
from accounts.models import ImportStatus
from areas.models import Area, AreaKind
from server.errors import DomainError, NotFound, ValidationFailed
from surveys.selectors import round_current

STALE_AFTER = timedelta(hours=2)


def manager_page(view):
    """Resolve ``code`` to an area the user manages (404 otherwise) and pass it on."""

    @login_required
    @wraps(view)
    def wrapper(request, code, *args, **kwargs):
        try:
            area = selectors.managed_area(user=request.user, code=code)
        except NotFound:
            raise Http404 from None
        return view(request, area, *args, **kwargs)

    return wrapper


def _commune_only(area: Area) -> None:
    if area.kind != AreaKind.COMMUNE:
        raise Http404


def _member(request, commune: Area, user_id: int):
    try:
        return selectors.team_member(user=request.user, commune=commune, user_id=user_id)
    except NotFound:
        raise Http404 from None


def _villages(commune: Area) -> list[Area]:
    return list(Area.objects.filter(kind=AreaKind.VILLAGE, parent=commune).order_by("code"))


# --- where to go ------------------------------------------------------------------


@login_required
def team_index(request):
    roots = selectors.managed_roots(user=request.user)
    if not roots:
        raise Http404
    if len(roots) == 1:
        return redirect("team-area", code=roots[0].code)
    return render(request, "accounts/index.html", {"roots": roots})


@manager_page
def team_area(request, area: Area):
    if area.kind != AreaKind.COMMUNE:
        return render(
            request,
            "accounts/area.html",
            {"area": area, "communes": selectors.commune_summaries(area=area)},
        )
    round_year = round_current()
    team = selectors.commune_team(commune=area, round_year=round_year, viewer=request.user)
    return render(
        request, "accounts/team.html", {"team": team, "commune": area, "round": round_year}
    )


# --- one surveyor --------------------------------------------------------------------


@manager_page
@require_http_methods(["GET", "POST"])
def surveyor_add(request, commune: Area):
    _commune_only(commune)
    villages = _villages(commune)
    form = SurveyorForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        chosen = [v for v in villages if str(v.pk) in form.cleaned_data["villages"]]
        try:
            created = services.surveyor_create(
                actor=request.user,
                commune=commune,
                full_name=form.cleaned_data["full_name"],
                username=form.cleaned_data["username"],
                phone=form.cleaned_data["phone"],
                school=form.cleaned_data["school"],
                villages=chosen,
            )
        except ValidationFailed as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("Account %(username)s created. Print its login card.")
                % {"username": created.user.username},
            )
            return redirect("team-surveyor", code=commune.code, user_id=created.user.pk)
    return render(request, "accounts/surveyor_add.html", {"commune": commune, "form": form})


def _surveyor_context(
    request, commune: Area, member, profile_form=None, villages_form=None
) -> dict:
    villages = _villages(commune)
    assigned = [
        str(m.area_id) for m in member.memberships.filter(role="surveyor", area__parent=commune)
    ]
    profile = selectors.profile_of(member)
    return {
        "commune": commune,
        "member": member,
        "profile": profile,
        "name": selectors.user_full_name(member) or member.username,
        "plain": selectors.user_is_plain_surveyor(user=member),
        "profile_form": profile_form
        or ProfileForm(
            initial={
                "full_name": selectors.user_full_name(member),
                "phone": profile.phone if profile else "",
                "school": profile.school if profile else "",
            }
        ),
        "villages_form": villages_form
        or VillagesForm(initial={"villages": assigned}, villages=villages),
        "events": selectors.events_visible(user=request.user)
        .filter(target=member)
        .select_related("actor")[:20],
    }


@manager_page
@require_http_methods(["GET", "POST"])
def surveyor_detail(request, commune: Area, user_id: int):
    _commune_only(commune)
    member = _member(request, commune, user_id)
    if request.method == "GET":
        return render(
            request, "accounts/surveyor.html", _surveyor_context(request, commune, member)
        )
    action = request.POST.get("action", "")
    handlers = {
        "profile": _post_profile,
        "villages": _post_villages,
        "deactivate": _post_active,
        "reactivate": _post_active,
        "reset": _post_reset,
    }
    if action not in handlers:
        return redirect("team-surveyor", code=commune.code, user_id=member.pk)
    try:
        return handlers[action](request, commune, member, action)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("team-surveyor", code=commune.code, user_id=member.pk)


def _post_profile(request, commune, member, _action):
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            services.surveyor_update(
                actor=request.user, commune=commune, user=member, **form.cleaned_data
            )
        except ValidationFailed as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("team-surveyor", code=commune.code, user_id=member.pk)
    return render(
        request,
        "accounts/surveyor.html",
        _surveyor_context(request, commune, member, profile_form=form),
        status=400,
    )


def _post_villages(request, commune, member, _action):
    villages = _villages(commune)
    form = VillagesForm(request.POST, villages=villages)
    if not form.is_valid():
        return render(
            request,
            "accounts/surveyor.html",
            _surveyor_context(request, commune, member, villages_form=form),
            status=400,
        )
    chosen = [v for v in villages if str(v.pk) in form.cleaned_data["villages"]]
    services.surveyor_villages_assign(
        actor=request.user, commune=commune, user=member, villages=chosen
    )
    messages.success(request, _("Villages saved. The phones follow at their next sync."))
    return redirect("team-surveyor", code=commune.code, user_id=member.pk)


def _post_active(request, commune, member, action):
    services.account_set_active(
        actor=request.user, commune=commune, user=member, active=action == "reactivate"
    )
    messages.success(
        request,
        _("Account reactivated.")
        if action == "reactivate"
        else _("Account deactivated: it can no longer sign in or sync."),
    )
    return redirect("team-surveyor", code=commune.code, user_id=member.pk)


def _post_reset(request, commune, member, _action):
    services.password_reset(actor=request.user, commune=commune, user=member)
    messages.success(request, _("New password made. Print the login card: it is shown there once."))
    return redirect("team-cards", code=commune.code)


# --- one village ---------------------------------------------------------------------


@manager_page
@require_http_methods(["GET", "POST"])
def village_detail(request, commune: Area, village_id: int):
    _commune_only(commune)
    try:
        village = selectors.village_in_commune(commune=commune, village_id=village_id)
    except NotFound:
        raise Http404 from None
    team = selectors.commune_team(commune=commune, round_year=round_current(), viewer=request.user)
    members = [m for m in team.members if m.user.is_active]
    row = next(r for r in team.villages if r.village.pk == village.pk)
    initial = {"surveyors": [str(m.user.pk) for m in row.surveyors]}
    form = SurveyorsForm(request.POST or None, initial=initial, members=members)
    if request.method == "POST" and form.is_valid():
        chosen = [m.user for m in members if str(m.user.pk) in form.cleaned_data["surveyors"]]
        chosen += [
            m.user for m in row.surveyors if not m.user.is_active
        ]  # inactive ones are not on the form
        services.village_surveyors_assign(actor=request.user, village=village, users=chosen)
        messages.success(
            request,
            _("Surveyors of %(village)s saved. The phones follow at their next sync.")
            % {"village": village.name},
        )
        return redirect("team-area", code=commune.code)
    return render(request, "accounts/village.html", {"commune": commune, "row": row, "form": form})


# --- login cards ------------------------------------------------------------------------


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(border=4, omitsize=True)


@manager_page
@require_http_methods(["GET", "POST"])
def login_cards(request, commune: Area):
    _commune_only(commune)
    if request.method == "POST":
        count = services.first_passwords_forget(actor=request.user, commune=commune)
        messages.success(request, _("%(n)d first passwords forgotten.") % {"n": count})
        return redirect("team-area", code=commune.code)
    services.first_passwords_purge()
    app_url = request.build_absolute_uri("/")
    cards = selectors.login_cards(viewer=request.user, commune=commune)
    response = render(
        request,
        "accounts/cards.html",
        {"commune": commune, "cards": cards, "app_url": app_url, "qr": _qr_svg(app_url)},
    )
    response["Cache-Control"] = "no-store"  # passwords: never from a cache
    return response


# --- audit ----------------------------------------------------------------------------------


@manager_page
@require_GET
def history(request, area: Area):
    events = selectors.events_for_area(user=request.user, area=area)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "accounts/history.html", {"area": area, "page": page})


# --- Excel import -------------------------------------------------------------------------


@manager_page
@require_GET
def import_template(request, area: Area):
    response = HttpResponse(
        imports.template_workbook(area=area),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="dieu-tra-vien-{area.code}.xlsx"'
    return response


@manager_page
@require_http_methods(["GET", "POST"])
def import_upload(request, area: Area):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = imports.import_check(
                actor=request.user, area=area, filename=upload.name, data=upload.read()
            )
        except ValidationFailed as error:
            for message in error.errors.get("file", [error.message]):
                form.add_error("file", message)
        else:
            return redirect("team-import-job", code=area.code, job_id=job.pk)
    return render(
        request,
        "accounts/import.html",
        {"area": area, "form": form},
        status=400 if form.errors else 200,
    )


@manager_page
@require_http_methods(["GET", "POST"])
def import_job(request, area: Area, job_id: int):
    try:
        job = selectors.import_job(user=request.user, job_id=job_id)
    except NotFound:
        raise Http404 from None
    if request.method == "POST":
        try:
            imports.import_confirm(actor=request.user, job=job)
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("team-import-job", code=area.code, job_id=job.pk)
    if (
        job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
        and job.created_at < timezone.now() - STALE_AFTER
    ):
        imports.import_fail(job_id=job.pk, message="stalled")
        job.refresh_from_db()
    problems = [r for r in job.report if r["problems"]]
    context = {
        "area": area,
        "job": job,
        "problems": problems,
        "report": job.report,
        "working": job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
    }
    return render(request, "accounts/import_job.html", context)


# --- one's own password -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    must = selectors.must_change_password(user=request.user)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        services.password_changed(user=user)
        request.session[SESSION_FLAG] = True
        messages.success(request, _("Your password was changed."))
        return redirect(next_url or reverse("home"))
    return render(
        request, "accounts/password_change.html", {"form": form, "must": must, "next": next_url}
    )
