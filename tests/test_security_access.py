"""Access hardening (docs/security.md): sign-in lockout on every sign-in path, the password
policy, idle-session expiry, CSRF on unsafe requests (sync included), the CSP header and the
production settings (``check --deploy`` under docker-compose.yml's environment)."""

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts.passwords import password_generate
from tests.factories import make_user

ROOT = Path(settings.BASE_DIR)
PASSWORD = "mật-khẩu-thử-123"
LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture
def staff(city):
    return make_user("so", "city_staff", city.city, password=PASSWORD)


def wrong_login(client, username="so", ip="10.0.0.7"):
    return client.post(
        "/login/", {"username": username, "password": "sai-mat-khau"}, REMOTE_ADDR=ip
    )


# --- Lockout -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sign_in_page_locks_a_username_and_address_after_the_limit(staff):
    client = Client()
    for _ in range(LIMIT - 1):
        assert wrong_login(client).status_code == 200  # the form again, with its error
    response = wrong_login(client)
    assert response.status_code == 429 and response["Retry-After"] == str(
        settings.AXES_COOLOFF_TIME.seconds
    )
    assert "Đăng nhập sai quá nhiều lần" in response.content.decode()
    # The right password is refused too while locked...
    response = client.post(
        "/login/", {"username": "so", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    # ... but only for this username from this address: a colleague behind the same address is not locked.
    other = Client()
    response = other.post(
        "/login/", {"username": "so", "password": PASSWORD}, REMOTE_ADDR="10.0.0.8"
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count(staff):
    client = Client()
    for _ in range(LIMIT - 1):
        wrong_login(client)
    assert (
        client.post(
            "/login/", {"username": "so", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
        ).status_code
        == 302
    )
    client.logout()
    for _ in range(LIMIT - 1):
        assert wrong_login(client).status_code == 200


@pytest.mark.django_db
def test_the_token_endpoint_is_locked_out_too_with_a_json_message(staff):
    client = Client()
    for _ in range(LIMIT - 1):
        response = client.post(
            "/api/auth/token/", {"username": "so", "password": "x"}, REMOTE_ADDR="10.0.0.9"
        )
        assert response.status_code == 400 and response.json()["message"]
    response = client.post(
        "/api/auth/token/", {"username": "so", "password": "x"}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in response.json()["message"]
    response = client.post(
        "/api/auth/token/", {"username": "so", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429 and "token" not in response.json()


@pytest.mark.django_db
def test_the_field_app_sign_in_is_locked_out_with_json(staff):
    client = Client()
    body = json.dumps({"username": "so", "password": "x"})
    for _ in range(LIMIT):
        response = client.post(
            "/field/session", body, content_type="application/json", REMOTE_ADDR="10.0.1.1"
        )
    assert (
        response.status_code == 429 and "Đăng nhập sai quá nhiều lần" in response.json()["message"]
    )


@pytest.mark.django_db
def test_the_admin_sign_in_is_locked_out_and_an_admin_can_unlock(staff):
    from axes.models import AccessAttempt

    client = Client()
    for _ in range(LIMIT):
        response = client.post(
            "/admin/login/", {"username": "so", "password": "x"}, REMOTE_ADDR="10.0.2.2"
        )
    assert response.status_code == 429
    # Unlock: an administrator deletes the attempt in the admin (Axes › Access attempts).
    root = make_superuser()
    admin = Client()
    admin.force_login(root)
    attempt = AccessAttempt.objects.get(username="so")
    page = admin.get(f"/admin/axes/accessattempt/{attempt.pk}/delete/")
    assert page.status_code == 200
    assert (
        admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}).status_code
        == 302
    )
    response = client.post(
        "/login/", {"username": "so", "password": PASSWORD}, REMOTE_ADDR="10.0.2.2"
    )
    assert response.status_code == 302


def make_superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", password="mật-khẩu-gốc-123")


# --- Password policy ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password",
    [
        "ngan-123",
        "password123",
        "12345678901234",
        "nguyenvannam1",
    ],  # short, common, numeric, like the name
)
def test_weak_passwords_are_refused(password):
    from django.contrib.auth import get_user_model

    user = get_user_model()(username="nguyenvannam", first_name="Nam", last_name="Nguyễn Văn")
    with pytest.raises(ValidationError):
        validate_password(password, user=user)


@pytest.mark.django_db
def test_generated_first_passwords_pass_the_policy():
    for _ in range(20):
        validate_password(password_generate())


# --- Idle sessions --------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_active_session_is_extended_and_an_idle_one_expires(staff):
    client = Client()
    assert client.post("/login/", {"username": "so", "password": PASSWORD}).status_code == 302
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + dt.timedelta(seconds=60))
    assert client.get("/").status_code == 200  # a request saves the session: the clock restarts
    expires = Session.objects.get(pk=key).expire_date
    assert expires > timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    Session.objects.filter(pk=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )  # idle too long
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/api/me/").status_code in (401, 403)


def test_the_idle_timeout_is_eight_hours_by_default():
    assert settings.SESSION_SAVE_EVERY_REQUEST is True and settings.SESSION_COOKIE_AGE == 8 * 3600


# --- CSRF -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_session_sync_push_without_the_csrf_token_is_refused_with_json(surveyor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(surveyor)
    client.get("/field/session")  # sets the CSRF cookie, as the app does
    body = json.dumps({"device": "3f1c2b9e-52c4-4b7a-9d0e-6f1e2a3b4c5d", "ops": []})
    response = client.post("/api/sync/push", body, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/sync/push", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_a_session_page_post_without_the_csrf_token_is_refused(staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.post("/logout/").status_code == 403


def test_the_field_app_sends_the_csrf_header_on_every_unsafe_request():
    api = (ROOT / "field" / "static" / "field" / "api.js").read_text(encoding="utf-8")
    assert 'if (method !== "GET") headers["X-CSRFToken"] = csrfToken();' in api


# --- Content-Security-Policy ------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_carry_a_strict_csp(staff):
    client = Client()
    client.force_login(staff)
    for url in ("/", "/login/", "/field/", "/audit/", "/api/docs/"):
        client.logout() if url == "/login/" else None
        response = client.get(url)
        policy = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in policy, url
        script = re.search(r"script-src ([^;]+)", policy).group(1)
        assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        client.force_login(staff)


@pytest.mark.django_db
def test_the_api_docs_page_has_no_inline_script_and_its_style_has_the_nonce(staff):
    client = Client()
    response = client.get("/api/docs/")
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert client.get("/api/docs/?script=").status_code == 200


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
JS_URL = re.compile(r"javascript:", re.I)


def our_templates():
    for path in ROOT.glob("*/templates/**/*.html"):
        if ".venv" not in path.parts:
            yield path


def test_no_template_of_ours_has_inline_script_handler_or_style_attribute():
    offenders = []
    for path in our_templates():
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, STYLE_ATTRIBUTE, JS_URL):
            for match in pattern.finditer(text):
                if "nonce=" in text[match.start() : match.start() + 200]:
                    continue
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0).strip()}")
    assert offenders == [], "CSP: move these into a static .js/.css file (docs/security.md)"


# --- Production settings ------------------------------------------------------------------------


def compose_environment() -> dict:
    """The web containers' environment from docker-compose.yml, ${VAR:-default} resolved,
    required ${VAR:?…} given example values as an operator would in .env."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    env = compose["x-app"]["environment"]
    required = {
        "POSTGRES_PASSWORD": "pgpassword123", "SECRET_KEY": "s" * 20 + "e-cret-key-for-the-check-only-" + "z" * 20,
        "ALLOWED_HOSTS": "pcgd.example.vn",
    }  # fmt: skip

    def resolve(value: str) -> str:
        def one(match):
            name, op, rest = match.group(1), match.group(2), match.group(3)
            if op == ":-":
                return os.environ.get("PCGD_NEVER_SET", rest)
            return required[name]

        return re.sub(r"\$\{([A-Z_]+)(?:(:-|:\?)([^}]*))?\}", one, str(value))

    return {key: resolve(value) for key, value in env.items()}


def test_check_deploy_is_clean_under_the_compose_environment():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
    }
    env.update(compose_environment())
    env.update({"DJANGO_SETTINGS_MODULE": "server.settings", "PCGD_TESTING": "0"})
    assert env["DEBUG"] == "0" and env["SECURE_HSTS_SECONDS"] == "31536000"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_turn_on_hsts_and_secure_cookies():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY)"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
    }
    env.update(
        {"DJANGO_SETTINGS_MODULE": "server.settings", "PCGD_TESTING": "0", "SECRET_KEY": "k" * 50}
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["31536000", "True", "True", "True"]
