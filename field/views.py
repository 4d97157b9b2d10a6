"""Pages of the field app: the shell, the service worker's version, the text catalogues, the session."""

import hashlib
import json

from django.contrib.auth import authenticate, login, logout
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods

from areas.access import user_memberships
from field import selectors, shell
from surveys.selectors import round_current


def _etagged(
    request, body: bytes, content_type: str, *, cache_control: str = "no-cache"
) -> HttpResponse:
    """A response the browser may keep but must revalidate (304 when unchanged)."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return response


@require_GET
def app_shell(request):
    """The one page of the app; everything else is drawn by the ES modules (offline too)."""
    return _etagged(request, shell.shell_page(), "text/html; charset=utf-8")


@require_GET
def sw_version(request):
    """Imported by /serviceworker.js: a new version here is a new service worker."""
    body = (
        "self.FIELD_SHELL = "
        + json.dumps({"version": shell.shell_version(), "files": shell.shell_urls()})
        + ";\n"
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    return response


@require_GET
def i18n_catalog(request, lang: str):
    if lang not in shell.LANGUAGES:
        raise Http404
    return _etagged(request, shell.catalog_json(lang), "application/json; charset=utf-8")


def _user_payload(user) -> dict | None:
    if not user.is_authenticated:
        return None
    return {
        "username": user.username,
        "full_name": f"{user.last_name} {user.first_name}".strip(),
        "memberships": [
            {
                "role": m.role,
                "area": m.area.code,
                "area_name": m.area.name,
                "area_kind": m.area.kind,
            }
            for m in user_memberships(user=user)
        ],
        "villages": selectors.villages_for(user=user),
    }


def _session_reply(request) -> JsonResponse:
    return JsonResponse(
        {"user": _user_payload(request.user), "round": round_current()},
        json_dumps_params={"ensure_ascii": False},
    )


@never_cache
@ensure_csrf_cookie
@csrf_protect
@require_http_methods(["GET", "POST", "DELETE"])
def session(request):
    """GET: who is signed in (and a CSRF cookie); POST {username, password}: sign in; DELETE: sign out."""
    if request.method == "GET":
        return _session_reply(request)
    if request.method == "DELETE":
        logout(request)
        return _session_reply(request)
    try:
        body = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("username"), str)
        or not isinstance(body.get("password"), str)
    ):
        return JsonResponse(
            {
                "message": _("Some fields are invalid."),
                "errors": {"username": [_("This field is required.")]},
            },
            status=400,
        )
    user = authenticate(request, username=body["username"].strip(), password=body["password"])
    if user is None:
        message = _("Wrong username or password.")
        return JsonResponse(
            {"message": message, "errors": {"non_field_errors": [message]}}, status=400
        )
    login(request, user)
    return _session_reply(request)
