"""Domain errors and the one DRF exception handler.

Every error leaves the API as ``{"message": "…", "errors": {"field": ["…"]}}``.
"""

import logging
import random

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """An error a service raises; the API turns it into a response."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_message = gettext_lazy("The request is invalid.")

    def __init__(self, message: str | None = None, errors: dict | None = None):
        self.message = str(message or self.default_message)
        self.errors = errors or {}
        super().__init__(self.message)


class ValidationFailed(DomainError):
    default_message = gettext_lazy("Some fields are invalid.")


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    default_message = gettext_lazy("Not found.")


class Forbidden(DomainError):
    """The user may see the record but not do this to it (a 403; out of scope is ``NotFound``)."""

    status_code = status.HTTP_403_FORBIDDEN
    default_message = gettext_lazy("You are not allowed to do this.")


class VersionConflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    default_message = gettext_lazy(
        "The record was changed by someone else; reload it and try again."
    )


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {key: _field_errors(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [str(item) for item in detail]
        return [_field_errors(item) for item in detail]
    return [str(detail)]


def database_unavailable() -> Response:
    """503 with a Retry-After (jittered): the database cannot be reached (restarting, failing over).
    The client sends the request again; a sync push is idempotent (docs/reliability.md)."""
    message = _("The database is unavailable for a moment; nothing was lost, try again shortly.")
    response = Response(
        {"message": message, "errors": {}}, status=status.HTTP_503_SERVICE_UNAVAILABLE
    )
    response["Retry-After"] = str(random.randint(2, 10))  # noqa: S311 - jitter, not security
    return response


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"message": exc.message, "errors": exc.errors}, status=exc.status_code)
    if isinstance(exc, OperationalError | InterfaceError):
        logger.warning("database unavailable: %s", exc.__class__.__name__, exc_info=True)
        return database_unavailable()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        if not isinstance(errors, dict):
            errors = {"non_field_errors": errors}
        response.data = {"message": str(ValidationFailed.default_message), "errors": errors}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        response.data = {"message": str(detail), "errors": {}}
    return response
