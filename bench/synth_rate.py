"""Benchmark ``manage.py synth`` on PostgreSQL: people written per second, end to end.

Drops and recreates a database (default ``pcgd_bench_synth``), migrates it, runs
``manage.py synth`` for a city-ish slice (default 20 communes × 5,000 households
≈ 330,000 people) and writes the figures to ``bench/results/synth.md`` and
``bench/results/synth.json``.

    .venv/bin/python bench/synth_rate.py                      # the default slice
    .venv/bin/python bench/synth_rate.py --communes 114 --households 12500   # ≈ Hải Phòng

Needs PostgreSQL at ``--server`` (default ``postgres://postgres@127.0.0.1:5432``)
with a role allowed to create databases.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from benchdb import drop_database, recreate_database  # noqa: E402 - bench/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TABLES = (
    "areas_area",
    "surveys_household",
    "surveys_resident",
    "surveys_enrollment",
    "surveys_visit",
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL"
    )
    parser.add_argument(
        "--database", default="pcgd_bench_synth", help="database to drop and recreate"
    )
    parser.add_argument("--communes", type=int, default=20)
    parser.add_argument("--households", type=int, default=5000, help="households per commune")
    parser.add_argument("--villages", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--round", type=int, default=2025)
    parser.add_argument("--duplicates", type=float, default=0.0)
    parser.add_argument(
        "--out", default=str(RESULTS / "synth"), help="results path without extension"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs (each on a fresh database); the median is reported",
    )
    return parser.parse_args(argv)


def manage(args: list[str], url: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
    done = subprocess.run(  # noqa: S603 - our own manage.py with our own arguments
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def table_figures(url: str) -> dict[str, dict[str, int]]:
    figures = {}
    with psycopg.connect(url) as conn:
        for table in TABLES:
            rows = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
            size = conn.execute("SELECT pg_total_relation_size(%s)", [table]).fetchone()[0]
            figures[table] = {"rows": rows, "bytes": size}
        version = conn.execute("SHOW server_version").fetchone()[0]
    figures["_server"] = {"version": version}
    return figures


def run(args: argparse.Namespace) -> dict:
    url = f"{args.server}/{args.database}"
    recreate_database(args.server, args.database)
    manage(["migrate", "--noinput", "-v", "0"], url)
    synth_args = [
        "synth", "--communes", str(args.communes), "--households", str(args.households),
        "--villages", str(args.villages), "--seed", str(args.seed), "--round", str(args.round),
        "--duplicates", str(args.duplicates),
    ]  # fmt: skip
    started = time.perf_counter()
    summary = json.loads(manage(synth_args, url))
    wall = time.perf_counter() - started
    tables = table_figures(url)
    server = tables.pop("_server")
    if not args.keep:
        drop_database(args.server, args.database)
    return {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": server["version"],
        },
        "options": {
            k: getattr(args, k)
            for k in ("communes", "households", "villages", "seed", "round", "duplicates")
        },
        "summary": summary,
        "wall_seconds": round(wall, 2),
        "people_per_second_synth": summary["people_per_second"],
        "people_per_second_wall": round(summary["people"] / wall),
        "households_per_second": round(summary["households"] / summary["seconds"]),
        "tables": tables,
    }


def markdown(result: dict) -> str:
    s, o = result["summary"], result["options"]
    lines = [
        "# synth: people written per second (PostgreSQL)",
        "",
        f"Measured {result['when']} on {result['machine']['cpus']} CPUs, Python {result['machine']['python']}, "
        f"PostgreSQL {result['machine']['postgresql']} (default server settings), fresh database.",
        "",
        f"Command: `manage.py synth --communes {o['communes']} --households {o['households']} "
        f"--villages {o['villages']} --seed {o['seed']} --round {o['round']} --duplicates {o['duplicates']}`",
        "",
        "| Figure | Value |",
        "|---|---|",
        f"| people | {s['people']:,} |",
        f"| households | {s['households']:,} |",
        f"| seconds inside synth (areas, generation, COPY, commit) | {s['seconds']:.2f} |",
        f"| **people per second** (inside synth) | **{s['people_per_second']:,}** |",
        f"| households per second | {result['households_per_second']:,} |",
        f"| wall seconds of the command (with Django start-up) | {result['wall_seconds']:.2f} |",
        f"| people per second (wall) | {result['people_per_second_wall']:,} |",
        f"| people per second of each run (median above) | {', '.join(f'{x:,}' for x in result['runs_people_per_second'])} |",
        "",
        "| Table | Rows | Size (MB) |",
        "|---|---:|---:|",
    ]
    for table, figures in result["tables"].items():
        lines.append(f"| {table} | {figures['rows']:,} | {figures['bytes'] / 1e6:.1f} |")
    lines += ["", "Reproduce: `.venv/bin/python bench/synth_rate.py` (see bench/README.md).", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    runs = sorted(
        (run(args) for _ in range(max(1, args.repeat))),
        key=lambda r: r["summary"]["people_per_second"],
    )
    result = runs[len(runs) // 2]
    result["runs_people_per_second"] = [r["summary"]["people_per_second"] for r in runs]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    out.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    sys.stdout.write(markdown(result))


if __name__ == "__main__":
    main(sys.argv[1:])
