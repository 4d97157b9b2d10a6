from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

COMMITTED = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.yaml"


def test_the_committed_openapi_schema_is_current():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert out.getvalue() == COMMITTED.read_text(encoding="utf-8"), (
        "run `make schema` and commit docs/api/openapi.yaml"
    )


def test_the_schema_documents_every_api_path():
    text = COMMITTED.read_text(encoding="utf-8")
    for path in [
        "/api/households/:",
        "/api/households/{household_id}/:",
        "/api/auth/token/:",
        "/api/areas/:",
        "/api/me/:",
    ]:
        assert f"\n  {path}" in text
