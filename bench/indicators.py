"""Benchmark the indicators on PostgreSQL: one commune, the whole city, a roll-up after one change.

Two synthetic databases (``manage.py synth``):

- ``--commune-db`` (default ``pcgd_bench_indicators_commune``): one commune of
  ``--commune-households`` households (default 12,400 ≈ 41,000 people);
- ``--city-db`` (default ``pcgd_bench_indicators``): the city, ``--communes`` ×
  ``--households`` (default 114 × 12,500 ≈ 4.7 M people). ``--reuse-city`` keeps an
  existing city database when it already holds that many households (synth takes
  about 4 minutes); ``--skip-city`` measures the commune only.

Measured (milliseconds unless said, median of ``--repeat`` warm runs):

- the floor: one bare ``SELECT COUNT(*)`` over the same residents;
- the aggregation query alone (``indicators.cells.recount``);
- a commune recount: the aggregation, its cells and its figures under every rule set stored;
- the refresh of one commune as the after-commit hook runs it (recount, roll-up, event);
- the whole city from scratch (every indicator row deleted first): 114 recounts and the roll-ups;
- the roll-up after one change: a resident's enrollment is edited, the commune recounted,
  then ``area_rollup`` of the city with that change's delta is timed; and the edit itself
  end to end (``household_upsert`` → commit → refresh, as a sync push or an API edit runs it).

    .venv/bin/python bench/indicators.py                  # both databases, ≈ 6 minutes with synth
    .venv/bin/python bench/indicators.py --reuse-city     # keep an existing 4.7 M city

Results: ``bench/results/indicators.md`` and ``.json``. Needs PostgreSQL at ``--server``
(default ``postgres://postgres@127.0.0.1:5432``) with a role allowed to create databases.
"""

import argparse
import datetime
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchdb import drop_database, recreate_database  # noqa: E402 - bench/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ROUND = 2025
SECRET = secrets.token_urlsafe(
    40
)  # the measuring processes need one (DEBUG off); nothing is signed


# --- the orchestrating process --------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL"
    )
    parser.add_argument("--commune-db", default="pcgd_bench_indicators_commune")
    parser.add_argument("--city-db", default="pcgd_bench_indicators")
    parser.add_argument("--commune-households", type=int, default=12400)
    parser.add_argument("--communes", type=int, default=114)
    parser.add_argument(
        "--households", type=int, default=12500, help="households per commune of the city"
    )
    parser.add_argument(
        "--repeat", type=int, default=7, help="warm runs per figure (the median is reported)"
    )
    parser.add_argument(
        "--reuse-city", action="store_true", help="keep a city database that is already filled"
    )
    parser.add_argument("--skip-city", action="store_true", help="measure the single commune only")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--out", default=str(RESULTS / "indicators"), help="results path without extension"
    )
    parser.add_argument("--phase", choices=["measure"], help=argparse.SUPPRESS)
    parser.add_argument("--scope", choices=["commune", "city"], help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def sql(server: str, database: str, statement: str, autocommit: bool = True):
    import psycopg

    with psycopg.connect(f"{server}/{database}", autocommit=autocommit) as conn:
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else None


def exists(server: str, name: str) -> bool:
    return bool(sql(server, "postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"))  # noqa: S608


def env_for(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "DEBUG": "0", "REDIS_URL": ""}


def run(args: list[str], url: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own scripts with our own arguments
        [sys.executable, *args],
        cwd=ROOT,
        env=env_for(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def prepare(server: str, name: str, communes: int, households: int, reuse: bool) -> dict:
    url = f"{server}/{name}"
    if reuse and exists(server, name):
        try:
            have = sql(server, name, "SELECT count(*) FROM surveys_household")[0][0]
        except Exception:  # noqa: BLE001 - a half-made database is simply rebuilt
            have = 0
        if have == communes * households:
            run(["manage.py", "migrate", "--noinput", "-v", "0"], url)
            return {"reused": True, "households": have}
    recreate_database(server, name)
    run(["manage.py", "migrate", "--noinput", "-v", "0"], url)
    started = time.perf_counter()
    summary = json.loads(
        run(
            [
                "manage.py",
                "synth",
                "--communes",
                str(communes),
                "--households",
                str(households),
                "--round",
                str(ROUND),
                "--seed",
                "1",
            ],
            url,
        )
    )
    summary["wall_seconds"] = round(time.perf_counter() - started, 1)
    sql(server, name, "VACUUM ANALYZE")
    return {"reused": False, **summary}


def machine(server: str) -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "",
    )
    mem = next(
        (
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    settings = {
        name: sql(server, "postgres", f"SHOW {name}")[0][0]
        for name in (
            "server_version",
            "shared_buffers",
            "work_mem",
            "max_parallel_workers_per_gather",
        )
    }
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_mb": mem,
        "python": platform.python_version(),
        "postgresql": settings,
    }


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    if args.phase == "measure":
        sys.stdout.write(json.dumps(measure(args.scope, args.repeat)))
        return
    result = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(args.server),
        "load_before": os.getloadavg(),
        "commands": [f".venv/bin/python bench/indicators.py {' '.join(argv)}".strip()],
    }
    me = [str(Path(__file__).relative_to(ROOT)), "--phase", "measure", "--repeat", str(args.repeat)]
    result["commune_data"] = prepare(
        args.server, args.commune_db, 1, args.commune_households, reuse=False
    )
    result["commune"] = json.loads(
        run([*me, "--scope", "commune"], f"{args.server}/{args.commune_db}")
    )
    if not args.skip_city:
        result["city_data"] = prepare(
            args.server, args.city_db, args.communes, args.households, reuse=args.reuse_city
        )
        result["city"] = json.loads(run([*me, "--scope", "city"], f"{args.server}/{args.city_db}"))
    result["load_after"] = os.getloadavg()
    if not args.keep:
        drop_database(args.server, args.commune_db)
        if not args.skip_city:
            drop_database(args.server, args.city_db)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    out.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    sys.stdout.write(markdown(result))


# --- the measuring process (Django set up on one database) -------------------------


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _median_ms(fn, repeat: int) -> tuple[float, list[float]]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(_ms(time.perf_counter() - started))
    return statistics.median(runs), runs


def measure(scope: str, repeat: int) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    from django.db import connection

    from areas.models import Area, AreaKind
    from indicators import services
    from indicators.cells import population, recount
    from indicators.models import AreaCohort, AreaFigures
    from indicators.rulebook import rules_active

    city = Area.objects.filter(kind__in=[AreaKind.CITY, AreaKind.PROVINCE]).get()
    communes = list(Area.objects.filter(kind=AreaKind.COMMUNE).order_by("code"))
    commune = communes[len(communes) // 2]
    rules_list = rules_active()
    out: dict = {"commune_code": commune.code, "communes": len(communes)}

    def count(where: str, params: list) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM surveys_resident {where}", params)  # noqa: S608
            return cursor.fetchone()[0]

    out["residents_in_commune"] = count("WHERE commune_id = %s", [commune.pk])
    out["counted_in_commune"] = population(round_year=ROUND).filter(commune=commune).count()
    out["commune_count_floor_ms"], out["commune_count_floor_runs"] = _median_ms(
        lambda: count("WHERE commune_id = %s", [commune.pk]), repeat
    )
    if scope == "city":
        AreaCohort.objects.filter(round_id=ROUND).delete()
        AreaFigures.objects.filter(round_id=ROUND).delete()
        started = time.perf_counter()
        out["city_refresh"] = services.area_refresh(area=city, round_year=ROUND)
        out["city_from_scratch_s"] = round(time.perf_counter() - started, 2)
        ids = [c.pk for c in communes]
        out["residents_in_city"] = count("WHERE commune_id = ANY(%s)", [ids])
        out["city_count_floor_ms"], out["city_count_floor_runs"] = _median_ms(
            lambda: count("WHERE commune_id = ANY(%s)", [ids]), 3
        )
    out["recount_query_ms"], out["recount_query_runs"] = _median_ms(
        lambda: recount(commune_ids=[commune.pk], round_year=ROUND), repeat
    )
    out["commune_recount_ms"], out["commune_recount_runs"] = _median_ms(
        lambda: services.communes_recount(
            communes=[commune], round_year=ROUND, rules_list=rules_list
        ),
        repeat,
    )
    out["commune_refresh_ms"], out["commune_refresh_runs"] = _median_ms(
        lambda: services.communes_refresh(communes=[commune], round_year=ROUND), repeat
    )
    out.update(_rollup_after_change(commune=commune, city=city, repeat=repeat))
    return out


def _rollup_after_change(*, commune, city, repeat: int) -> dict:
    from indicators import services, storage
    from indicators.rulebook import rules_active
    from indicators.tasks import changes_committed
    from indicators.tree import rollup_areas
    from surveys.models import Resident
    from surveys.recording import on_changes_committed, remove_listener
    from surveys.services import household_upsert
    from surveys.wire import household_to_wire

    rules_list = rules_active()
    above = rollup_areas([commune])
    child = Resident.objects.filter(
        commune=commune, deleted_at__isnull=True, birth_year=ROUND - 16, status="present"
    ).first()
    household = child.household
    rollup_runs, edit_runs, full_runs = [], [], []
    upper = {"round": ROUND, "level": "upper_secondary", "grade": 11, "school": "THPT"}

    def toggled() -> dict:
        wire = household_to_wire(household, round_year=ROUND)
        member = next(m for m in wire["members"] if m["id"] == str(child.pk))
        member["enrollment"] = None if member["enrollment"] else upper
        return wire

    for _ in range(repeat):
        wire = toggled()
        started = time.perf_counter()
        household_upsert(
            data=wire, round_year=ROUND
        )  # commit → after-commit hook → refresh (eager)
        edit_runs.append(_ms(time.perf_counter() - started))
        remove_listener(
            changes_committed
        )  # another change, refreshed by hand to time its roll-up alone
        try:
            household_upsert(data=toggled(), round_year=ROUND, source="bench")
        finally:
            on_changes_committed(changes_committed)
        deltas = services.communes_recount(
            communes=[commune], round_year=ROUND, rules_list=rules_list
        )
        delta = storage.merge_deltas(list(deltas.values()))
        started = time.perf_counter()
        for area in above:
            services.area_rollup(area=area, round_year=ROUND, rules_list=rules_list, delta=delta)
        rollup_runs.append(_ms(time.perf_counter() - started))
        started = time.perf_counter()
        for area in above:
            services.area_rollup(area=area, round_year=ROUND, rules_list=rules_list)
        full_runs.append(_ms(time.perf_counter() - started))
    return {
        "rollup_areas": [a.code for a in above],
        "rollup_delta_cells": len(delta),
        "rollup_after_change_ms": statistics.median(rollup_runs),
        "rollup_after_change_runs": rollup_runs,
        "rollup_full_sum_ms": statistics.median(full_runs),
        "rollup_full_sum_runs": full_runs,
        "edit_to_fresh_figures_ms": statistics.median(edit_runs),
        "edit_to_fresh_figures_runs": edit_runs,
    }


# --- the report ---------------------------------------------------------------------


def markdown(result: dict) -> str:
    m, c = result["machine"], result["commune"]
    lines = [
        "# Indicators: recount, roll-up and refresh times (PostgreSQL)",
        "",
        f"Measured {result['when']} on {m['cpus']} CPUs ({m['cpu']}), {m['memory_mb']:,} MB RAM, Python {m['python']}, "
        f"PostgreSQL {m['postgresql']['server_version']} (shared_buffers {m['postgresql']['shared_buffers']}, "
        f"work_mem {m['postgresql']['work_mem']}, default settings otherwise). Load average before/after: "
        f"{', '.join(f'{x:.1f}' for x in result['load_before'])} / {', '.join(f'{x:.1f}' for x in result['load_after'])}.",
        "",
        f"Command: `{result['commands'][0]}`. Figures in ms are medians of warm runs (all runs in the JSON).",
        "",
        f"## One commune ({c['residents_in_commune']:,} residents, {c['counted_in_commune']:,} counted aged 0–60)",
        "",
        "| Figure | Value | Target |",
        "|---|---:|---:|",
        f"| floor: bare `SELECT COUNT(*)` of the commune's residents | {c['commune_count_floor_ms']} ms | |",
        f"| the aggregation query alone | {c['recount_query_ms']} ms | |",
        f"| **commune recount** (aggregation + cells + figures under 2 rule sets stored) | **{c['commune_recount_ms']} ms** | ≤ 200 ms |",
        f"| commune refresh as after commit (recount + roll-up + event) | {c['commune_refresh_ms']} ms | |",
        f"| an edit end to end (`household_upsert` → commit → refresh) | {c['edit_to_fresh_figures_ms']} ms | |",
    ]
    if "city" in result:
        k = result["city"]
        lines += [
            "",
            f"## The city ({k['residents_in_city']:,} residents, {k['communes']} communes; commune {k['commune_code']}: "
            f"{k['residents_in_commune']:,} residents)",
            "",
            "| Figure | Value | Target |",
            "|---|---:|---:|",
            f"| floor: bare `SELECT COUNT(*)` of the city's residents | {k['city_count_floor_ms']} ms | |",
            f"| **the whole city from scratch** ({k['communes']} recounts + roll-ups, 2 rule sets) | **{k['city_from_scratch_s']} s** | ≤ 60 s |",
            f"| floor: bare `SELECT COUNT(*)` of one commune's residents | {k['commune_count_floor_ms']} ms | |",
            f"| the aggregation query of one commune | {k['recount_query_ms']} ms | |",
            f"| **one commune recount** inside the city | **{k['commune_recount_ms']} ms** | ≤ 200 ms |",
            f"| **roll-up after one change** ({', '.join(k['rollup_areas'])}: delta of the commune's cells) | **{k['rollup_after_change_ms']} ms** | ≤ 50 ms |",
            f"| roll-up by summing every child's cells (the from-scratch path) | {k['rollup_full_sum_ms']} ms | |",
            f"| commune refresh as after commit (recount + roll-up + event) | {k['commune_refresh_ms']} ms | |",
            f"| an edit end to end (`household_upsert` → commit → refresh) | {k['edit_to_fresh_figures_ms']} ms | |",
        ]
    lines += [
        "",
        "Data: `manage.py synth` (seed 1, round 2025); see the JSON for the synth summaries.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main(sys.argv[1:])
