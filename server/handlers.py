"""Error pages that answer the API in its own shape (``{"message", "errors"}``), pages in HTML.

A URL under /api/ that matches no route, a server error, or a CSRF refusal outside DRF would
otherwise answer HTML to a JSON client (found by the API fuzzing test, docs/security.md).
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/field/session")


def _json(message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"message": message, "errors": {}}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def page_not_found(request, exception=None, template_name="404.html"):
    if _wants_json(request):
        return _json(_("Not found."), 404)
    return defaults.page_not_found(request, exception, template_name=template_name)


def server_error(request, template_name="500.html"):
    if _wants_json(request):
        return _json(_("Server error: the problem was logged; try again later."), 500)
    return defaults.server_error(request, template_name=template_name)


def bad_request(request, exception=None, template_name="400.html"):
    if _wants_json(request):
        return _json(_("The request is invalid."), 400)
    return defaults.bad_request(request, exception, template_name=template_name)


def permission_denied(request, exception=None, template_name="403.html"):
    if _wants_json(request):
        return _json(_("You do not have permission to do this."), 403)
    return defaults.permission_denied(request, exception, template_name=template_name)


def csrf_failure(request, reason="", template_name="403_csrf.html"):
    if _wants_json(request):
        return _json(_("CSRF check failed: reload the page and try again."), 403)
    return django_csrf_failure(request, reason=reason, template_name=template_name)
