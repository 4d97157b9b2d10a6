"""Benchmark sync ingest: N phones push household operations to the real ASGI server on PostgreSQL.

What it does, end to end (ARCHITECTURE.md, "Performance targets": ≥ 1,000 people
per second applied through HTTP with PostgreSQL; the raw ``COPY`` of the same rows
is the floor to compare against):

1. drops and recreates a database (``--database``, default ``pcgd_bench_sync``),
   migrates it and fills a synthetic city with ``manage.py synth`` (``--communes``
   × ``--villages``, ``--existing`` households per commune already surveyed);
2. makes one surveyor account per device, each assigned one village (devices are
   spread over the communes round-robin), and a second database copied from the
   first (``<database>_floor``) for the ``COPY`` floor;
3. makes each device's outbox the way the phone does: per new household one
   ``household.upsert`` (``base_version: null``), one ``resident.upsert`` per
   member (≈3.3, people drawn by the synth generator) and one ``visit.record``,
   cut in batches of at most ``--batch-ops`` operations; every body is encoded
   before the clock starts;
4. starts the real ASGI server on 127.0.0.1 (``--server daphne``: ``--servers``
   processes on consecutive ports, devices spread round-robin; ``--server
   uvicorn``: one port, ``--workers``), with the production settings (DEBUG off,
   Redis cache and channel layer), and takes each device's token from
   ``POST /api/auth/token/``;
5. runs the devices concurrently (one thread each, keep-alive HTTP, token auth):
   each pushes its batches in order, obeys ``Retry-After`` on 429/503 and sends
   again the operations answered "rejected" with ``retry`` (as the phone does);
6. checks on the database that every operation answered is logged once and every
   one answered "applied" is there exactly once (households, residents,
   enrollments, visits and ``Change`` rows = those applied, no record created
   twice, every commune marked stale);
7. times a raw psycopg ``COPY`` of the same households and residents (same ids,
   same columns) into the copy of the database, and prints the ratio.

Before the storm a query probe pushes ``--probe-households`` of one more phone through
``sync.services.push`` in a process of the app and counts SQL statements per operation.
Figures go to ``bench/results/sync.md`` and ``.json`` (``--out``). Everything stops by
itself: the push phase ends after ``--seconds``, the servers run under ``timeout``
and are killed at the end; both databases are dropped unless ``--keep``.

    .venv/bin/python bench/sync.py                                  # 50 devices, 2 daphne processes
    .venv/bin/python bench/sync.py --server uvicorn --servers 3
    .venv/bin/python bench/sync.py --devices 10 --households-per-device 20 --seconds 60   # a quick look

Needs PostgreSQL at ``--postgres`` (a role that may create databases) and Redis at
``--redis``.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import random
import secrets
import shlex
import signal
import statistics
import string
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from benchdb import admin, drop_database, recreate_database  # noqa: E402 - bench/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PUSH = "/api/sync/push"
PASSWORD = "bench-sync-mật-khẩu-1"  # noqa: S105 - a throwaway account in a throwaway database
KINDS = ("household.upsert", "resident.upsert", "visit.record")


# --- options ------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=50, help="concurrent phones (default 50)")
    parser.add_argument(
        "--households-per-device",
        type=int,
        default=120,
        help="new households each phone pushes (default 120)",
    )
    parser.add_argument(
        "--batch-ops", type=int, default=200, help="operations per push, at most 200 (default 200)"
    )
    parser.add_argument("--server", choices=("daphne", "uvicorn"), default="daphne")
    parser.add_argument(
        "--servers",
        type=int,
        default=2,
        help="ASGI server processes (daphne: one port each; uvicorn: --workers on one port); default 2",
    )
    parser.add_argument(
        "--seconds", type=float, default=300, help="cap on the push phase (default 300)"
    )
    parser.add_argument(
        "--communes", type=int, default=25, help="communes of the synthetic city (default 25)"
    )
    parser.add_argument("--villages", type=int, default=8, help="villages per commune (default 8)")
    parser.add_argument(
        "--existing",
        type=int,
        default=400,
        help="households per commune already there (synth, default 400)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--postgres", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL"
    )
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/15",
        help="Redis URL: cache, rate limit, channel layer and Celery queue (default db 15, emptied of this run's keys)",
    )
    parser.add_argument(
        "--app-root",
        default=str(ROOT),
        help="the checkout whose manage.py and server run (e.g. an older one, for before/after figures)",
    )
    parser.add_argument(
        "--database", default="pcgd_bench_sync", help="database to drop and recreate"
    )
    parser.add_argument(
        "--port", type=int, default=8310, help="first server port on 127.0.0.1 (default 8310)"
    )
    parser.add_argument(
        "--out", default=str(RESULTS / "sync"), help="results path without extension"
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--note", default="", help="a line to write in the results (what this run is)"
    )
    parser.add_argument(
        "--probe-households",
        type=int,
        default=40,
        help="households one extra phone pushes in-process first, counting the SQL queries per op (0: skip)",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0,
        metavar="SECONDS",
        help="wait up to this long for the machine to be idle (< 15%% busy) before the storm",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.batch_ops <= 200:
        parser.error("--batch-ops is 1–200 (the protocol's limit)")
    if args.devices < 1 or args.households_per_device < 1 or args.servers < 1:
        parser.error("--devices, --households-per-device and --servers must be at least 1")
    if args.devices > args.communes * args.villages:
        parser.error("at most one device per village: raise --communes or --villages")
    return args


# --- databases ----------------------------------------------------------------------


def copy_database(server: str, source: str, target: str) -> None:
    admin(
        server,
        f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)',
        f'CREATE DATABASE "{target}" TEMPLATE "{source}"',
    )


def app_env(args: argparse.Namespace, secret_key: str) -> dict[str, str]:
    """The production settings (docs/settings.md), pointed at the bench database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "PCGD_TESTING", "SYNC_RATE", "SYNC_MAX_IN_FLIGHT")
    }
    env.update(
        DATABASE_URL=f"{args.postgres}/{args.database}",
        REDIS_URL=args.redis,
        DEBUG="0",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="0",
        SECURE_SSL_REDIRECT="0",
        CHANNEL_LAYER_PREFIX=f"bench-sync-{os.getpid()}",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(argv: list[str], env: dict, root: Path) -> str:
    done = subprocess.run(  # noqa: S603 - our own manage.py with our own arguments
        [sys.executable, str(root / "manage.py"), *argv],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(argv)} failed:\n{done.stderr}")
    return done.stdout


# --- the city, the accounts and the outboxes (Django in this process) ------------------


@dataclass
class Device:
    index: int
    id: uuid.UUID
    username: str
    village_code: str
    commune_code: str
    port: int = 0
    token: str = ""
    bodies: list[bytes] = field(default_factory=list)  # the batches, encoded
    kinds: list[list[str]] = field(default_factory=list)  # per batch, the kind of each op
    ops: list[list[dict]] = field(
        default_factory=list
    )  # per batch, the ops (to send again on retry)


def setup_django(env: dict) -> None:
    os.environ.update(
        {
            k: env[k]
            for k in (
                "DATABASE_URL",
                "REDIS_URL",
                "DEBUG",
                "SECRET_KEY",
                "ALLOWED_HOSTS",
                "SECURE_COOKIES",
                "CHANNEL_LAYER_PREFIX",
                "LOG_LEVEL",
            )
        }
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "server.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def make_city_plan(args, round_year: int):
    """The synth plan of the city, with the primary keys of its areas filled in."""
    from areas.models import Area
    from synth.places import plan_city

    plan = plan_city(
        communes=args.communes,
        villages_per_commune=args.villages,
        city_code="31",
        city_name=None,
        districts=0,
        commune_code_start=None,
    )
    pks = dict(Area.objects.values_list("code", "pk"))
    for commune in plan.communes:
        commune.pk = pks[commune.code]
        for village in commune.villages:
            village.pk = pks[village.code]
    return plan


def make_accounts(devices: list[Device], plan) -> None:
    """One surveyor per device in its village (areas.services.user_upsert, as ``manage.py add_user``).
    The password is hashed once and shared: hashing is made slow on purpose (≈0.3 s)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from areas.models import Area
    from areas.services import user_upsert

    hashed = make_password(PASSWORD)
    villages = {a.code: a for a in Area.objects.filter(code__in=[d.village_code for d in devices])}
    user_model = get_user_model()
    for device in devices:
        user_model.objects.create(username=device.username, password=hashed)
        user_upsert(username=device.username, role="surveyor", area=villages[device.village_code])


def member_wire(person, household_id: str) -> dict:
    """A synth person as the phone sends it (wire format v1, DOMAIN.md §4)."""
    from surveys.wire import RESIDENT_COLUMNS

    data = {
        key: getattr(person, key) for key in RESIDENT_COLUMNS if not key.startswith("dropped_out")
    }
    dropped = None
    if person.dropped_out_grade is not None or person.dropped_out_year is not None:
        dropped = {"grade": person.dropped_out_grade, "year": person.dropped_out_year}
    data["dropped_out"] = dropped
    data["enrollment"] = (
        None
        if person.level is None
        else {
            "round": None,
            "level": person.level,
            "grade": person.grade,
            "school": person.school,
        }
    )
    data["household"] = household_id
    return data


def make_outboxes(args, devices: list[Device], plan, round_year: int) -> list:
    """Each device's new households (the synth generator, renumbered) and its batches of ops."""
    from synth.people import PopulationGenerator
    from synth.services import school_names, visit_window

    start, days = visit_window(round_year, None)
    generator = PopulationGenerator(
        rng=random.Random(f"bench-sync:{args.seed}"),
        year=round_year,
        province_code=plan.code,
        visit_window=(start, days),
    )
    rng = random.Random(f"bench-sync-dates:{args.seed}")
    villages = {v.code: v for c in plan.communes for v in c.villages}
    records = []
    clock = int(time.time() * 1000)
    for device in devices:
        village = villages[device.village_code]
        schools = school_names(village.commune, "Hải Phòng")
        outbox = []
        for serial in range(1, args.households_per_device + 1):
            hh = generator.household(village, serial, schools)
            hh.number = f"S{device.index:03d}-{serial:04d}"  # synth's own are T<village>-<serial>
            if hh.visit_date is None:
                hh.visit_date = start + datetime.timedelta(days=rng.randrange(days))
            records.append(hh)
            hid = str(hh.id)
            clock += 1
            outbox.append(
                _op(
                    "household.upsert",
                    hid,
                    {
                        "village": village.code,
                        "number": hh.number,
                        "address": hh.address,
                        "residence": hh.residence,
                        "phone": hh.phone,
                        "note": "",
                    },
                    clock,
                )
            )
            for person in hh.members:
                clock += 1
                wire = member_wire(person, hid)
                if wire["enrollment"] is not None:
                    wire["enrollment"]["round"] = round_year
                outbox.append(_op("resident.upsert", str(person.id), wire, clock))
            clock += 1
            outbox.append(
                _op(
                    "visit.record",
                    hid,
                    {"household": hid, "date": hh.visit_date.isoformat()},
                    clock,
                )
            )
        for first in range(0, len(outbox), args.batch_ops):
            batch = outbox[first : first + args.batch_ops]
            device.ops.append(batch)
            device.kinds.append([o["kind"] for o in batch])
            device.bodies.append(encode(device, batch, round_year))
    return records


def _op(kind: str, entity_id: str, data: dict, at: int) -> dict:
    return {
        "op_id": str(uuid.uuid4()),
        "kind": kind,
        "entity_id": entity_id,
        "base_version": None,
        "base": {},
        "data": data,
        "at": at,
    }


def encode(device: Device, ops: list[dict], round_year: int) -> bytes:
    return json.dumps(
        {"device": str(device.id), "round": round_year, "ops": ops}, ensure_ascii=False
    ).encode()


# --- queries per operation, in-process --------------------------------------------------

PROBE = r"""
import collections, json, os, re, sys, time, uuid
sys.path.insert(0, os.getcwd())
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from sync import services

probe = json.load(open(sys.argv[1]))
user = get_user_model().objects.get(username=probe["username"])
kinds, queries, ops, cpu = collections.Counter(), 0, 0, 0.0
for batch in probe["batches"]:
    user = get_user_model().objects.get(pk=user.pk)  # a new request: nothing cached on the user
    with CaptureQueriesContext(connection) as captured:
        began = time.process_time()
        reply = services.push(user=user, device_id=uuid.UUID(probe["device"]), round_year=probe["round"], raw_ops=batch)
        cpu += time.process_time() - began
    assert all(r["status"] == "applied" for r in reply["results"]), reply["results"][:3]
    ops += len(batch)
    for query in captured.captured_queries:
        sql = query["sql"]
        word = sql.split(" ", 1)[0]
        table = re.search(r'(?:FROM|INTO|UPDATE) "?(\w+)"?', sql)
        key = "advisory lock" if "pg_advisory" in sql else "nextval" if "nextval" in sql else (
            f"{word} {table.group(1)}" if table and word in ("SELECT", "INSERT", "UPDATE", "DELETE") else word)
        if word == "SELECT" and "FOR UPDATE" in sql:
            key += " FOR UPDATE"
        kinds[key] += 1
        queries += 1
print(json.dumps({"ops": ops, "queries": queries, "queries_per_op": round(queries / ops, 2),
                  "cpu_ms_per_op": round(1000 * cpu / ops, 2),
                  "by_statement_per_op": {k: round(v / ops, 2) for k, v in kinds.most_common()}}))
"""


def probe_queries(
    args, env: dict, app_root: Path, plan, round_year: int, village_code: str, commune_code: str
) -> dict:
    """One more phone pushes a few batches through ``sync.services.push`` in a process of the app
    (no HTTP, DEBUG off): the SQL statements per operation, and the CPU of the push alone."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from areas.models import Area
    from areas.services import user_upsert

    device = Device(
        index=999,
        id=uuid.uuid4(),
        username="bench_gv_probe",
        village_code=village_code,
        commune_code=commune_code,
    )
    get_user_model().objects.create(username=device.username, password=make_password(None))
    user_upsert(username=device.username, role="surveyor", area=Area.objects.get(code=village_code))
    probe_args = argparse.Namespace(
        **{**vars(args), "households_per_device": args.probe_households, "seed": args.seed + 7}
    )
    make_outboxes(probe_args, [device], plan, round_year)
    path = Path(f"/tmp/bench-sync-probe-{os.getpid()}.json")  # noqa: S108 - this run's own file
    path.write_text(
        json.dumps(
            {
                "username": device.username,
                "device": str(device.id),
                "round": round_year,
                "batches": device.ops,
            }
        )
    )
    try:
        out = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", PROBE, str(path)],
            cwd=app_root,
            env={**env, "DJANGO_SETTINGS_MODULE": "server.settings"},
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        path.unlink(missing_ok=True)
    if out.returncode != 0:
        raise SystemExit(f"the query probe failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the servers ----------------------------------------------------------------------


class Servers:
    """The ASGI server processes, each in its own process group, under ``timeout``."""

    def __init__(self, args, env: dict, lifetime: float, log: Path):
        self.args, self.env, self.lifetime, self.log_path = args, env, lifetime, log
        self.procs: list[subprocess.Popen] = []
        self.ports: list[int] = []

    def start(self) -> None:
        bin_dir = Path(sys.executable).parent
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        limit = ["timeout", "--kill-after=10", str(int(self.lifetime))]
        if self.args.server == "daphne":
            for i in range(self.args.servers):
                port = self.args.port + i
                self.ports.append(port)
                self._spawn(
                    [
                        *limit,
                        str(bin_dir / "daphne"),
                        "-b",
                        "127.0.0.1",
                        "-p",
                        str(port),
                        "server.asgi:application",
                    ]
                )
        else:
            self.ports.append(self.args.port)
            workers = ["--workers", str(self.args.servers)] if self.args.servers > 1 else []
            self._spawn(
                [
                    *limit,
                    str(bin_dir / "uvicorn"),
                    "server.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.args.port),
                    "--no-access-log",
                    "--log-level",
                    "warning",
                    *workers,
                ]
            )
        deadline = time.monotonic() + 60
        for port in self.ports:
            while not _answers(port):
                if time.monotonic() > deadline or any(p.poll() is not None for p in self.procs):
                    self.stop()
                    raise SystemExit(
                        f"the server on port {port} did not start; see {self.log_path}"
                    )
                time.sleep(0.2)

    def _spawn(self, argv: list[str]) -> None:
        self.procs.append(
            subprocess.Popen(  # noqa: S603 - our own server command
                argv,
                cwd=self.args.app_root,
                env=self.env,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def cpu_seconds(self) -> float:
        """CPU time of every process in the servers' process groups (uvicorn workers included)."""
        groups = {p.pid for p in self.procs}
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) in groups:  # pgrp
                total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        return total

    def stop(self) -> None:
        for proc in self.procs:  # only the groups we started, by id
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.log.close()


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/api/auth/token/")
        conn.getresponse().read()
        conn.close()
        return True
    except OSError:
        return False


def fetch_tokens(devices: list[Device]) -> None:
    """``POST /api/auth/token/`` per device, a few at a time, before the clock starts."""
    errors = []

    def login(chunk: list[Device]) -> None:
        for device in chunk:
            conn = http.client.HTTPConnection("127.0.0.1", device.port, timeout=60)
            body = json.dumps({"username": device.username, "password": PASSWORD})
            conn.request("POST", "/api/auth/token/", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            payload = response.read()
            conn.close()
            if response.status != 200:
                errors.append(f"{device.username}: {response.status} {payload[:200]!r}")
                continue
            device.token = json.loads(payload)["token"]

    threads = [threading.Thread(target=login, args=(devices[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit("token requests failed:\n" + "\n".join(errors[:5]))


# --- the storm ------------------------------------------------------------------------


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)  # seconds, 200 answers
    http: Counter = field(default_factory=Counter)  # status code → requests
    results: Counter = field(default_factory=Counter)  # (kind, status) → ops
    retried_ops: int = 0
    errors: list[str] = field(default_factory=list)
    sent: set[str] = field(default_factory=set)  # op ids answered
    applied: set[str] = field(default_factory=set)  # op ids answered "applied"
    finished: float = 0.0
    capped: bool = False


def run_device(
    device: Device, round_year: int, tally: Tally, start: threading.Event, deadline: list[float]
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", device.port, timeout=300)
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Token {device.token}",
        "User-Agent": "bench-sync/1 (simulated phone)",
    }
    queue = list(zip(device.bodies, device.kinds, device.ops, strict=True))
    start.wait()
    while queue:
        if time.perf_counter() > deadline[0]:
            tally.capped = True
            break
        body, kinds, ops = queue.pop(0)
        began = time.perf_counter()
        try:
            conn.request("POST", PUSH, body, headers)
            response = conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            with tally.lock:
                tally.http["connection error"] += 1
                tally.errors.append(f"{device.username}: {exc!r}")
            queue.insert(0, (body, kinds, ops))
            time.sleep(1)
            continue
        took = time.perf_counter() - began
        status = response.status
        with tally.lock:
            tally.http[status] += 1
        if status in (429, 503):  # back off as told, with jitter, and send the same batch again
            wait = float(response.getheader("Retry-After") or 5)
            time.sleep(wait * random.uniform(1.0, 1.2))  # noqa: S311 - jitter
            queue.insert(0, (body, kinds, ops))
            continue
        if status != 200:
            with tally.lock:
                tally.errors.append(f"{device.username}: HTTP {status} {payload[:300]!r}")
            continue
        results = json.loads(payload)["results"]
        again = []
        with tally.lock:
            tally.latencies.append(took)
            tally.finished = time.perf_counter()
            for kind, op, result in zip(kinds, ops, results, strict=True):
                if result["status"] == "rejected" and result.get("retry"):
                    again.append(op)
                    continue
                tally.results[(kind, result["status"])] += 1
                tally.sent.add(op["op_id"])
                if result["status"] == "applied":
                    tally.applied.add(op["op_id"])
                if result["status"] not in ("applied", "duplicate") and len(tally.errors) < 20:
                    tally.errors.append(f"{kind} {result['status']}: {result.get('errors')}")
            tally.retried_ops += len(again)
        if again:  # the phone keeps them in its outbox and sends them with the next batch
            queue.append((encode(device, again, round_year), [o["kind"] for o in again], again))
    conn.close()


def sample_waits(url: str, stop: threading.Event, waits: Counter) -> None:
    """What the PostgreSQL backends of the bench database wait on, sampled every 0.2 s."""
    with psycopg.connect(url, autocommit=True) as conn:
        while not stop.is_set():
            rows = conn.execute(
                "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' GROUP BY 1"
            ).fetchall()
            for name, count in rows:
                waits[name] += count
            waits["_samples"] += 1
            stop.wait(0.2)


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def background_busy(seconds: float = 3.0) -> float:
    """Share of the CPUs busy before the storm (servers idle): other work on the machine skews the figures."""
    first = machine_busy()
    time.sleep(seconds)
    second = machine_busy()
    return round((second[0] - first[0]) / max(1, second[1] - first[1]), 3)


def clean_redis(url: str, prefix: str) -> int:
    """Remove this run's keys (cache, rate limit) and the Celery queue it filled (no worker runs here)."""
    import redis

    client = redis.Redis.from_url(url)
    keys = [
        *client.scan_iter(f"*{prefix}*"),
        *client.scan_iter("_kombu.binding.*"),
        *client.scan_iter("celery"),
    ]
    if keys:
        client.delete(*keys)
    client.close()
    return len(keys)


def storm(
    devices: list[Device], round_year: int, seconds: float, url: str, servers: Servers
) -> dict:
    tally = Tally()
    start = threading.Event()
    deadline = [0.0]
    threads = [
        threading.Thread(
            target=run_device, args=(d, round_year, tally, start, deadline), daemon=True
        )
        for d in devices
    ]
    for thread in threads:
        thread.start()
    waits: Counter = Counter()
    stop = threading.Event()
    sampler = threading.Thread(target=sample_waits, args=(url, stop, waits), daemon=True)
    sampler.start()
    cpu_servers, cpu_client, busy0 = servers.cpu_seconds(), time.process_time(), machine_busy()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.set()
    for thread in threads:
        thread.join(timeout=seconds + 600)
    wall = (tally.finished or time.perf_counter()) - began
    busy1 = machine_busy()
    cpu = {
        "servers_seconds": round(servers.cpu_seconds() - cpu_servers, 1),
        "client_seconds": round(time.process_time() - cpu_client, 1),
        "machine_busy_share": round((busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]), 3),
    }
    stop.set()
    sampler.join()
    return {"tally": tally, "wall": wall, "cpu": cpu, "waits": waits}


# --- checking and the floor --------------------------------------------------------------


def counts(url: str, round_year: int) -> dict:
    with psycopg.connect(url) as conn:
        one = lambda sql, *a: conn.execute(sql, a).fetchone()[0]  # noqa: E731
        return {
            "households": one("SELECT count(*) FROM surveys_household"),
            "residents": one("SELECT count(*) FROM surveys_resident"),
            "enrollments": one(
                "SELECT count(*) FROM surveys_enrollment WHERE round_id = %s", round_year
            ),
            "visits": one("SELECT count(*) FROM surveys_visit WHERE round_id = %s", round_year),
            "oplog": one("SELECT count(*) FROM sync_oplog"),
            "changes": one("SELECT count(*) FROM surveys_change WHERE source LIKE 'sync:%%'"),
        }


def verify(
    url: str, before: dict, devices: list[Device], records: list, tally: Tally, round_year: int
) -> dict:
    """Every op answered is logged exactly once, and each one answered "applied" is on the server
    exactly once (a create: one row and one ``Change``); nothing else is."""
    after = counts(url, round_year)
    answered, applied_ids = tally.sent, tally.applied
    all_ops = {o["op_id"]: o for d in devices for batch in d.ops for o in batch}
    kinds = Counter(all_ops[i]["kind"] for i in applied_ids)
    households = kinds["household.upsert"]
    residents = kinds["resident.upsert"]
    enrolled = sum(
        1
        for i in applied_ids
        if all_ops[i]["kind"] == "resident.upsert" and all_ops[i]["data"]["enrollment"]
    )
    with psycopg.connect(url) as conn:
        one = lambda sql, *a: conn.execute(sql, a).fetchone()[0]  # noqa: E731
        twice = one(
            "SELECT count(*) FROM (SELECT entity, entity_id FROM surveys_change WHERE action = 'create' "
            "GROUP BY 1, 2 HAVING count(*) > 1) AS t"
        )
        logged = one(
            "SELECT count(*) FROM sync_oplog WHERE op_id = ANY(%s::uuid[])", list(answered)
        )
        applied = one(
            "SELECT count(*) FROM sync_oplog WHERE status = 'applied' AND op_id = ANY(%s::uuid[])",
            list(answered),
        )
        stale = one(
            "SELECT count(*) FROM surveys_stalecommune WHERE round_id = %s AND commune_id IN "
            "(SELECT id FROM areas_area WHERE code = ANY(%s))",
            round_year,
            sorted({d.commune_code for d in devices}),
        )
    checks = {
        "oplog rows added = ops answered": (after["oplog"] - before["oplog"], len(answered)),
        "oplog rows of the ops sent": (logged, len(answered)),
        "ops logged applied = answered applied": (applied, len(applied_ids)),
        "households added = household.upsert applied": (
            after["households"] - before["households"],
            households,
        ),
        "residents added = resident.upsert applied": (
            after["residents"] - before["residents"],
            residents,
        ),
        "enrollments added = enrolled members applied": (
            after["enrollments"] - before["enrollments"],
            enrolled,
        ),
        "visits added = visit.record applied": (
            after["visits"] - before["visits"],
            kinds["visit.record"],
        ),
        "change rows added = ops applied": (after["changes"] - before["changes"], len(applied_ids)),
        "records created twice": (twice, 0),
        "communes marked stale": (stale, len({d.commune_code for d in devices})),
    }
    return {
        "checks": {k: {"found": a, "expected": b, "ok": a == b} for k, (a, b) in checks.items()},
        "ok": all(a == b for a, b in checks.values()),
        "after": after,
    }


def copy_floor(url: str, records: list, round_year: int) -> dict:
    """Time a raw ``COPY`` of the same households and residents (then their enrollments and visits)."""
    from synth.writer import (
        ENROLLMENT_FIELDS,
        HOUSEHOLD_FIELDS,
        RESIDENT_FIELDS,
        VISIT_FIELDS,
        _household_line,
        _resident_lines,
        _text,
    )

    stamp = datetime.datetime.now(datetime.UTC).isoformat()
    households = [_household_line(hh, stamp) for hh in records]
    residents = [_resident_lines(hh, stamp) for hh in records]
    enrollments = "".join(
        f"{p.id}\t{round_year}\t{p.level}\t{'\\N' if p.grade is None else p.grade}\t{_text(p.school)}\n"
        for hh in records
        for p in hh.members
        if p.level is not None
    )
    visits = "".join(
        f"{hh.id}\t{round_year}\t{hh.visit_date.isoformat()}\t{stamp}\n" for hh in records
    )
    people = sum(len(r) for r in residents)

    def columns(names):
        return ", ".join(n for n in names)

    with psycopg.connect(url) as conn:
        began = time.perf_counter()
        seqs = iter(
            row[0]
            for row in conn.execute(
                "SELECT nextval('surveys_change_seq') FROM generate_series(1, %s)",
                [len(households) + people],
            )
        )
        household_text = "".join(f"{line}{next(seqs)}\n" for line in households)
        resident_text = "".join(
            f"{line}{next(seqs)}\n" for members in residents for line in members
        )
        with conn.cursor() as cursor:
            with cursor.copy(
                f"COPY surveys_household ({columns(HOUSEHOLD_FIELDS)}) FROM STDIN"
            ) as copy:
                copy.write(household_text)
            with cursor.copy(
                f"COPY surveys_resident ({columns(RESIDENT_FIELDS)}) FROM STDIN"
            ) as copy:
                copy.write(resident_text)
        conn.commit()
        floor = time.perf_counter() - began
        began = time.perf_counter()
        with conn.cursor() as cursor:
            with cursor.copy(
                f"COPY surveys_enrollment ({columns(ENROLLMENT_FIELDS)}) FROM STDIN"
            ) as copy:
                copy.write(enrollments)
            with cursor.copy(f"COPY surveys_visit ({columns(VISIT_FIELDS)}) FROM STDIN") as copy:
                copy.write(visits)
        conn.commit()
        rest = time.perf_counter() - began
    return {
        "households": len(households),
        "people": people,
        "seconds": floor,
        "enrollments_visits_seconds": rest,
        "enrollments": enrollments.count("\n"),
        "visits": len(households),
    }


# --- the report ---------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def machine_facts(url: str) -> dict:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = next(
        (
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    with psycopg.connect(url) as conn:
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in (  # noqa: S608 - fixed names
                "server_version",
                "shared_buffers",
                "max_connections",
                "synchronous_commit",
                "fsync",
                "wal_level",
            )
        }
    import django

    versions = {"django": django.get_version()}
    for module in ("daphne", "uvicorn", "rest_framework", "psycopg"):
        try:
            versions[module] = __import__(module).__version__
        except (ImportError, AttributeError):
            versions[module] = None
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_mb": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": settings,
        "versions": versions,
    }


def summarise(args, argv, machine, data: dict, run: dict, check: dict, floor: dict) -> dict:
    tally: Tally = run["tally"]
    wall = run["wall"]
    applied = {kind: tally.results[(kind, "applied")] for kind in KINDS}
    ops_answered = sum(tally.results.values())
    people = applied["resident.upsert"]
    http_pps = people / wall if wall else 0
    floor_pps = floor["people"] / floor["seconds"] if floor["seconds"] else 0
    waits = dict(run["waits"])
    samples = waits.pop("_samples", 0) or 1
    return {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": shlex.join(["bench/sync.py", *argv]),
        "note": args.note,
        "machine": machine,
        "options": {
            k: getattr(args, k)
            for k in (
                "devices",
                "households_per_device",
                "batch_ops",
                "server",
                "servers",
                "seconds",
                "communes",
                "villages",
                "existing",
                "seed",
            )
        },
        "data": data,
        "wall_seconds": round(wall, 2),
        "capped": tally.capped,
        "people_per_second": round(http_pps),
        "households_per_second": round(applied["household.upsert"] / wall) if wall else 0,
        "ops_per_second": round(ops_answered / wall) if wall else 0,
        "applied": applied,
        "results": {f"{k} {s}": n for (k, s), n in sorted(tally.results.items())},
        "ops_sent_again_after_retry": tally.retried_ops,
        "requests": {str(k): v for k, v in sorted(tally.http.items(), key=lambda kv: str(kv[0]))},
        "latency_ms": {
            "p50": round(percentile(tally.latencies, 0.50) * 1000),
            "p95": round(percentile(tally.latencies, 0.95) * 1000),
            "p99": round(percentile(tally.latencies, 0.99) * 1000),
            "max": round(max(tally.latencies, default=0) * 1000),
            "mean": round(statistics.fmean(tally.latencies) * 1000) if tally.latencies else None,
            "requests": len(tally.latencies),
        },
        "cpu": {
            **run["cpu"],
            "server_ms_per_op": round(1000 * run["cpu"]["servers_seconds"] / ops_answered, 2)
            if ops_answered
            else None,
        },
        "postgres_waits_per_sample": {
            k: round(v / samples, 2) for k, v in sorted(waits.items(), key=lambda kv: -kv[1])
        },
        "errors": tally.errors[:20],
        "verify": check,
        "floor": {
            "households": floor["households"],
            "people": floor["people"],
            "seconds": round(floor["seconds"], 3),
            "people_per_second": round(floor_pps),
            "enrollments_visits_seconds": round(floor["enrollments_visits_seconds"], 3),
            "enrollments": floor["enrollments"],
            "visits": floor["visits"],
        },
        "ratio_http_to_copy": round(floor_pps / http_pps, 1) if http_pps else None,
        "target_people_per_second": 1000,
        "meets_target": http_pps >= 1000 and check["ok"] and not tally.capped,
    }


def markdown(r: dict) -> str:
    m, o, lat, f = r["machine"], r["options"], r["latency_ms"], r["floor"]
    pg = m["postgresql"]
    verdict = "meets" if r["meets_target"] else "does **not** meet"
    lines = [
        "# sync: people applied per second through HTTP (PostgreSQL)",
        "",
        f"Measured {r['when']} on {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_mb']:,} MB, Python {m['python']}, "
        f"PostgreSQL {pg['server_version']} (shared_buffers {pg['shared_buffers']}, synchronous_commit "
        f"{pg['synchronous_commit']}, fsync {pg['fsync']}), Django {m['versions']['django']}, "
        f"{o['server']} {m['versions'].get(o['server'])}. Client, servers and PostgreSQL share the machine.",
        "",
        f"Command: `.venv/bin/python {r['command']}`" + (f" — {r['note']}" if r["note"] else ""),
        "",
        f"{o['devices']} phones, one surveyor and one village each, push {o['households_per_device']} new households "
        f"each (household.upsert + ≈3.3 resident.upsert + visit.record, {r['data']['batches']} batches of ≤ "
        f"{o['batch_ops']} ops) to {o['servers']} {o['server']} process(es) on 127.0.0.1; the city has "
        f"{o['communes']} communes × {o['villages']} villages and {r['data']['existing_households']:,} households "
        f"({r['data']['existing_people']:,} people) before the run.",
        "",
        f"Target ≥ 1,000 people per second: this run {verdict} it.",
        "",
        *(
            [
                f"**The machine was shared:** {r['cpu']['machine_busy_before']:.0%} busy with other work just before "
                "the storm, so these figures are lower than on an idle machine.",
                "",
            ]
            if r["cpu"]["machine_busy_before"] >= 0.15
            else []
        ),
        "| Figure | Value |",
        "|---|---|",
        f"| **people applied per second** | **{r['people_per_second']:,}** |",
        f"| households per second | {r['households_per_second']:,} |",
        f"| operations per second | {r['ops_per_second']:,} |",
        f"| people / households / ops applied | {r['applied']['resident.upsert']:,} / "
        f"{r['applied']['household.upsert']:,} / {sum(r['applied'].values()):,} |",
        f"| wall seconds (first push → last answer){' — capped' if r['capped'] else ''} | {r['wall_seconds']:.1f} |",
        f"| request latency p50 / p95 / p99 / max (ms) | {lat['p50']:,} / {lat['p95']:,} / {lat['p99']:,} / {lat['max']:,} |",
        f"| push requests answered 200 | {lat['requests']:,} |",
        f"| HTTP answers by status | {', '.join(f'{k}: {v:,}' for k, v in r['requests'].items())} |",
        f"| ops answered rejected-retry and sent again | {r['ops_sent_again_after_retry']:,} |",
        f"| CPU seconds: servers / bench client (server ms per op) | {r['cpu']['servers_seconds']} / "
        f"{r['cpu']['client_seconds']} ({r['cpu']['server_ms_per_op']}) |",
        f"| machine busy during the storm (before it, other work) | {r['cpu']['machine_busy_share']:.0%} "
        f"({r['cpu']['machine_busy_before']:.0%}) |",
        f"| **floor: raw `COPY` of the same {f['households']:,} households + {f['people']:,} residents** | "
        f"**{f['seconds']:.2f} s = {f['people_per_second']:,} people/s** |",
        f"| then `COPY` of their {f['enrollments']:,} enrollments + {f['visits']:,} visits | "
        f"{f['enrollments_visits_seconds']:.2f} s |",
        f"| **ratio (COPY people/s ÷ HTTP people/s)** | **{r['ratio_http_to_copy']}×** |",
        "",
        "PostgreSQL backends of the bench database, average per sample (every 0.2 s) by wait: "
        + ", ".join(f"{k} {v}" for k, v in list(r["postgres_waits_per_sample"].items())[:6])
        + ".",
        "",
        "Checked on the database after the run: "
        + ("all good." if r["verify"]["ok"] else "**MISMATCH**."),
        "",
        "| Check | Found | Expected |",
        "|---|---:|---:|",
    ]
    for name, c in r["verify"]["checks"].items():
        lines.append(f"| {name} | {c['found']:,} | {c['expected']:,} |")
    if r["errors"]:
        lines += ["", "First errors:", ""] + [f"- `{e[:200]}`" for e in r["errors"][:5]]
    if r.get("probe"):
        p = r["probe"]
        statements = ", ".join(f"{k} {v}" for k, v in p["by_statement_per_op"].items() if v >= 0.05)
        lines += [
            "",
            f"Query probe (one more phone, {p['ops']} ops through `sync.services.push` in-process, no HTTP): "
            f"**{p['queries_per_op']} SQL statements per operation**, {p['cpu_ms_per_op']} ms of CPU per "
            f"operation in that process. Per operation: {statements}.",
        ]
    lines += ["", "Reproduce: see bench/README.md (`bench/sync.py`).", ""]
    return "\n".join(lines)


# --- main ----------------------------------------------------------------------------------


def main(argv: list[str]) -> dict:
    args = parse_args(argv)
    secret_key = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(50))
    env = app_env(args, secret_key)
    url = f"{args.postgres}/{args.database}"
    floor_db = f"{args.database}_floor"
    log = Path(f"/tmp/bench-sync-{os.getpid()}.log")  # noqa: S108 - the servers' log of this run

    def say(text: str) -> None:
        sys.stderr.write(f"[bench/sync {time.strftime('%H:%M:%S', time.gmtime())}] {text}\n")

    say(
        f"database {args.database}: recreate, migrate, synth {args.communes}×{args.existing} households"
    )
    recreate_database(args.postgres, args.database)
    app_root = Path(args.app_root).resolve()
    manage(["migrate", "--noinput", "-v", "0"], env, app_root)
    setup_django(env)
    from synth.services import current_round_year

    round_year = current_round_year()
    synth = json.loads(
        manage(
            [
                "synth",
                "--communes",
                str(args.communes),
                "--households",
                str(args.existing),
                "--villages",
                str(args.villages),
                "--seed",
                str(args.seed),
                "--round",
                str(round_year),
            ],
            env,
            app_root,
        )
    )
    plan = make_city_plan(args, round_year)
    devices = []
    for i in range(args.devices):
        commune = plan.communes[i % len(plan.communes)]
        village = commune.villages[(i // len(plan.communes)) % len(commune.villages)]
        devices.append(
            Device(
                index=i,
                id=uuid.UUID(int=random.Random(f"dev{i}").getrandbits(128), version=4),
                username=f"bench_gv_{i:03d}",
                village_code=village.code,
                commune_code=commune.code,
            )
        )
    say(f"{args.devices} surveyor accounts and outboxes")
    make_accounts(devices, plan)
    records = make_outboxes(args, devices, plan, round_year)
    probe = None
    if args.probe_households > 0:
        say(f"query probe: {args.probe_households} households pushed in-process")
        probe = probe_queries(
            args, env, app_root, plan, round_year, devices[0].village_code, devices[0].commune_code
        )
    from django.db import connections

    connections.close_all()
    say(f"{floor_db}: a copy of the database for the COPY floor")
    copy_database(args.postgres, args.database, floor_db)
    before = counts(url, round_year)
    machine = machine_facts(url)
    data = {
        "round": round_year,
        "existing_households": synth["households"],
        "existing_people": synth["people"],
        "households": len(records),
        "people": sum(len(hh.members) for hh in records),
        "ops": sum(len(b) for d in devices for b in d.ops),
        "batches": sum(len(d.bodies) for d in devices),
        "body_bytes_mean": round(statistics.fmean(len(b) for d in devices for b in d.bodies)),
    }
    say(
        f"{data['households']:,} households, {data['people']:,} people, {data['ops']:,} ops in {data['batches']} batches"
    )

    servers = Servers(args, env, lifetime=args.seconds + 900, log=log)
    say(f"starting {args.servers} {args.server} process(es)")
    servers.start()
    try:
        for device in devices:
            device.port = servers.ports[device.index % len(servers.ports)]
        fetch_tokens(devices)
        idle = background_busy()
        waited = time.monotonic()
        while idle >= 0.15 and time.monotonic() - waited < args.wait_idle:
            say(f"machine {idle:.0%} busy with other work; waiting")
            idle = background_busy(5.0)
        say(
            f"storm: {args.devices} devices (cap {args.seconds:.0f} s); machine busy before: {idle:.0%}"
        )
        run = storm(devices, round_year, args.seconds, url, servers)
    finally:
        servers.stop()
        clean_redis(args.redis, env["CHANNEL_LAYER_PREFIX"])
    run["cpu"]["machine_busy_before"] = idle
    tally = run["tally"]
    say(f"done in {run['wall']:.1f} s; verifying")
    check = verify(url, before, devices, records, tally, round_year)
    say("COPY floor")
    floor = copy_floor(f"{args.postgres}/{floor_db}", records, round_year)
    if not args.keep:
        drop_database(args.postgres, floor_db)
        drop_database(args.postgres, args.database)
    result = summarise(args, argv, machine, data, run, check, floor)
    result["probe"] = probe
    server_errors = [
        line for line in log.read_text(errors="replace").splitlines() if "Error" in line
    ]
    result["server_log_error_lines"] = len(server_errors)
    result["server_log_first_errors"] = server_errors[:5]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    (out.parent / f"{out.name}.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out.parent / f"{out.name}.md").write_text(markdown(result), encoding="utf-8")
    sys.stdout.write(markdown(result))
    if not check["ok"]:
        raise SystemExit(2)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
