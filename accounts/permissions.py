"""DRF policy: token clients whose password must be changed get a clear 403.

Imported by DRF's settings while rest_framework.views loads: keep module-level
imports to Django and DRF basics (no server.errors, no models).
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission


def password_change_message(request) -> str:
    url = request.build_absolute_uri(reverse("accounts-password-change"))
    return _(
        "Change your password first: open %(url)s in the browser, sign in and choose a new password."
    ) % {"url": url}


class PasswordChanged(BasePermission):
    """Refuses every API call of a user who still has a password someone else chose."""

    def has_permission(self, request, view) -> bool:
        from accounts.selectors import must_change_password

        if must_change_password(user=request.user):
            raise PermissionDenied(
                password_change_message(request), code="password_change_required"
            )
        return True
