"""Sign-in throttling (django-axes): too many wrong passwords for one username from one
address lock that pair out for a while (docs/security.md "Lockout").

Every sign-in path goes through ``django.contrib.auth.authenticate(request, ...)``:
the sign-in page, the admin, the field app's session endpoint and the API token
endpoint, so axes counts failures on all of them.
"""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check, skipped when there is no request (management commands, scripts:
    not a sign-in from the network)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def cooloff_minutes() -> int:
    cooloff = settings.AXES_COOLOFF_TIME
    return max(1, int(cooloff.total_seconds() // 60))


def lockout_message() -> str:
    return _(
        "Too many wrong passwords: this account is locked on this device for %(minutes)d minutes. "
        "Wait, or ask your officer or the city staff to unlock it."
    ) % {"minutes": cooloff_minutes()}


def wants_json(request) -> bool:
    path = request.path or ""
    accept = request.headers.get("Accept", "")
    content_type = request.headers.get("Content-Type", "")
    return (
        path.startswith("/api/")
        or path.startswith("/field/")
        or "application/json" in accept
        or "application/json" in content_type
    )


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: 429 with the Vietnamese message (JSON for the API and the app)."""
    message = lockout_message()
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if wants_json(request):
        response = JsonResponse(
            {"message": message, "errors": {"username": [message]}},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = render(request, "accounts/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = retry_after
    return response
