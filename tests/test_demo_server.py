"""`make demo` end to end: migrate SQLite, load the demo city, serve it with a real
ASGI server (daphne) and use it over HTTP like a browser and an API client."""

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(*args, env) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    database = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    env = {
        k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL", "SECRET_KEY"}
    }
    env.update({"DEBUG": "1", "PCGD_TESTING": "0", "DATABASE_URL": f"sqlite:///{database}"})
    manage("migrate", "--noinput", env=env)
    output = manage("demo", "--communes", "2", "--households", "30", env=env)
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "server.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)  # noqa: S310
            break
        except (urllib.error.URLError, ConnectionError):
            assert server.poll() is None, server.stderr.read().decode()
            assert time.monotonic() < deadline, "daphne did not start in 30 s"
            time.sleep(0.2)
    yield base, output
    server.terminate()
    server.wait(timeout=10)


def test_demo_prints_one_account_per_role(demo):
    _base, output = demo
    for username in ["admin", "thanhpho", "quanhuyen", "xa", "dieutra"]:
        assert re.search(rf"^\s+{username}\s", output, re.MULTILINE), output
    assert "pcgd-demo-2026" in output


def test_the_login_page_and_its_styles_are_served(demo):
    base, _output = demo
    page = urllib.request.urlopen(f"{base}/login/").read().decode()  # noqa: S310
    assert "Đăng nhập" in page
    css = urllib.request.urlopen(f"{base}/static/server/site.css")  # noqa: S310
    assert css.status == 200 and b"--blue" in css.read()


def test_a_surveyor_signs_in_with_the_browser_flow(demo):
    base, _output = demo
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/login/")
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"username": "dieutra", "password": "pcgd-demo-2026", "csrfmiddlewaretoken": csrf}
    )
    request = urllib.request.Request(
        f"{base}/login/", data=form.encode(), headers={"Referer": f"{base}/login/"}
    )
    home = opener.open(request).read().decode()
    assert "Điều tra viên" in home


def test_an_api_client_reads_the_surveyors_households(demo):
    base, _output = demo
    body = json.dumps({"username": "dieutra", "password": "pcgd-demo-2026"}).encode()
    request = urllib.request.Request(
        f"{base}/api/auth/token/", data=body, headers={"Content-Type": "application/json"}
    )
    token = json.load(urllib.request.urlopen(request))["token"]  # noqa: S310
    request = urllib.request.Request(
        f"{base}/api/households/?page_size=5", headers={"Authorization": f"Token {token}"}
    )
    page = json.load(urllib.request.urlopen(request))  # noqa: S310
    assert page["count"] > 0 and len(page["results"]) == 5
    villages = {h["village"] for h in page["results"]}
    me = urllib.request.Request(f"{base}/api/me/", headers={"Authorization": f"Token {token}"})
    assigned = {m["area"] for m in json.load(urllib.request.urlopen(me))["memberships"]}  # noqa: S310
    assert villages <= assigned
