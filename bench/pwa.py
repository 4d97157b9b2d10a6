"""Benchmark the field app in Chromium: first-load bytes, a 400-person roster opened offline, a save.

The server runs as in production (DEBUG off, ``collectstatic`` with WhiteNoise's
compressed manifest storage, daphne) on a scratch database (SQLite, or PostgreSQL
when DATABASE_URL names one) holding one village of ``--households`` households of
``--people`` people (default 100 × 4 = 400 people). Debian's Chromium then:

1. **first load**: a fresh profile opens ``/field/`` and waits until the service
   worker has precached the shell and controls the page. Bytes are what the server
   sent (daphne's access log: bodies as sent, WhiteNoise's gzip files for static),
   plus headers; and, as production serves it behind nginx (``deploy/nginx.conf``
   gzips dynamic responses of 1 KB and more at level 5), the same with every
   uncompressed text response gzipped (target ≤ 300 KB);
2. signs in and downloads the roster (time and bytes reported);
3. **opening the roster offline**: offline, a full page load of the village's
   household list, from navigation start to the list drawn (target ≤ 1 s);
4. **saving a household** offline: the form's save (the rules checked, the records
   and their operations committed to IndexedDB with strict durability) (≤ 100 ms).

Steps 3 and 4 run twice: at full speed and with Chromium's CPU throttled
(``--throttle``, default 4×, roughly a low-end Android phone against this machine).

    .venv/bin/python bench/pwa.py                      # ≈ 1 minute
    .venv/bin/python bench/pwa.py --households 250     # a bigger village (1,000 people)

Results: ``bench/results/pwa.md`` and ``.json`` (``--out`` changes the path).
"""

import argparse
import datetime
import gzip
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.live import CHROMIUM_ARGS, LiveServer, chromium_path, scratch_database  # noqa: E402

ROUND = 2025
PASSWORD = "bench-mat-khau-2026"  # noqa: S105 - a throwaway account on a scratch database
VILLAGE = "11311-01"
LOG_LINE = re.compile(r'"(GET|POST|PUT|PATCH|DELETE|HEAD) (\S+)" (\d{3}) (\d+)')
HEADER_BYTES = 350  # a response's status line and headers, about
GZIP_TYPES = ("text/", "javascript", "json", "xml", "svg")
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Thu"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dung",
    "Giang",
    "Hà",
    "Hải",
    "Hương",
    "Khánh",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Phúc",
    "Quân",
    "Trang",
]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=100)
    parser.add_argument("--people", type=int, default=4, help="people per household")
    parser.add_argument(
        "--repeat", type=int, default=7, help="runs per timing (median and max reported)"
    )
    parser.add_argument(
        "--throttle", type=float, default=4.0, help="CPU slowdown for the low-end-phone runs"
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "pwa"))
    return parser.parse_args(argv)


# --- the server: production settings on a scratch database -------------------------------


def production_env(database_url: str, static_root: Path, media_root: Path) -> dict:
    return {
        "DATABASE_URL": database_url,
        "PCGD_TESTING": "0",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SECURE_COOKIES": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(media_root),
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "LOG_LEVEL": "WARNING",
        "SYNC_RATE": "100000/min",
    }


def person(index: int, role: str, birth_year: int) -> dict:
    family = FAMILY[index % len(FAMILY)]
    return {
        "full_name": f"{family} {MIDDLE[index % len(MIDDLE)]} {GIVEN[(index * 7) % len(GIVEN)]}",
        "sex": "male" if index % 2 else "female",
        "birth_year": birth_year,
        "ethnicity": "01",
        "relation": role,
    }


def household(number: int, people: int) -> dict:
    import uuid

    members = [
        {
            **person(number * 10, "head", 1975 + number % 15),
            "highest_grade_completed": 9,
            "literacy_stage": 0,
        },
        {**person(number * 10 + 1, "spouse", 1978 + number % 12), "highest_grade_completed": 7},
    ]
    for child in range(max(0, people - 2)):
        birth = 2008 + (number + child * 3) % 15
        age = ROUND - birth
        kid = {**person(number * 10 + 2 + child, "child", birth)}
        if 3 <= age <= 5:
            kid["enrollment"] = {
                "round": ROUND,
                "level": "preschool",
                "grade": age,
                "school": "MN Hoa Sen",
            }
        elif 6 <= age <= 10:
            kid["enrollment"] = {
                "round": ROUND,
                "level": "primary",
                "grade": age - 5,
                "school": "TH Lê Chân",
            }
            kid["highest_grade_completed"] = age - 6
        elif 11 <= age <= 14:
            kid.update(primary_completed_year=birth + 11, highest_grade_completed=age - 6)
            kid["enrollment"] = {
                "round": ROUND,
                "level": "lower_secondary",
                "grade": age - 5,
                "school": "THCS Lê Chân",
            }
        elif age >= 15:
            kid.update(primary_completed_year=birth + 11, highest_grade_completed=9)
        members.append({"id": str(uuid.uuid4()), **kid})
    for member in members:
        member.setdefault("id", str(uuid.uuid4()))
    return {
        "id": str(uuid.uuid4()),
        "village": VILLAGE,
        "number": f"T01-{number:03d}",
        "address": f"Số {number}, ngõ 5",
        "residence": "permanent",
        "members": members,
    }


def prepare(env: dict, households: int, people: int) -> None:
    """Migrate, collect the static files, load the village (in this process, before Playwright)."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    from surveys.services import household_upsert, round_ensure
    from tests.factories import make_city, make_user

    round_ensure(year=ROUND)
    city = make_city()
    make_user("gv", "surveyor", city.village_a1, password=PASSWORD)
    for number in range(1, households + 1):
        household_upsert(
            data=household(number, people), round_year=ROUND, user=None, source="import"
        )
    from django.db import connections

    connections.close_all()


# --- bytes from the server's access log ---------------------------------------------------


def log_offset(server: LiveServer) -> int:
    server.log.flush()
    return server.log_path.stat().st_size


def logged(server: LiveServer, start: int) -> list[tuple[str, str, int, int]]:
    time.sleep(0.3)
    with open(server.log_path, "rb") as handle:
        handle.seek(start)
        text = handle.read().decode("utf-8", "replace")
    return [(m[1], m[2], int(m[3]), int(m[4])) for m in LOG_LINE.finditer(text)]


def nginx_size(url: str) -> tuple[int, str]:
    """What nginx (gzip level 5, ≥ 1 KB, text types) would send for this body: (bytes, encoding)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})  # noqa: S310 - our own server
    with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310
        body = reply.read()
        encoding = reply.headers.get("Content-Encoding", "")
        kind = reply.headers.get("Content-Type", "")
    if encoding:
        return len(body), encoding
    if len(body) >= 1024 and any(t in kind for t in GZIP_TYPES):
        return len(gzip.compress(body, compresslevel=5)), "gzip (nginx)"
    return len(body), "identity"


def first_load_bytes(server: LiveServer, lines) -> dict:
    rows, sent_total, nginx_total = [], 0, 0
    for method, path, status, size in lines:
        public = not path.startswith(("/field/session", "/api/")) or path.startswith("/api/rules")
        if method == "GET" and status == 200 and public:
            compressed, encoding = nginx_size(server.url + path)
        else:
            compressed, encoding = size, "identity"
        sent_total += size + HEADER_BYTES
        nginx_total += compressed + HEADER_BYTES
        rows.append(
            {
                "method": method,
                "path": path,
                "status": status,
                "sent": size,
                "behind_nginx": compressed,
                "encoding": encoding,
            }
        )
    return {
        "requests": len(rows),
        "sent_bytes": sent_total,
        "behind_nginx_bytes": nginx_total,
        "rows": rows,
    }


# --- the browser ------------------------------------------------------------------------


def summary(values: list[float]) -> dict:
    return {
        "median": round(statistics.median(values), 1),
        "max": round(max(values), 1),
        "runs": [round(v, 1) for v in values],
    }


def open_offline(page, repeat: int) -> dict:
    totals, drawing = [], []
    for _ in range(repeat):
        page.goto("about:blank")
        page.goto(f"/field/#/v/{VILLAGE}")
        page.wait_for_selector("#households[data-ready='1']", timeout=30_000)
        total, draw = page.evaluate(
            "() => [performance.getEntriesByName('roster-open-end').at(-1).startTime,"
            " performance.getEntriesByName('roster-open').at(-1).duration]"
        )
        totals.append(total)
        drawing.append(draw)
    rows = page.locator("#household-list a.household").count()
    people = page.evaluate(
        "async (code) => (await window.pcgdApp.store.village(code)).reduce((n, h) => n + h.members.length, 0)",
        VILLAGE,
    )
    return {
        "households_listed": rows,
        "people": people,
        "navigation_to_list_ms": summary(totals),
        "list_from_indexeddb_ms": summary(drawing),
    }


def save_offline(page, repeat: int, tag: str) -> dict:
    durations = []
    for index in range(repeat):
        page.goto(f"/field/#/v/{VILLAGE}")
        page.wait_for_selector("#households[data-ready='1']")
        page.locator("#household-list a.household").nth(index).click()
        page.wait_for_selector("#household-form")
        page.fill("[name='address']", f"Số {index}, ngõ {tag}")
        page.click("#save-household")
        page.wait_for_selector("#households[data-ready='1']")
        durations.append(
            page.evaluate("() => performance.getEntriesByName('household-save').at(-1).duration")
        )
    return {
        "save_ms": summary(durations),
        "queued": page.evaluate("() => window.pcgdApp.store.pendingCount()"),
    }


def run_browser(server: LiveServer, profile: Path, args) -> dict:
    from playwright.sync_api import sync_playwright

    results: dict = {}
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium_path(),
            args=CHROMIUM_ARGS,
            headless=True,
            base_url=server.url,
            viewport={"width": 360, "height": 640},
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
        )
        page = context.pages[0] if context.pages else context.new_page()

        start = log_offset(server)
        began = time.monotonic()
        page.goto("/field/")
        page.wait_for_selector("#login-form")
        page.evaluate("() => navigator.serviceWorker.ready")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_load_state("networkidle")
        results["first_load"] = {
            "seconds": round(time.monotonic() - began, 2),
            **first_load_bytes(server, logged(server, start)),
        }

        start = log_offset(server)
        began = time.monotonic()
        page.fill("#username", "gv")
        page.fill("#password", PASSWORD)
        page.click("#login-button")
        page.wait_for_function(
            "() => window.pcgdApp && window.pcgdApp.sync && window.pcgdApp.sync.state.lastAt && window.pcgdApp.sync.quiet",
            timeout=120_000,
        )
        lines = logged(server, start)
        pulls = [size for method, path, status, size in lines if path.startswith("/api/sync/pull")]
        results["roster_download"] = {
            "seconds": round(time.monotonic() - began, 2),
            "pull_requests": len(pulls),
            "pull_bytes": sum(pulls),
        }

        context.set_offline(True)
        cdp = context.new_cdp_session(page)
        for label, rate in (("full_speed", 1), (f"cpu_{args.throttle:g}x_slower", args.throttle)):
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
            results[label] = {
                "open_roster": open_offline(page, args.repeat),
                **save_offline(page, args.repeat, label),
            }
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        results["app_version"] = page.evaluate(
            "() => import('/static/field/app.js').then((m) => m.appVersion())"
        )
        results["chromium"] = (
            context.browser.version
            if context.browser
            else subprocess.run(  # noqa: S603
                [chromium_path(), "--version"], capture_output=True, text=True, check=False
            ).stdout.strip()
        )
        context.close()
    return results


# --- report --------------------------------------------------------------------------------


def kb(value: int) -> str:
    return f"{value / 1024:.1f} KB"


def markdown(report: dict) -> str:
    first = report["first_load"]
    lines = [
        "# Field app (PWA) in Chromium: first load, roster offline, save",
        "",
        f"Measured {report['when']} on {report['machine']['cpus']} CPUs, Python {report['machine']['python']}, "
        f"{report['chromium']}, database {report['database']}; server: daphne, DEBUG off, collectstatic "
        "(WhiteNoise compressed manifest storage). One village of "
        f"{report['options']['households']} households × {report['options']['people']} people.",
        "",
        "| Figure | Value | Target |",
        "|---|---|---|",
        f"| first load, behind nginx (gzip as deploy/nginx.conf) | **{kb(first['behind_nginx_bytes'])}** in {first['requests']} requests | ≤ 300 KB |",
        f"| first load, as daphne + WhiteNoise sent it here | {kb(first['sent_bytes'])} | |",
    ]
    for label in [key for key in report if key == "full_speed" or key.startswith("cpu_")]:
        run = report[label]
        name = (
            "full speed"
            if label == "full_speed"
            else label.replace("cpu_", "CPU ").replace("_", " ")
        )
        opened = run["open_roster"]
        lines += [
            f"| open the roster offline ({opened['people']} people, {opened['households_listed']} households), {name}: "
            f"navigation → list drawn, median (max) | **{opened['navigation_to_list_ms']['median']:.0f} ms** "
            f"({opened['navigation_to_list_ms']['max']:.0f}) | ≤ 1,000 ms |",
            f"| … of which reading IndexedDB and drawing the list, {name} | {opened['list_from_indexeddb_ms']['median']:.0f} ms | |",
            f"| save a household offline, {name}: median (max) | **{run['save_ms']['median']:.1f} ms** ({run['save_ms']['max']:.1f}) | ≤ 100 ms |",
        ]
    download = report["roster_download"]
    lines += [
        f"| sign-in and roster download ({download['pull_requests']} pull pages) | {download['seconds']} s, {kb(download['pull_bytes'])} uncompressed | |",
        "",
        "First load, request by request (bodies; headers counted as "
        f"{HEADER_BYTES} B each in the totals):",
        "",
        "| Request | Sent here | Behind nginx | Encoding |",
        "|---|---:|---:|---|",
    ]
    for row in first["rows"]:
        lines.append(
            f"| {row['method']} {row['path']} | {row['sent']:,} | {row['behind_nginx']:,} | {row['encoding']} |"
        )
    lines += [
        "",
        "Reproduce: `.venv/bin/python bench/pwa.py` (see bench/README.md and docs/field-app.md).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="pcgd-bench-pwa-"))
    database_url, drop = scratch_database(scratch)
    env = production_env(database_url, scratch / "static", scratch / "media")
    server = None
    try:
        prepare(env, args.households, args.people)
        server = LiveServer(
            database_url=database_url, media_root=scratch / "media", env=env
        ).start()
        report = {
            "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "load": os.getloadavg(),
            },
            "database": "postgresql" if database_url.startswith("postgres") else "sqlite",
            "options": {
                "households": args.households,
                "people": args.people,
                "repeat": args.repeat,
                "throttle": args.throttle,
            },
            **run_browser(server, scratch / "profile", args),
        }
    finally:
        if server:
            server.stop()
        drop()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    out.with_suffix(".md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
