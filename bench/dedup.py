"""Benchmark ``manage.py dedup`` on synthetic data with injected duplicates.

Drops and recreates a database (default ``pcgd_bench_dedup``), migrates it, runs
``manage.py synth --duplicates RATE --truth FILE`` for a district (default 10
communes × 4,250 households ≈ 140,000 people under one district), then
``manage.py dedup --area <district> --round Y --pairs FILE.csv`` and compares the
pairs at the review threshold (queued or linked) with the truth file:

- precision = true pairs among the pairs found, recall = truth pairs found
  (targets ≥ 0.98 and ≥ 0.95), recall per kind of injected duplicate;
- precision of the automatic links (exact national ID);
- the time of the command (wall, with Django start-up) and its phases (target ≤ 60 s).

With ``--baseline`` it also scores the STACK.md baseline on the same people
(blocking on the exact birth date, rapidfuzz ``token_sort_ratio`` ≥ 90 on folded
names). Results: ``bench/results/dedup.md`` and ``.json`` (``--out`` changes it).

    .venv/bin/python bench/dedup.py                     # the ≈140k district, seed 1
    .venv/bin/python bench/dedup.py --seed 7 --districts 0 --communes 4 --households 10000 --villages 12
"""

import argparse
import csv
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import psycopg
from benchdb import drop_database, recreate_database  # noqa: E402 - bench/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL"
    )
    parser.add_argument(
        "--database", default="pcgd_bench_dedup", help="database to drop and recreate"
    )
    parser.add_argument("--communes", type=int, default=10)
    parser.add_argument("--households", type=int, default=4250, help="households per commune")
    parser.add_argument("--villages", type=int, default=8)
    parser.add_argument(
        "--districts", type=int, default=1, help="0: communes directly under the city"
    )
    parser.add_argument("--city", default="31")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--round", type=int, default=2025)
    parser.add_argument(
        "--duplicates", type=float, default=0.02, help="share of people given a duplicate"
    )
    parser.add_argument("--baseline", action="store_true", help="also score the STACK.md baseline")
    parser.add_argument(
        "--out", default=str(RESULTS / "dedup"), help="results path without extension"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/15",
        help="broker for the batch run, as in production (emptied afterwards); '' runs listeners inline",
    )
    return parser.parse_args(argv)


def manage(args: list[str], url: str, redis: str = "") -> str:
    """Run manage.py on the bench database. With ``redis`` (a broker, as in production) the
    after-commit work of other apps (indicator refresh…) is queued for workers, not run inline."""
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "REDIS_URL": redis}
    if not redis:
        env.pop("REDIS_URL")
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


def read_truth(path: Path) -> dict[frozenset, str]:
    with path.open(encoding="utf-8") as handle:
        return {
            frozenset((r["original_id"], r["duplicate_id"])): r["kind"]
            for r in csv.DictReader(handle)
        }


def read_pairs(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def quality(pairs: list[dict], truth: dict[frozenset, str]) -> dict:
    found = {frozenset((p["left_id"], p["right_id"])) for p in pairs}
    hits = found & set(truth)
    linked = [frozenset((p["left_id"], p["right_id"])) for p in pairs if p["auto_link"] == "1"]
    kinds, kinds_found = Counter(truth.values()), Counter(truth[k] for k in hits)
    return {
        "pairs": len(found), "truth": len(truth), "true_pairs_found": len(hits),
        "precision": round(len(hits) / len(found), 4) if found else None,
        "recall": round(len(hits) / len(truth), 4) if truth else None,
        "recall_by_kind": {k: round(kinds_found[k] / n, 4) for k, n in sorted(kinds.items())},
        "auto_linked": len(linked), "auto_linked_true": sum(k in truth for k in linked),
        "false_pairs_by_reasons": Counter(
            " ".join(sorted(p["reasons"].split())) for p in pairs if frozenset((p["left_id"], p["right_id"])) not in truth
        ).most_common(8),
    }  # fmt: skip


def baseline(url: str, truth: dict[frozenset, str]) -> dict:
    """STACK.md: block on the exact birth date, token_sort_ratio ≥ 90 on folded names."""
    from rapidfuzz.fuzz import token_sort_ratio

    from dedup.normalize import fold_name

    started = time.perf_counter()
    blocks = defaultdict(list)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT id::text, full_name, birth_year, birth_month, birth_day FROM surveys_resident WHERE deleted_at IS NULL"
        )
        for rid, name, year, month, day in rows:
            blocks[year, month, day].append((rid, fold_name(name)))
    found = set()
    for members in blocks.values():
        for i, (a, name_a) in enumerate(members):
            for b, name_b in members[i + 1 :]:
                if token_sort_ratio(name_a, name_b, score_cutoff=90):
                    found.add(frozenset((a, b)))
    hits = found & set(truth)
    return {
        "pairs": len(found), "precision": round(len(hits) / len(found), 4) if found else None,
        "recall": round(len(hits) / len(truth), 4), "seconds": round(time.perf_counter() - started, 2),
    }  # fmt: skip


def run(args: argparse.Namespace, work: Path) -> dict:
    url = f"{args.server}/{args.database}"
    recreate_database(args.server, args.database)
    manage(["migrate", "--noinput", "-v", "0"], url)
    truth_path, pairs_path = work / "truth.csv", work / "pairs.csv"
    synth = json.loads(manage([
        "synth", "--communes", str(args.communes), "--households", str(args.households), "--villages",
        str(args.villages), "--districts", str(args.districts), "--city", args.city, "--seed", str(args.seed),
        "--round", str(args.round), "--duplicates", str(args.duplicates), "--truth", str(truth_path),
    ], url))  # fmt: skip
    area = (
        f"{args.city}0" if args.districts else args.city
    )  # the first district (synth's code rule)
    started = time.perf_counter()
    command = ["dedup", "--area", area, "--round", str(args.round), "--pairs", str(pairs_path)]
    summary = json.loads(manage(command, url, redis=args.redis))
    wall = time.perf_counter() - started
    if args.redis:
        import redis

        redis.Redis.from_url(args.redis).flushdb()  # the queued tasks no worker will run
    truth = read_truth(truth_path)
    result = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "options": {k: getattr(args, k) for k in ("communes", "households", "villages", "districts", "city", "seed",
                                                  "round", "duplicates", "redis")},
        "area": area, "synth": synth, "summary": summary, "wall_seconds": round(wall, 2),
        "quality": quality(read_pairs(pairs_path), truth),
    }  # fmt: skip
    if args.baseline:
        result["baseline"] = baseline(url, truth)
    if not args.keep:
        drop_database(args.server, args.database)
    return result


def markdown(result: dict) -> str:
    s, q, o = result["summary"], result["quality"], result["options"]
    lines = [
        "# dedup: precision, recall and time on synthetic duplicates (PostgreSQL)",
        "",
        f"Measured {result['when']} on {result['machine']['cpus']} CPUs, Python {result['machine']['python']}.",
        "",
        f"Data: `manage.py synth --communes {o['communes']} --households {o['households']} --villages {o['villages']} "
        f"--districts {o['districts']} --city {o['city']} --seed {o['seed']} --round {o['round']} "
        f"--duplicates {o['duplicates']} --truth truth.csv`",
        f"Run: `manage.py dedup --area {result['area']} --round {o['round']} --pairs pairs.csv`"
        + (
            f" with `REDIS_URL={o['redis']}` (as in production: after-commit work of other apps is queued for "
            "workers, not run inside the command)"
            if o["redis"]
            else " (listeners run inline)"
        ),
        "",
        "| Figure | Value | Target |",
        "|---|---|---|",
        f"| people | {s['people']:,} | ≈ 140,000 |",
        f"| injected duplicates (truth) | {q['truth']:,} | |",
        f"| pairs compared (after blocking) | {s['compared']:,} | |",
        f"| pairs at the review threshold ({s['review_threshold']}) | {q['pairs']:,} | |",
        f"| **precision** | **{q['precision']}** | ≥ 0.98 |",
        f"| **recall** | **{q['recall']}** | ≥ 0.95 |",
        f"| recall per kind | {', '.join(f'{k} {v}' for k, v in q['recall_by_kind'].items())} | |",
        f"| linked automatically (exact national ID) | {q['auto_linked']:,} ({q['auto_linked_true']:,} true) | |",
        f"| **wall seconds of the command** (with Django start-up) | **{result['wall_seconds']:.1f}** | ≤ 60 |",
        f"| phases inside (load, match, total) | {s['seconds']['load']}, {s['seconds']['match']}, {s['seconds']['total']} | |",
    ]
    if "baseline" in result:
        b = result["baseline"]
        lines.append(
            f"| baseline (exact birth date + token_sort_ratio ≥ 90) | precision {b['precision']}, "
            f"recall {b['recall']}, {b['pairs']:,} pairs, {b['seconds']} s | to beat |"
        )
    lines += ["", "False pairs at the threshold, by reasons (most frequent):", ""]
    lines += [f"- {n} × {reasons}" for reasons, n in q["false_pairs_by_reasons"]]
    lines += ["", "Reproduce: `.venv/bin/python bench/dedup.py` (see bench/README.md).", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pcgd-dedup-") as work:
        result = run(args, Path(work))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    out.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    sys.stdout.write(markdown(result))


if __name__ == "__main__":
    main(sys.argv[1:])
