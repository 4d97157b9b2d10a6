"""Fault tests: real servers killed and restarted under a syncing client (docs/reliability.md).

Run apart from the main suite (``make test-faults``, i.e. ``pytest tests/faults``). They
need PostgreSQL (DATABASE_URL naming it: each test makes its own database on that server)
and the ``redis-server`` and PostgreSQL binaries (private instances on free ports; the
shared services are never stopped). Without PostgreSQL they are skipped with the reason,
unless ``PCGD_FAULTS=required`` (CI sets it in .ci/run): then they fail.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.faults.procs import (
    PG_BIN,
    Daphne,
    RedisServer,
    create_database,
    drop_database,
    postgres_server_url,
)

REQUIRED = os.environ.get("PCGD_FAULTS", "") == "required"


def _missing() -> str | None:
    if postgres_server_url() is None:
        return (
            "the fault tests need PostgreSQL: set DATABASE_URL=postgres://user@host:port/name "
            "(each test makes a database of its own on that server)"
        )
    if shutil.which("redis-server") is None:
        return "the fault tests need redis-server (Debian package redis-server)"
    if not (PG_BIN / "initdb").exists():
        return f"the fault tests need the PostgreSQL server binaries in {PG_BIN} (or PCGD_PG_BIN)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    if reason is None:
        return
    if REQUIRED:
        raise pytest.UsageError(f"PCGD_FAULTS=required but {reason}")
    for item in items:
        if FAULTS_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.skip(reason=reason))


FAULTS_DIR = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def pg_server() -> str:
    return postgres_server_url()


@pytest.fixture
def work_dir():
    """A scratch directory the ``postgres`` user may enter (a private cluster lives there)."""
    path = Path(tempfile.mkdtemp(prefix="pcgd-faults-"))
    os.chmod(path, 0o755)  # noqa: S103 - a directory, for the postgres user to reach its own subdirectory
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def database(pg_server, request):
    """A fresh database of this test on the PostgreSQL server of DATABASE_URL."""
    name = f"pcgd_faults_{os.getpid()}_{request.node.name[:30].lower()}".replace("-", "_")
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    url = create_database(pg_server, name)
    yield url
    drop_database(pg_server, name)


@pytest.fixture
def redis(work_dir):
    server = RedisServer(work_dir / "redis").up()
    yield server
    server.down()


@pytest.fixture
def servers():
    """Daphne processes started by the test; all stopped at the end (by process id)."""
    started: list[Daphne] = []

    def make(env: dict, log: Path) -> Daphne:
        server = Daphne(env, log)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
