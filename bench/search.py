"""Benchmark the register's search (register/search.py) on city-scale synthetic data.

Reads the shared database ``pcgd_bench_city`` (114 communes × 12,500 households ≈ 4.7 M
people; ``surveys`` migrated to 0007_register_search, see docs/register.md) and times
the queries the API runs for one page (50 rows, the Vietnamese order, the capped
count) for typical searches:

- a partial name across the city, as city staff (``q`` = a given name or part of one);
- names of medium frequency across the city (thousands to tens of thousands of matches);
- a name in one commune, as its commune officer (``q`` = "thi <given>");
- birth year + village, as the commune officer;
- a household number, as city staff;
- a national ID number, as the commune officer (allowed to see IDs);
- households with a member of a name, as city staff.

Each case runs ``--runs`` times with different values drawn from the data (seeded);
p50/p95/max are reported with one ``EXPLAIN (ANALYZE, BUFFERS)`` per case and the
indexes it used. Nothing is written to the database: the users are unsaved objects
with their memberships set in memory, and the audit record of the API is left out.

    DEBUG=1 .venv/bin/python bench/search.py            # pcgd_bench_city
    DEBUG=1 .venv/bin/python bench/search.py --database pcgd_other --runs 10

Results: ``bench/results/search.md`` and ``.json``.
"""

import argparse
import datetime
import json
import os
import platform
import random
import re
import statistics
import sys
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
    parser.add_argument("--database", default="pcgd_bench_city")
    parser.add_argument("--runs", type=int, default=30, help="queries per case (different values)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(RESULTS / "search"))
    return parser.parse_args(argv)


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()


def fake_user(username: str, role: str, area):
    """An unsaved user with one membership, held in memory (nothing is written)."""
    from django.contrib.auth import get_user_model

    from areas.models import Membership

    user = get_user_model()(username=username, is_active=True)
    user._pcgd_memberships = [Membership(user=user, area=area, role=role)]
    user._perm_cache = set()  # no permissions, and no query for them
    user._user_perm_cache, user._group_perm_cache = set(), set()
    return user


def one_page(kind: str, user, params: dict) -> tuple[int, int]:
    """What the API does for a page: clean the filters, the capped count, 50 rows in order, the rows."""
    from register.search import clean_filters, households_search, may_see_national_id, people_search
    from register.selectors import CappedPaginator, household_row, person_row

    filters = clean_filters(params, user=user)
    found = (households_search if kind == "households" else people_search)(
        user=user, filters=filters
    )
    page = CappedPaginator(found, 50).page(1)
    if kind == "households":
        rows = [household_row(h) for h in page.object_list]
    else:
        allowed = may_see_national_id(user=user)
        rows = [person_row(p, may_see_id=allowed) for p in page.object_list]
    return page.paginator.count, len(rows)


def explain(kind: str, user, params: dict) -> tuple[str, list[str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of the page query the paginator runs (see CappedPaginator.page)."""
    from django.db import connection
    from django.db.models.functions import Upper

    from register.search import clean_filters, households_search, people_search
    from register.selectors import CappedPaginator

    filters = clean_filters(params, user=user)
    found = (households_search if kind == "households" else people_search)(
        user=user, filters=filters
    )
    paginator = CappedPaginator(found, 50)
    if kind == "households":
        query = found[:50]
    elif paginator.capped:
        query = found.values_list("pk", flat=True)[:50]
    else:
        query = found.order_by(Upper("sort_key"), "id")[:50]
    sql, args = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", args)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    indexes = sorted(
        set(re.findall(r"Scan (?:Backward )?using (\w+)", plan))
        | set(re.findall(r"Bitmap Index Scan on (\w+)", plan))
    )
    return plan, indexes


def samples(rng: random.Random, city, runs: int) -> dict:
    """Search values drawn from the data (one query each, read-only)."""
    from django.db import connection

    from areas.models import Area, AreaKind

    communes = list(
        Area.objects.filter(kind=AreaKind.COMMUNE, path__startswith=city.path).order_by("code")
    )
    commune = rng.choice(communes)
    villages = list(
        Area.objects.filter(kind=AreaKind.VILLAGE, parent=commune).values_list("code", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name_folded FROM surveys_resident TABLESAMPLE SYSTEM (0.05) REPEATABLE (%s) "
            "WHERE deleted_at IS NULL LIMIT 2000",
            [rng.randrange(10**6)],
        )
        folded = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT number FROM surveys_household TABLESAMPLE SYSTEM (0.05) REPEATABLE (%s) LIMIT 500",
            [rng.randrange(10**6)],
        )
        numbers = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT national_id FROM surveys_resident WHERE commune_id = %s AND national_id <> '' LIMIT 500",
            [commune.pk],
        )
        ids = [row[0] for row in cursor.fetchall()]
    given = [name.split()[-1] for name in folded if name.split()]
    partial = [g[: max(3, len(g) - 1)] for g in given]  # "huon", "lin": part of a given name
    return {
        "commune": commune,
        "communes": len(communes),
        "city_name": [rng.choice(partial) for _ in range(runs)],
        "commune_name": [
            f"thi {rng.choice(given)}" if rng.random() < 0.5 else rng.choice(given)
            for _ in range(runs)
        ],
        "year_village": [(rng.randint(1950, 2020), rng.choice(villages)) for _ in range(runs)],
        "household_number": [rng.choice(numbers) for _ in range(runs)],
        "national_id": [rng.choice(ids) for _ in range(runs)] if ids else [],
        "household_name": [rng.choice(given) for _ in range(runs)],
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv=None) -> dict:
    args = parse_args(argv or sys.argv[1:])
    setup(f"{args.server}/{args.database}")
    from django.db import connection

    from areas.models import Area, AreaKind, Role

    rng = random.Random(args.seed)
    city = (
        Area.objects.filter(kind=AreaKind.CITY, code="31").first()
        or Area.objects.filter(kind=AreaKind.CITY).first()
    )
    data = samples(rng, city, args.runs)
    commune = data["commune"]
    staff = fake_user("bench_city", Role.CITY_STAFF, city)
    officer = fake_user("bench_commune", Role.COMMUNE_OFFICER, commune)
    cases = [
        (
            "partial name in the city (city staff)",
            "people",
            staff,
            [{"q": q} for q in data["city_name"]],
        ),
        (
            "medium-frequency names in the city (city staff)",
            "people",
            staff,
            [
                {"q": q}
                for q in (
                    "oanh",
                    "khanh",
                    "thi lan",
                    "tuan anh",
                    "xuan",
                    "diep",
                    "quynh",
                    "thi yen",
                )
            ],
        ),
        (
            "name in one commune (commune officer)",
            "people",
            officer,
            [{"q": q} for q in data["commune_name"]],
        ),
        (
            "birth year + village (commune officer)",
            "people",
            officer,
            [{"birth_year": str(y), "village": v} for y, v in data["year_village"]],
        ),
        (
            "household number in the city (city staff)",
            "people",
            staff,
            [{"household_number": n} for n in data["household_number"]],
        ),
        (
            "national ID (commune officer)",
            "people",
            officer,
            [{"national_id": n} for n in data["national_id"]],
        ),
        (
            "households with a member named … (city staff)",
            "households",
            staff,
            [{"q": q} for q in data["household_name"]],
        ),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0]
        cursor.execute(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid "
            "WHERE c.relname IN ('resident_name_trgm', 'resident_commune_sort', 'resident_sort', 'resident_national_id')"
        )
        index_sizes = {name: size for name, size in cursor.fetchall()}
    results = []
    for title, kind, user, params_list in cases:
        if not params_list:
            results.append({"case": title, "skipped": "no values in the data"})
            continue
        one_page(kind, user, params_list[0])  # warm the connection and caches once
        timings, counts = [], []
        for params in params_list:
            began = time.perf_counter()
            count, _rows = one_page(kind, user, params)
            timings.append((time.perf_counter() - began) * 1000)
            counts.append(count)
        slowest = params_list[timings.index(max(timings))]
        plan, indexes = explain(kind, user, slowest)
        results.append(
            {
                "case": title,
                "kind": kind,
                "runs": len(timings),
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(percentile(timings, 0.95), 1),
                "max_ms": round(max(timings), 1),
                "median_matches": statistics.median(counts),
                "examples": params_list[:3],
                "slowest": slowest,
                "indexes": indexes,
                "plan": plan,
            }
        )
        sys.stderr.write(
            f"{title}: p50 {results[-1]['p50_ms']} ms, p95 {results[-1]['p95_ms']} ms, indexes {indexes}\n"
        )
    report = {
        "database": args.database,
        "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "people": _estimate("surveys_resident"),
        "households": _estimate("surveys_household"),
        "communes": data["communes"],
        "commune": commune.code,
        "runs": args.runs,
        "seed": args.seed,
        "postgres": pg_version,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "index_bytes": index_sizes,
        "results": results,
        "note": "2 CPU cores shared with other jobs; warm cache after the first query of each case.",
    }
    write(report, Path(args.out))
    return report


def _estimate(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
        return int(cursor.fetchone()[0])


def write(report: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n"
    )
    lines = [
        "# Register search on city-scale data",
        "",
        f"Database `{report['database']}`: ≈{report['people']:,} people, ≈{report['households']:,} households, "
        f"{report['communes']} communes (estimates from pg_class). Officer's commune: {report['commune']}. "
        f"{report['runs']} queries per case, values drawn from the data (seed {report['seed']}); each query = "
        "filters + capped count (≤ 2,001 ids) + first page of 50 rows in the Vietnamese order, as the API runs it "
        "(without the HTTP layer and the audit insert).",
        "",
        f"Machine: {report['cpus']} CPU cores shared with other jobs; {report['postgres'].split(' on ')[0]}; "
        f"Python {report['python']}. Run {report['at']}.",
        "",
        "| case | p50 ms | p95 ms | max ms | median matches | indexes used (EXPLAIN of the slowest) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in report["results"]:
        if "skipped" in r:
            lines.append(f"| {r['case']} | – | – | – | – | skipped: {r['skipped']} |")
            continue
        lines.append(
            f"| {r['case']} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | {r['median_matches']:,} | "
            f"{', '.join(r['indexes']) or 'none'} |"
        )
    lines += [
        "",
        "Index sizes: "
        + ", ".join(f"{k} {v / 2**20:,.0f} MB" for k, v in sorted(report["index_bytes"].items())),
        "",
    ]
    for r in report["results"]:
        if "plan" in r:
            lines += [
                f"## {r['case']}",
                "",
                f"Examples: `{r['examples']}`; slowest: `{r['slowest']}`.",
                "",
                "```",
                r["plan"],
                "```",
                "",
            ]
    out.with_suffix(".md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
