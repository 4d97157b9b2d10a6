"""A real ASGI server (daphne) in a subprocess, for the browser tests and bench/pwa.py.

pytest-django's live_server is WSGI only; the field app talks to the same ASGI
application production runs. The server uses the database named by ``database_url``
(a temporary SQLite file, or a separate PostgreSQL database), serves static files
through WhiteNoise's finders (PCGD_TESTING) and can be restarted on the same port,
so the browser sees one origin (its service worker and IndexedDB survive) across
"deploys" (a new FIELD_APP_RELEASE).
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    return os.environ.get("PCGD_CHROMIUM") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scratch_database(tmp_dir: Path) -> tuple[str, callable]:
    """A database URL of its own (SQLite file, or a new PostgreSQL database when DATABASE_URL is
    PostgreSQL), and a function that drops it."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://", "pgsql://")):
        path = tmp_dir / "browser.sqlite3"
        return f"sqlite:///{path}", lambda: None
    import psycopg

    prefix, _, _name = base.rpartition("/")
    name = f"pcgd_browser_{os.getpid()}_{int(time.time())}"
    admin = f"{prefix}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{prefix}/{name}", drop


class LiveServer:
    def __init__(
        self,
        *,
        database_url: str,
        media_root: Path,
        port: int | None = None,
        env: dict | None = None,
    ):
        self.database_url = database_url
        self.media_root = media_root
        self.port = port or free_port()
        self.extra_env = dict(env or {})
        self.process: subprocess.Popen | None = None
        self.log_path = media_root.parent / f"daphne-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        env.update(
            DATABASE_URL=self.database_url,
            PCGD_TESTING="1",
            DEBUG="0",
            MEDIA_ROOT=str(self.media_root),
            CHANNEL_LAYER_PREFIX=f"pcgd-browser-{self.port}",
            PYTHONUNBUFFERED="1",
            LOG_LEVEL="WARNING",
            SYNC_RATE="100000/min",
        )
        env.update(self.extra_env)
        return env

    def migrate(self) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.env(),
            check=True,
        )

    def start(self, **env) -> "LiveServer":
        self.extra_env.update(env)
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the process's life
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "server.asgi:application",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited: see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/field/sw-version.js", timeout=2) as reply:  # noqa: S310
                    if reply.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise RuntimeError(f"daphne did not answer within 30 s: see {self.log_path}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def restart(self, **env) -> "LiveServer":
        self.stop()
        return self.start(**env)
