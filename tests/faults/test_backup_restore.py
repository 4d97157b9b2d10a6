"""Backup and restore (docs/backup.md): data made through the real API, dumped with
scripts/backup.sh (pg_dump -Fc), restored with scripts/restore.sh (pg_restore) into a fresh
database, and every household, resident, change and sync operation found there."""

import os
import shutil
import subprocess

import psycopg

from tests.faults.phone import Phone, outbox
from tests.faults.procs import ROOT, app_env, drop_database, manage, seed

BASH = shutil.which("bash") or "/bin/bash"
QUERIES = {
    "households": "SELECT id::text, village_id, number, address, version FROM surveys_household",
    "residents": "SELECT id::text, household_id::text, full_name, birth_year, version FROM surveys_resident",
    "changes": "SELECT seq, entity, entity_id::text, action, version, fields::text FROM surveys_change",
    "oplog": "SELECT op_id::text, status FROM sync_oplog",
    "visits_enrollments": "SELECT (SELECT count(*) FROM surveys_visit), (SELECT count(*) FROM surveys_enrollment)",
    "users": "SELECT username, password FROM auth_user",
}


def _rows(url: str) -> dict[str, set]:
    with psycopg.connect(url) as conn:
        return {name: set(conn.execute(sql).fetchall()) for name, sql in QUERIES.items()}


def test_pg_dump_and_pg_restore_keep_every_household(database, pg_server, redis, servers, work_dir):
    env = app_env(database, redis.url)  # after-commit jobs queued, not run inline: a shorter test
    facts = seed(env)
    server = servers(env, work_dir / "daphne.log").start()
    ops = outbox(facts["village"], 80, "BK")
    phone = Phone(server.url, facts["surveyor_token"], facts["round"], batch_ops=120)
    phone.sync(ops)
    assert set(phone.answers.values()) == {"applied"}
    server.stop()
    original = _rows(database)
    assert len(original["households"]) == 80 and len(original["residents"]) == 160
    assert len(original["changes"]) >= 240 and len(original["oplog"]) == 240

    dump = work_dir / "pcgd.dump"
    script_env = {**os.environ, "DATABASE_URL": database}
    done = subprocess.run(  # noqa: S603
        [BASH, str(ROOT / "scripts" / "backup.sh"), "-o", str(dump)],
        env=script_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert dump.stat().st_size > 0 and (work_dir / "pcgd.dump.sha256").exists()
    pg_restore = shutil.which("pg_restore") or "pg_restore"
    listing = subprocess.run(  # noqa: S603
        [pg_restore, "--list", str(dump)], capture_output=True, text=True, check=True
    ).stdout
    assert "TABLE DATA public surveys_household" in listing  # custom format, with the data

    target = f"pcgd_faults_restored_{os.getpid()}"
    drop_database(pg_server, target)
    try:
        done = subprocess.run(  # noqa: S603
            [BASH, str(ROOT / "scripts" / "restore.sh"), str(dump), target],
            env=script_env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "households 80" in done.stdout and "residents 160" in done.stdout, done.stdout
        restored_url = f"{pg_server}/{target}"
        restored = _rows(restored_url)
        for name, rows in original.items():
            assert restored[name] == rows, (
                f"{name}: {len(rows ^ restored[name])} rows differ after the restore"
            )
        # The restored database is complete for the application: no migration is missing.
        manage(app_env(restored_url, None), "migrate", "--check", "--noinput")
        # A second restore into an existing database is refused (never overwrite).
        again = subprocess.run(  # noqa: S603
            [BASH, str(ROOT / "scripts" / "restore.sh"), str(dump), target],
            env=script_env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert again.returncode != 0 and "already exists" in again.stderr
    finally:
        drop_database(pg_server, target)
