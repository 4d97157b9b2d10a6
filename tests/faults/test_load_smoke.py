"""The load test in its short, bounded CI form (``bench/load.py --ci``): phones sync while board
websockets are open, every operation is acknowledged and on the server exactly once."""

import json
import os
import subprocess
import sys

from tests.faults.procs import ROOT


def test_load_ci_run(pg_server, redis, work_dir):
    out = work_dir / "load"
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            str(ROOT / "bench" / "load.py"),
            "--ci",
            "--out",
            str(out),
            "--postgres",
            pg_server,
            "--redis",
            redis.url,
            "--database",
            f"pcgd_faults_load_{os.getpid()}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    result = json.loads((work_dir / "load.json").read_text())
    assert result["all_acknowledged"] and result["verify"]["ok"], result["verify"]
    assert result["arrived"]["households"] >= 0.9 * 30 * 20, result["arrived"]
    applied = result["applied"]["household.upsert"]
    rejected = result["verify"]["rejected_households"]
    assert applied + rejected == result["arrived"]["households"], result["results"]
    assert result["http_errors"] == 0, result["requests"]
    boards = result["boards"]
    assert boards["open_before_storm"] == 20 and boards["connect_failures"] == 0, boards
    assert boards["events"].get("sync.seen", 0) > 0, boards  # the boards saw the sync live
    assert (
        result["latency_ms"]["requests"] > 0
        and result["latency_ms"]["p99"] >= result["latency_ms"]["p50"]
    )
    print(done.stdout)  # noqa: T201
