"""Root test configuration: shared fixtures."""

from pathlib import Path

import pytest

BROWSER_TESTS = Path(__file__).resolve().parent / "tests" / "browser"
FAULTS_TESTS = Path(__file__).resolve().parent / "tests" / "faults"


def pytest_ignore_collect(collection_path, config):
    """Browser tests run in their own pytest invocation (``pytest tests/browser``, as
    ``make test`` does): Playwright's event loop and the async tests cannot share one.
    So do the fault tests (``pytest tests/faults``, ``make test-faults``): they kill and
    restart servers of their own (docs/reliability.md)."""
    for own in (BROWSER_TESTS, FAULTS_TESTS):
        if collection_path == own:
            asked = [Path(arg.split("::")[0]).resolve() for arg in config.args]
            return not any(path == own or own in path.parents for path in asked)
    return None


@pytest.fixture
def city(db):
    from tests.factories import make_city

    return make_city()


@pytest.fixture
def surveyor(city):
    """The surveyor of village A1."""
    from tests.factories import make_user

    return make_user("gv", "surveyor", city.village_a1)


@pytest.fixture
def phone(surveyor):
    """The surveyor's phone as an API client."""
    from tests.factories import api_client

    return api_client(surveyor)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: rate-limit counters and shared snapshots never leak between tests."""
    from django.core.cache import cache

    try:
        cache.clear()
    except Exception:  # noqa: BLE001, S110 - a test about a cache outage must still run
        pass
    yield
