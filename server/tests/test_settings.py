"""The settings module reads the environment and fails loudly on bad values."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

CLEAN = {
    k: v
    for k, v in os.environ.items()
    if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
}


def load_settings(**env) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.DEBUG, s.SESSION_COOKIE_SECURE, s.CHANNEL_LAYERS['default']['BACKEND'])"
    )
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": "server.settings", "PCGD_TESTING": "0", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_embedded_defaults_need_only_debug():
    result = load_settings(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "False",
        "channels.layers.InMemoryChannelLayer",
    ]


def test_production_needs_a_secret_key():
    result = load_settings(DEBUG="0")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_production_settings_are_safe():
    result = load_settings(
        DEBUG="0",
        SECRET_KEY="k" * 50,
        DATABASE_URL="postgres://u:p@db:5432/pcgd",
        REDIS_URL="redis://redis:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "False",
        "True",
        "channels_redis.core.RedisChannelLayer",
    ]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DEBUG": "1", "DATABASE_URL": "mysql://x/y"}, "DATABASE_URL='mysql://x/y'"),
        ({"DEBUG": "1", "DATABASE_URL": "postgres://u@h:5432/"}, "names no database"),
        ({"DEBUG": "1", "REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379'"),
        (
            {"DEBUG": "1", "SESSION_COOKIE_AGE": "soon"},
            "SESSION_COOKIE_AGE='soon' is not an integer",
        ),
        ({"DEBUG": "0", "SECRET_KEY": "short"}, "at least 32 characters"),
    ],
)
def test_a_bad_value_is_a_loud_error(env, message):
    result = load_settings(**env)
    assert result.returncode != 0 and message in result.stderr


def test_sqlite_urls_are_accepted(tmp_path):
    result = load_settings(DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3")
    assert result.returncode == 0 and result.stdout.startswith("django.db.backends.sqlite3")
