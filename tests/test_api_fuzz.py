"""The API fuzzed against the committed OpenAPI schema (docs/api/openapi.yaml) with schemathesis,
in-process (Django's WSGI handler, no server), as city staff of a small fixture city.

Bounded for CI (a few examples per operation, no deadline): every answer must be below 500, and
every 4xx must be a JSON body with a ``message`` (server/errors.py). Schema conformance of the
responses is left to server/tests/test_schema.py; this test looks for crashes and bare errors.
"""

from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token

from tests.factories import make_household, make_user

SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.yaml"
schema = schemathesis.openapi.from_path(SCHEMA_PATH)
MAX_EXAMPLES = 3  # per operation: ~35 s of CPU for the 34 operations (more on a busy machine)


class InProcess:
    """Django's WSGI handler without closing the test's database connection after each request
    (what django.test.Client does too): the fuzzed requests run inside the test transaction."""

    def __init__(self):
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            body = b"".join(response)
            response.close()
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)
        return [body]


@pytest.fixture
def staff_token(city):
    make_household(city.village_a1, "T01-001")
    make_household(city.village_b1, "T01-002")
    staff = make_user("fuzz-staff", "city_staff", city.city)
    return Token.objects.create(user=staff).key


APP = InProcess()


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_no_server_error_and_every_error_has_a_message(case, staff_token):
    response = case.call(
        app=APP, headers={"Authorization": f"Token {staff_token}", "Host": "127.0.0.1"}
    )
    where = f"{case.method} {case.formatted_path} -> {response.status_code}"
    assert response.status_code < 500, f"{where}: {response.text[:500]}"
    if 400 <= response.status_code < 500:
        try:
            body = response.json()
        except ValueError:
            pytest.fail(f"{where}: not JSON: {response.text[:200]}")
        message = body.get("message") if isinstance(body, dict) else None
        assert isinstance(message, str) and message, f"{where}: no message: {response.text[:300]}"
