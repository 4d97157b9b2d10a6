"""Private processes for the fault tests: a daphne server, a Redis server, a PostgreSQL cluster.

Each runs on a free port of 127.0.0.1 in a process group of its own, so a test can kill
it (SIGKILL) and start it again on the same port without touching the shared services
(the PostgreSQL and Redis of the machine or of CI). Everything is stopped by the
fixture that started it, by process id.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PCGD_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, *, seconds: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what}: not within {seconds:.0f} s")


def _kill_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


# --- PostgreSQL ------------------------------------------------------------------------


def postgres_server_url() -> str | None:
    """``postgres://user@host:port`` of DATABASE_URL when it names PostgreSQL, else None."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return None
    return url.rsplit("/", 1)[0]


def create_database(server: str, name: str) -> str:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_env(database_url: str, redis_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of the app's processes: DEBUG on (no SECRET_KEY, static files from
    the apps), production engines, Celery on the broker (not eager) when Redis is given."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST_")
        and k
        not in (
            "DJANGO_SETTINGS_MODULE",
            "PCGD_TESTING",
            "REDIS_URL",
            "CELERY_TASK_ALWAYS_EAGER",
            "DEDUP_ON_CHANGE",
        )
    }
    env.update(
        DATABASE_URL=database_url,
        DEBUG="1",
        PCGD_TESTING="0",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
        SYNC_RATE="100000/min",
        DJANGO_SETTINGS_MODULE="server.settings",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
        env["CHANNEL_LAYER_PREFIX"] = f"pcgd-faults-{os.getpid()}"
    env.update(extra)
    return env


def manage(env: dict, *argv: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "manage.py", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(argv)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        )
    return done.stdout


def seed(env: dict) -> dict:
    """Migrate the database and make the test city, a surveyor with a token and a city-staff
    session (tests/faults/seed.py); returns what the clients need."""
    manage(env, "migrate", "--noinput", "-v", "0")
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tests.faults.seed"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class PgCluster:
    """A private PostgreSQL cluster (initdb into a temporary directory, owned by the
    ``postgres`` user), on a free port: restarting it disturbs nobody else."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.data = directory / "data"
        self.port = free_port()
        self.log = directory / "postgres.log"

    @property
    def server(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def _as_postgres(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *argv], capture_output=True, text=True, check=check)  # noqa: S603

    def init(self) -> "PgCluster":
        self.dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(self.dir, 0o700)
        self._as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        conf = (
            f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.dir}'\n"
            "fsync = off\nmax_connections = 60\n"
        )
        # fsync off: the operating system does not crash in these tests, only PostgreSQL does.
        # synchronous_commit stays on: with it off, a crash loses commits already answered.
        self._as_postgres("sh", "-c", f"cat >> '{self.data}/postgresql.conf' <<'EOF'{conf}EOF\n")
        return self

    def start(self) -> None:
        self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-m",
            mode,
            "-w",
            "-t",
            "30",
            "stop",
            check=False,
        )

    def restart(self) -> None:
        self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-m",
            "fast",
            "-w",
            "-t",
            "30",
            "restart",
        )

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


# --- Redis ------------------------------------------------------------------------------


class RedisServer:
    """A private redis-server (no persistence) on a free port; down() kills it, up() brings it back
    on the same port."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def up(self) -> "RedisServer":
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server") or "/usr/bin/redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self.answers, seconds=10, what=f"redis-server on port {self.port}")
        return self

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def down(self) -> None:
        if self.proc and self.proc.poll() is None:
            _kill_group(self.proc, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None


# --- the ASGI server -----------------------------------------------------------------------


class Daphne:
    """The app under daphne on a fixed free port; kill() is SIGKILL, start() again reuses the port."""

    def __init__(self, env: dict, log: Path):
        self.env = env
        self.port = free_port()
        self.log_path = log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, wait: bool = True) -> "Daphne":
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603
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
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if wait:
            wait_until(
                self.answers, seconds=30, what=f"daphne on port {self.port} (log {self.log_path})"
            )
        return self

    def answers(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"daphne exited with {self.proc.returncode}: see {self.log_path}")
        try:
            with urllib.request.urlopen(f"{self.url}/api/auth/token/", timeout=2):  # noqa: S310 - loopback
                return True
        except urllib.error.HTTPError:
            return True  # 405 to a GET: the app answers
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            _kill_group(self.proc, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            _kill_group(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _kill_group(self.proc, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""
