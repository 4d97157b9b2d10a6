"""First sign-in: a user whose password someone else chose must choose their own before anything else.

Browser pages redirect to the password change page; API calls (the field app's
sync, with the session) get a 403 JSON message saying so. Token clients meet the
same 403 from ``accounts.permissions.PasswordChanged`` (DRF authenticates tokens
after middleware). See docs/accounts.md.
"""

from urllib.parse import quote

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.permissions import password_change_message
from accounts.selectors import must_change_password

# What such a user may still reach: signing in and out, the change page itself,
# static files, the language switch, and the field app's shell and session (it shows the 403 message).
OPEN_PREFIXES = (
    "/account/password/",
    "/login/",
    "/logout/",
    "/i18n/",
    "/static/",
    "/media/",
    "/healthz",
    "/field/",
    "/serviceworker.js",
    "/manifest.json",
)
SESSION_FLAG = "pcgd_password_ok"


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_change(request):
            if request.path_info.startswith("/api/"):
                return JsonResponse(
                    {"message": password_change_message(request), "errors": {}}, status=403
                )
            return redirect(
                f"{reverse('accounts-password-change')}?next={quote(request.get_full_path())}"
            )
        return self.get_response(request)

    def _must_change(self, request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path_info.startswith(OPEN_PREFIXES):
            return False
        if request.session.get(SESSION_FLAG):
            # Set only after a check; the flag is raised again only by a reset, which ends the session.
            return False
        if must_change_password(user=user):
            return True
        request.session[SESSION_FLAG] = True
        return False
