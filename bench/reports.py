"""Benchmark the official forms (reports/) on the shared city database (read-only).

Measured on ``--db`` (default ``pcgd_bench_city``: 114 communes × 12,500 households
≈ 4.7 M people, round 2025, indicators computed):

- a commune's full set of forms: the eight forms written as one zip (one read of
  the commune's cells and village rows, eight workbooks) — target ≤ 2 s;
- each form of that commune alone (its own read and workbook);
- the city's STANDARDS form (one row per unit, the units' stored levels) — target ≤ 5 s;
- the city's full set of forms (no target; for information).

Each measurement runs inside a transaction that is rolled back, so the database is
left as it was even if a stale mark had to be refreshed. The person lists are
measured by LISTS in ``bench/reports_lists.py``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pcgd_bench_city .venv/bin/python bench/reports.py

Results: ``bench/results/reports.md`` and ``.json``.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="pcgd_bench_city")
    parser.add_argument("--round", type=int, default=2025)
    parser.add_argument("--commune", default=None, help="commune code (default: the first one)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--city-all", action="store_true", help="also time the city's eight forms (slow)"
    )
    parser.add_argument("--out", default="reports", help="results file stem under bench/results")
    return parser.parse_args(argv)


def setup(args):
    os.environ["DATABASE_URL"] = f"{args.server}/{args.db}"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()


def timed(fn, repeat: int) -> dict:
    from django.db import transaction

    runs = []
    for _ in range(repeat):
        with transaction.atomic():
            started = time.perf_counter()
            result = fn()
            runs.append(time.perf_counter() - started)
            transaction.set_rollback(True)
    return {
        "median_s": round(statistics.median(runs), 3),
        "runs_s": [round(r, 3) for r in runs],
        "result": result,
    }


def measure_forms(args) -> dict:
    from areas.models import Area, AreaKind
    from indicators.rulebook import rules_named
    from reports.forms import FORMS
    from reports.workbook import write_form_file, write_forms_zip
    from surveys.models import Resident

    rules = rules_named(None)
    communes = Area.objects.filter(kind=AreaKind.COMMUNE).order_by("code")
    commune = communes.get(code=args.commune) if args.commune else communes.first()
    city = Area.objects.filter(
        kind__in=[AreaKind.CITY, AreaKind.PROVINCE],
        path=commune.path.split("/")[1].join(["/", "/"]),
    ).first()
    people = Resident.objects.filter(commune=commune, deleted_at__isnull=True).count()
    villages = Area.objects.filter(parent=commune, kind=AreaKind.VILLAGE).count()
    tmp = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    out = {
        "commune": {"code": commune.code, "people": people, "villages": villages},
        "city": {
            "code": city.code,
            "communes": communes.count(),
            "people": Resident.objects.filter(deleted_at__isnull=True).count(),
        },
    }
    out["commune_all_forms"] = timed(
        lambda: len(
            write_forms_zip(area=commune, round_year=args.round, rules=rules, path=tmp / "c.zip")
        ),
        args.repeat,
    )
    out["commune_each_form"] = {
        code: timed(
            lambda code=code: (
                write_form_file(
                    form_code=code,
                    area=commune,
                    round_year=args.round,
                    rules=rules,
                    path=tmp / f"{code}.xlsx",
                )
                and None
            ),
            args.repeat,
        )["median_s"]
        for code in FORMS
    }
    out["city_standards"] = timed(
        lambda: (
            write_form_file(
                form_code="STANDARDS",
                area=city,
                round_year=args.round,
                rules=rules,
                path=tmp / "s.xlsx",
            )
            and None
        ),
        args.repeat,
    )
    if not args.city_all:
        shutil.rmtree(tmp, ignore_errors=True)
        return out
    out["city_all_forms"] = timed(
        lambda: len(
            write_forms_zip(area=city, round_year=args.round, rules=rules, path=tmp / "city.zip")
        ),
        1,
    )
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def write_results(args, forms: dict) -> None:
    doc = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared with other work)",
        "python": platform.python_version(),
        "db": args.db,
        "round": args.round,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "forms": forms,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    c, city = forms["commune"], forms["city"]
    lines = [
        "# Official forms (reports/)",
        "",
        f"Measured {doc['when']} on {doc['machine']}, PostgreSQL database `{args.db}` "
        f"(city {city['code']}: {city['communes']} communes, {city['people']:,} people; round {args.round}). "
        f"Median of {args.repeat} warm runs, each in a rolled-back transaction. "
        f"Load average at the end: {doc['load_average']} (other helpers' work on the same 2 cores).",
        "",
        "| what | measured | target |",
        "|---|---:|---:|",
        f"| commune {c['code']} ({c['people']:,} people, {c['villages']} villages): all 8 forms (zip) "
        f"| {forms['commune_all_forms']['median_s']:.3f} s | ≤ 2 s |",
        f"| city: STANDARDS form | {forms['city_standards']['median_s']:.3f} s | ≤ 5 s |",
        *(
            [
                f"| city: all 8 forms (zip), one run | {forms['city_all_forms']['median_s']:.3f} s | |"
            ]
            if "city_all_forms" in forms
            else []
        ),
        "",
        "Each form of the commune alone (its own read and workbook):",
        "",
        "| form | seconds |",
        "|---|---:|",
        *[f"| {code} | {seconds:.3f} |" for code, seconds in forms["commune_each_form"].items()],
        "",
        f"Runs: commune set {forms['commune_all_forms']['runs_s']}, city STANDARDS {forms['city_standards']['runs_s']}.",
        "",
    ]
    (RESULTS / f"{args.out}.md").write_text("\n".join(lines))


def main(argv=None) -> None:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    setup(args)
    forms = measure_forms(args)
    write_results(args, forms)
    print(json.dumps(forms, indent=2, ensure_ascii=False))  # noqa: T201


if __name__ == "__main__":
    main()
