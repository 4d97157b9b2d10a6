"""Browser tests: real Chromium (Debian's package) through Playwright, against daphne.

Run apart from the rest of the suite (``make test`` does: ``pytest tests/browser``):
the sync Playwright API keeps an event loop running, which the async tests of the
main suite cannot share. The server runs in a subprocess on a scratch database that
this process seeds and inspects (pytest-django's ``transactional_db``: real commits,
flushed after each test).
"""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Django calls beside Playwright's loop

from tests.browser.live import CHROMIUM_ARGS, LiveServer, chromium_path, scratch_database  # noqa: E402

VIEWPORT = {"width": 360, "height": 640}
PASSWORD = "mật-khẩu-thử-123"


def pytest_configure(config):
    path = Path(chromium_path())
    if not path.exists():
        raise pytest.UsageError(
            f"Chromium not found at {path}: the browser tests need Debian's chromium "
            "(apt-get install chromium) or PCGD_CHROMIUM=/path/to/chromium."
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker, tmp_path_factory):
    """One scratch database shared by this process and the server subprocess."""
    import dj_database_url
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from server.celery import app as celery_app

    celery_app.conf.task_always_eager = (
        True  # after-commit jobs run here, not on a queue nobody reads
    )
    tmp = tmp_path_factory.mktemp("browser")
    url, drop = scratch_database(tmp)
    name = dj_database_url.parse(url)["NAME"]
    settings.DATABASES["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name
    connections["default"].close()
    with django_db_blocker.unblock():
        call_command("migrate", verbosity=0, interactive=False)
    yield url
    with django_db_blocker.unblock():
        connections.close_all()
    drop()


@pytest.fixture(scope="session")
def live(django_db_setup, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    server = LiveServer(
        database_url=django_db_setup, media_root=media, env={"CELERY_TASK_ALWAYS_EAGER": "1"}
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def base_url(live):
    return live.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": chromium_path(),
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live):
    return {
        **browser_context_args,
        "base_url": live.url,
        "viewport": VIEWPORT,
        "locale": "vi-VN",
        "timezone_id": "Asia/Ho_Chi_Minh",
        "service_workers": "allow",
    }


@pytest.fixture
def persistent(playwright, live, tmp_path, browser_context_args):
    """Open (and reopen) a browser profile on disk: what a phone keeps between days."""
    opened = []
    profile = tmp_path / "profile"

    def open_profile():
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium_path(),
            args=CHROMIUM_ARGS,
            headless=True,
            **browser_context_args,
        )
        opened.append(context)
        return context

    yield open_profile
    for context in opened:
        try:
            context.close()
        except PlaywrightError:  # already closed by the test
            continue


def seed(fn, *args, **kwargs):
    """Run a factory outside Playwright's event loop (its after-commit events use async_to_sync)."""
    from django.db import connections

    def work():
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


@pytest.fixture(autouse=True)
def _database_outlives_the_browser(transactional_db):
    """Set up first, torn down last: the database is flushed after the test's browser
    contexts are closed, not under a page that is still syncing."""


@pytest.fixture
def city(transactional_db):
    """The test city, with round 2025 open (the round the app works in, whatever today's date)."""
    from surveys.services import round_ensure
    from tests.factories import ROUND, make_city

    seed(round_ensure, year=ROUND)
    return seed(make_city)


@pytest.fixture
def surveyor(city):
    from tests.factories import make_user

    return seed(make_user, "gv", "surveyor", city.village_a1, password=PASSWORD)


@pytest.fixture(autouse=True)
def browser_log(request):
    """Print the pages' errors and console errors (shown when a test fails)."""

    def attach(context):
        context.on("weberror", lambda error: print(f"[page error] {error.error}"))  # noqa: T201
        context.on(
            "console",
            lambda msg: (
                msg.type in ("error", "warning") and print(f"[console {msg.type}] {msg.text}")  # noqa: T201
            ),
        )

    if "context" in request.fixturenames:
        attach(request.getfixturevalue("context"))
    yield attach
