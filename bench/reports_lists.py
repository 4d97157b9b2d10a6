"""Benchmark the person lists (reports/lists.py) on the shared city database (read-only).

A commune's full person list (``all_people``: every live member, ≈ 41,000 rows in the
bench city's first commune) written as xlsx (xlsxwriter, constant-memory mode) and as
CSV, at growing sizes (10k, 20k, all rows) to show that memory stays flat: each size
runs in its own child process, which reports

- the wall time and the process's CPU time (the Python side: reading rows, formatting,
  writing; the database server's time is in the wall time only) of a warm run (the database read in Vietnamese order through a server-side
  cursor, plus the writing), target ≤ 10 s for the full list;
- the peak Python heap of the export (``tracemalloc``, in a second run);
- the child's peak RSS after the timed run (``ru_maxrss``; includes Django and the
  interpreter).

Each run is inside a transaction that is rolled back (the export records an audit event),
so the database is left as it was.

    .venv/bin/python bench/reports_lists.py [--db pcgd_bench_city] [--commune CODE]

Results: ``bench/results/reports_lists.md`` and ``.json``.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
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
    parser.add_argument("--list", default="all_people")
    parser.add_argument("--sizes", default="10000,20000,0", help="row counts; 0 = the whole list")
    parser.add_argument("--formats", default="xlsx,csv")
    parser.add_argument("--out", default="reports_lists")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--fmt", default="xlsx", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def setup(args):
    os.environ["DATABASE_URL"] = f"{args.server}/{args.db}"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()


def child(args) -> dict:
    """One size and format: a timed run, then a run under tracemalloc."""
    from django.db import transaction

    from areas.models import Area, AreaKind
    from reports.lists import export_list

    communes = Area.objects.filter(kind=AreaKind.COMMUNE).order_by("code")
    commune = communes.get(code=args.commune) if args.commune else communes.first()
    limit = args.rows or None
    out = Path(tempfile.mkdtemp(prefix="bench-lists-")) / f"list.{args.fmt}"

    def run() -> int:
        with transaction.atomic():
            rows = export_list(commune=commune, round_year=args.round, list_code=args.list, fmt=args.fmt,
                               path=out, limit=limit)  # fmt: skip
            transaction.set_rollback(True)
        return rows

    run()  # warm the connection, the catalogs and the page cache
    started, cpu = time.perf_counter(), time.process_time()
    rows = run()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    load = os.getloadavg()[0]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = out.stat().st_size
    tracemalloc.start()
    run()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out.unlink(missing_ok=True)
    return {"commune": commune.code, "rows": rows, "format": args.fmt, "seconds": round(seconds, 3), "cpu_s": round(cpu, 3), "load": round(load, 1),
            "rows_per_second": round(rows / seconds) if seconds else None, "file_mb": round(size / 2**20, 2),
            "peak_heap_mb": round(peak / 2**20, 2), "peak_rss_mb": round(rss_mb, 1)}  # fmt: skip


def main(argv=None) -> None:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    if args.child:
        setup(args)
        print(json.dumps(child(args)))  # noqa: T201
        return
    runs = []
    for fmt in args.formats.split(","):
        for rows in (int(s) for s in args.sizes.split(",")):
            command = [sys.executable, __file__, "--child", "--rows", str(rows), "--fmt", fmt, "--db", args.db,
                       "--server", args.server, "--round", str(args.round), "--list", args.list]  # fmt: skip
            if args.commune:
                command += ["--commune", args.commune]
            done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 - our own script
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(json.dumps(runs[-1]))  # noqa: T201
    doc = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared with other helpers' work)",
        "python": platform.python_version(),
        "db": args.db,
        "round": args.round,
        "list": args.list,
        "runs": runs,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    lines = [
        "# Person lists (reports/lists.py)",
        "",
        f"Measured {doc['when']} on {doc['machine']}, PostgreSQL database `{args.db}` (round {args.round}), "
        f"list `{args.list}` of commune {runs[0]['commune']}. One warm run per line, each in a child process "
        "and a rolled-back transaction; heap peak from a second run under tracemalloc.",
        "",
        "| format | rows | wall s | process CPU s | load avg | rows/s (wall) | file MB | peak Python heap MB | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *[
            f"| {r['format']} | {r['rows']:,} | {r['seconds']:.2f} | {r['cpu_s']:.2f} | {r['load']} "
            f"| {r['rows_per_second']:,} | {r['file_mb']} "
            f"| {r['peak_heap_mb']} | {r['peak_rss_mb']} |"
            for r in runs
        ],
        "",
        "Target: the full list (≈ 41,000 rows) in ≤ 10 s with memory flat as rows grow. The machine has 2 cores "
        "shared with five other helpers' tests and benchmarks (load average in the table): the wall time includes "
        "waiting for a core; the process CPU time is what the export itself costs. The bench database has no "
        "audit table, so the `person_list.read` record is logged as failed there (never raised).",
        "",
    ]
    (RESULTS / f"{args.out}.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
