"""An export job whose Celery worker dies (SIGKILL in the middle of the job) ends ``failed``
with a reason, not ``pending`` or ``running`` for ever (reports.services.reap_stale_jobs)."""

import json
import os
import signal
import subprocess
import sys
import time

import psycopg

from tests.faults.procs import ROOT, app_env, manage, wait_until


def _jobs(env: dict, *argv: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.faults.jobs", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_export_job_of_a_killed_worker_is_failed(database, redis, work_dir):
    env = app_env(database, redis.url, MEDIA_ROOT=str(work_dir / "media"))
    manage(env, "migrate", "--noinput", "-v", "0")
    synth = json.loads(
        manage(
            env,
            "synth",
            "--communes",
            "2",
            "--households",
            "1000",
            "--villages",
            "4",
            "--round",
            "2025",
        )
    )
    city = synth.get("city") or "31"
    job = int(_jobs(env, "create", city, "2025"))
    assert json.loads(_jobs(env, "show", str(job)))["status"] == "pending"

    log = open(work_dir / "worker.log", "wb")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter, Celery's worker
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "server",
            "worker",
            "-P",
            "solo",
            "-c",
            "1",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        with psycopg.connect(database, autocommit=True) as conn:

            def taken():
                row = conn.execute(
                    "SELECT status, progress FROM reports_exportjob WHERE id = %s", [job]
                ).fetchone()
                return row if row[0] != "pending" else None

            status, progress = wait_until(
                taken, seconds=60, what="the worker taking the job", interval=0.01
            )
        assert status == "running", f"the job ended before the worker could be killed: {status}"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        log.close()

    state = json.loads(_jobs(env, "show", str(job)))
    assert state["status"] == "running", state  # the dead worker left it running
    # A recent heartbeat is not reaped (with the default timeout): a live job is never failed by mistake.
    assert _jobs(env, "reap", "120") == "0"
    time.sleep(2.5)  # the heartbeat is now older than the short timeout below
    assert _jobs(env, "reap", "2") == "1"
    state = json.loads(_jobs(env, "show", str(job)))
    assert state["status"] == "failed", state
    assert state["error"], "a failed job carries its reason"
    print(f"export job {job} killed at {progress} %: {state}")  # noqa: T201
