"""Load test: the Hải Phòng deadline storm — households arriving at a fixed rate from many phones
while the live boards are open — through the real ASGI server on PostgreSQL, on loopback only.

What it does, end to end (docs/reliability.md):

1. drops and recreates a database (``--database``, default ``pcgd_bench_load``), migrates it
   and lays out a synthetic city with ``manage.py synth`` (``--communes`` × ``--villages``,
   ``--existing`` households per commune already there);
2. makes ``--devices`` surveyor accounts (one village each, spread over the communes) and one
   city-staff account with a signed-in session per board;
3. starts ``--servers`` daphne processes with the production settings (DEBUG off, Redis cache,
   rate limit, channel layer and Celery queue; no Celery worker runs), takes each phone's token;
4. opens ``--boards`` websockets on ``/ws/boards/<code>/`` (the city's board and the communes'),
   each reading its snapshot and then counting the events pushed to it;
5. for ``--duration`` seconds, households *arrive* at ``--rate`` per second (an open model:
   arrivals do not wait for the server), each on a random phone, as one ``household.upsert``
   plus one ``resident.upsert`` per member (people drawn by the synth generator). Each phone
   pushes what it holds every ``--push-interval`` seconds (with jitter), at most 200 operations a
   request, at once again while more is waiting; it honours 429/503 ``Retry-After`` (with
   jitter), sends again after a connection error or 5xx, and sends again the operations
   answered ``rejected`` with ``retry`` — until every operation has a final answer. After the
   arrivals stop the phones drain their outboxes (at most ``--drain`` seconds);
6. prints and writes (``bench/results/load.md`` and ``.json``, ``--out``) throughput (households
   and people applied per second, per 10-second window too), request latency p50/p95/p99, HTTP
   statuses (429 and 503 apart), errors, board connections and events, CPU;
7. checks on the database that every generated operation is on the server exactly once:
   logged once in ``sync.OpLog`` with the answer the phone got, each applied one with exactly
   one ``Change`` row, every household and resident whose upsert was applied present once.

``--ci`` is a short bounded run (20 s at 30 households/s, 20 boards, one server) for
``tests/faults/test_load_smoke.py``. The exit status is 0 only when every operation was
acknowledged and the database check passed.

    .venv/bin/python bench/load.py                      # 180 s at 470 households/s, 200 boards
    .venv/bin/python bench/load.py --duration 60 --rate 200
    .venv/bin/python bench/load.py --ci --out /tmp/load-ci

Needs PostgreSQL at ``--postgres`` (a role that may create databases) and Redis at ``--redis``.
"""

import argparse
import asyncio
import datetime
import importlib.util
import json
import os
import random
import secrets
import shlex
import statistics
import string
import sys
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PUSH = "/api/sync/push"
FINAL = ("applied", "duplicate", "conflict", "rejected")
WINDOW = 10  # seconds per row of the time series


def _bench_sync():
    """bench/sync.py, imported under another name (``sync`` is also the Django app)."""
    spec = importlib.util.spec_from_file_location("bench_sync", Path(__file__).with_name("sync.py"))
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(Path(__file__).parent))
    spec.loader.exec_module(module)
    return module


bench_sync = _bench_sync()


# --- options ------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--duration", type=float, default=180, help="seconds households arrive (default 180)"
    )
    parser.add_argument(
        "--rate", type=float, default=470, help="households arriving per second (default 470)"
    )
    parser.add_argument(
        "--boards", type=int, default=200, help="board websockets kept open (default 200)"
    )
    parser.add_argument(
        "--devices",
        type=int,
        default=300,
        help="phones (surveyors), one village each (default 300)",
    )
    parser.add_argument(
        "--push-interval",
        type=float,
        default=5.0,
        help="seconds between a phone's pushes (default 5)",
    )
    parser.add_argument(
        "--drain",
        type=float,
        default=900,
        help="cap on the seconds to drain the outboxes after the arrivals",
    )
    parser.add_argument(
        "--servers", type=int, default=2, help="daphne processes, one port each (default 2)"
    )
    parser.add_argument(
        "--max-in-flight",
        type=int,
        default=12,
        help="SYNC_MAX_IN_FLIGHT of each server: push requests held per process, beyond it 503 (default 12); "
        "each holds a PostgreSQL connection, so servers × this must stay well under max_connections",
    )
    parser.add_argument("--communes", type=int, default=40)
    parser.add_argument("--villages", type=int, default=8)
    parser.add_argument(
        "--existing", type=int, default=100, help="households per commune already there (synth)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--postgres", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL"
    )
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/14",
        help="Redis URL (default db 14; this run's keys are removed)",
    )
    parser.add_argument(
        "--database", default="pcgd_bench_load", help="database to drop and recreate"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="first server port on 127.0.0.1 (default: free ones)"
    )
    parser.add_argument(
        "--out", default=str(RESULTS / "load"), help="results path without extension"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--note", default="", help="a line to write in the results")
    parser.add_argument(
        "--ci", action="store_true", help="short bounded run: 20 s, 30/s, 20 boards, 1 server"
    )
    args = parser.parse_args(argv)
    if args.ci:
        given = {a.split("=")[0] for a in argv}
        for name, value in (
            ("duration", 20),
            ("rate", 30),
            ("boards", 20),
            ("devices", 20),
            ("servers", 1),
            ("communes", 4),
            ("villages", 5),
            ("existing", 20),
            ("drain", 120),
            ("push_interval", 2.0),
            ("database", "pcgd_bench_load_ci"),
            ("port", 0),
            ("max_in_flight", 8),
        ):
            if f"--{name.replace('_', '-')}" not in given:
                setattr(args, name, value)
    if args.port == 0:
        args.port = _free_ports(args.servers)
    if args.devices < 1 or args.rate <= 0 or args.duration <= 0:
        parser.error("--devices, --rate and --duration must be positive")
    if args.devices > args.communes * args.villages:
        parser.error("at most one phone per village: raise --communes or --villages")
    # what bench/sync.py's helpers read
    args.server, args.app_root, args.database_url = (
        "daphne",
        str(ROOT),
        f"{args.postgres}/{args.database}",
    )
    return args


def _free_ports(count: int) -> int:
    """A first port with ``count`` free consecutive ports after it (the CI run picks its own)."""
    import socket

    for _ in range(50):
        first = random.randint(20000, 60000 - count)  # noqa: S311
        try:
            for port in range(first, first + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
    raise SystemExit("no free ports")


# --- the city, the accounts, the households ----------------------------------------------


@dataclass
class Device:
    index: int
    id: uuid.UUID
    username: str
    village_code: str
    commune_code: str
    port: int = 0
    token: str = ""
    outbox: deque = field(default_factory=deque)  # pending ops (compact tuples, see Storm.op_body)
    wake: asyncio.Event | None = None


def make_tokens(devices: list[Device]) -> None:
    """API tokens made in the database (300 sign-ins through HTTP cost minutes of password hashing)."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    users = dict(
        get_user_model()
        .objects.filter(username__in=[d.username for d in devices])
        .values_list("username", "pk")
    )
    for device in devices:
        device.token = Token.objects.create(user_id=users[device.username]).key


def make_sessions(count: int, city_code: str) -> list[str]:
    """A city-staff account and ``count`` signed-in sessions of it (the boards' cookies)."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore

    from areas.models import Area
    from areas.services import user_upsert

    user = get_user_model().objects.create(
        username="bench_load_board", password=make_password(None)
    )
    user_upsert(username=user.username, role="city_staff", area=Area.objects.get(code=city_code))
    keys = []
    for _ in range(count):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


def make_templates(args, plan, round_year: int, count: int) -> list[dict]:
    """Households drawn by the synth generator, as wire data; each arrival copies one with new ids."""
    from synth.people import PopulationGenerator
    from synth.services import school_names, visit_window

    start, days = visit_window(round_year, None)
    generator = PopulationGenerator(
        rng=random.Random(f"bench-load:{args.seed}"),
        year=round_year,
        province_code=plan.code,
        visit_window=(start, days),
    )
    village = plan.communes[0].villages[0]
    schools = school_names(village.commune, "Hải Phòng")
    templates = []
    for serial in range(1, count + 1):
        hh = generator.household(village, serial, schools)
        members = []
        for person in hh.members:
            wire = bench_sync.member_wire(person, "")
            if wire["enrollment"] is not None:
                wire["enrollment"]["round"] = round_year
            if wire["dropped_out"] and not 1 <= (wire["dropped_out"].get("grade") or 1) <= 12:
                wire["dropped_out"] = (
                    None  # a known synth quirk the server rightly rejects (bench/README.md)
                )
            members.append(wire)
        templates.append(
            {
                "household": {
                    "address": hh.address,
                    "residence": hh.residence,
                    "phone": hh.phone,
                    "note": "",
                },
                "members": members,
            }
        )
    return templates


# --- the storm ------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list = field(default_factory=list)  # seconds, answered 200
    http: Counter = field(default_factory=Counter)
    results: Counter = field(default_factory=Counter)  # (kind, status) → ops
    answers: dict = field(default_factory=dict)  # op_id → final status
    windows: dict = field(default_factory=dict)  # window → Counter
    retried_ops: int = 0
    errors: list = field(default_factory=list)
    last_answer: float = 0.0
    arrived_households: int = 0
    arrived_people: int = 0
    generated: list = field(default_factory=list)  # (op_id, kind, entity_id)

    def window(self, t: float) -> Counter:
        return self.windows.setdefault(int(t // WINDOW), Counter())


@dataclass
class Boards:
    connected: int = 0
    connect_failures: int = 0
    snapshot_seconds: list = field(default_factory=list)
    events: Counter = field(default_factory=Counter)
    drops: int = 0
    errors: list = field(default_factory=list)


class Storm:
    def __init__(
        self,
        args,
        devices: list[Device],
        templates: list[dict],
        round_year: int,
        sessions: list[str],
        board_codes: list[str],
    ):
        self.args, self.devices, self.templates, self.round_year = (
            args,
            devices,
            templates,
            round_year,
        )
        self.sessions, self.board_codes = sessions, board_codes
        self.tally, self.boards = Tally(), Boards()
        self.rng = random.Random(args.seed)
        self.arriving = True
        self.t0 = 0.0
        self.clock = int(time.time() * 1000)
        self.serial = 0

    # households arrive (an open model: at the rate, whatever the server does)
    def arrive(self) -> None:
        device = self.devices[self.rng.randrange(len(self.devices))]
        index = self.rng.randrange(len(self.templates))
        template = self.templates[index]
        self.serial += 1
        hid = str(uuid.uuid4())
        number = f"L{device.index:03d}-{self.serial:06d}"
        ops = [(str(uuid.uuid4()), "household.upsert", hid, None, hid, number)]
        for position, _member in enumerate(template["members"]):
            ops.append(
                (str(uuid.uuid4()), "resident.upsert", str(uuid.uuid4()), position, hid, number)
            )
        for o in ops:
            self.tally.generated.append((o[0], o[1], o[2]))
        device.outbox.extend((o, index) for o in ops)
        self.tally.arrived_households += 1
        self.tally.arrived_people += len(template["members"])

    def op_body(self, item, device: Device) -> dict:
        (op_id, kind, entity_id, position, hid, number), index = item
        template = self.templates[index]
        self.clock += 1
        if kind == "household.upsert":
            data = {"village": device.village_code, "number": number, **template["household"]}
        else:
            data = {**template["members"][position], "household": hid}
        return {
            "op_id": op_id,
            "kind": kind,
            "entity_id": entity_id,
            "base_version": None,
            "base": {},
            "data": data,
            "at": self.clock,
        }

    async def arrivals(self) -> None:
        began = time.perf_counter()
        made = 0
        while True:
            elapsed = time.perf_counter() - began
            if elapsed >= self.args.duration:
                break
            due = int(elapsed * self.args.rate)
            while made < due:
                self.arrive()
                made += 1
            await asyncio.sleep(0.05)
        self.arriving = False
        for device in self.devices:
            device.wake.set()

    async def phone(self, device: Device, session) -> None:
        import aiohttp

        url = f"http://127.0.0.1:{device.port}{PUSH}"
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Token {device.token}",
            "User-Agent": "bench-load/1 (simulated phone)",
        }
        await asyncio.sleep(self.rng.uniform(0, self.args.push_interval))
        deadline = None
        while True:
            if not device.outbox:
                if not self.arriving:
                    return
                device.wake.clear()
                try:
                    await asyncio.wait_for(
                        device.wake.wait(), self.args.push_interval * self.rng.uniform(0.8, 1.2)
                    )
                except TimeoutError:
                    pass
                continue
            if not self.arriving:
                deadline = deadline or time.perf_counter() + self.args.drain
                if time.perf_counter() > deadline:
                    return
            batch = [device.outbox.popleft() for _ in range(min(200, len(device.outbox)))]
            body = json.dumps(
                {
                    "device": str(device.id),
                    "round": self.round_year,
                    "ops": [self.op_body(item, device) for item in batch],
                },
                ensure_ascii=False,
            )
            began = time.perf_counter()
            wait = 0.0
            try:
                async with session.post(url, data=body.encode(), headers=headers) as response:
                    status = response.status
                    payload = await response.read()
                    retry_after = response.headers.get("Retry-After")
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                status, payload, retry_after = type(exc).__name__, b"", None
            took = time.perf_counter() - began
            now = time.perf_counter() - self.t0
            self.tally.http[status] += 1
            self.tally.window(now)[f"http {status}"] += 1
            if status == 200:
                self.tally.latencies.append(took)
                again = []
                for item, result in zip(batch, json.loads(payload)["results"], strict=True):
                    kind = item[0][1]
                    if result["status"] == "rejected" and result.get("retry"):
                        again.append(item)
                        continue
                    self.tally.results[(kind, result["status"])] += 1
                    self.tally.answers[item[0][0]] = result["status"]
                    if result["status"] == "applied":
                        self.tally.window(now)[f"applied {kind}"] += 1
                    elif result["status"] != "duplicate" and len(self.tally.errors) < 20:
                        self.tally.errors.append(
                            f"{kind} {result['status']}: {result.get('errors')}"
                        )
                self.tally.last_answer = time.perf_counter()
                if again:
                    self.tally.retried_ops += len(again)
                    device.outbox.extend(again)  # with the next batch, as the phone does
                    if len(again) == len(batch):
                        wait = 1.0
            else:
                device.outbox.extendleft(
                    reversed(batch)
                )  # the same operations, the same ids, first
                if status in (429, 503):
                    wait = float(retry_after or 5) * self.rng.uniform(
                        1.0, 1.2
                    )  # as told, with jitter
                else:
                    wait = self.rng.uniform(1.0, 2.0)
                    if len(self.tally.errors) < 20:
                        self.tally.errors.append(f"HTTP {status}: {payload[:200]!r}")
            if wait:
                await asyncio.sleep(wait)
            elif len(device.outbox) < 200 and self.arriving:
                device.wake.clear()
                try:
                    await asyncio.wait_for(
                        device.wake.wait(), self.args.push_interval * self.rng.uniform(0.8, 1.2)
                    )
                except TimeoutError:
                    pass

    async def board(self, index: int, session, stop: asyncio.Event) -> None:
        import aiohttp

        code = self.board_codes[index % len(self.board_codes)]
        port = self.devices[index % len(self.devices)].port
        headers = {
            "Cookie": f"sessionid={self.sessions[index]}",
            "Origin": f"http://127.0.0.1:{port}",
        }
        await asyncio.sleep(index * 0.05)  # open them over a few seconds, as people arrive at work
        while not stop.is_set():
            began = time.perf_counter()
            try:
                async with session.ws_connect(
                    f"ws://127.0.0.1:{port}/ws/boards/{code}/", headers=headers, heartbeat=30
                ) as ws:
                    first = await ws.receive(timeout=60)
                    if first.type != aiohttp.WSMsgType.TEXT:
                        raise ConnectionError(f"no snapshot: {first.type} {first.data!r}")
                    self.boards.snapshot_seconds.append(time.perf_counter() - began)
                    self.boards.connected += 1
                    while not stop.is_set():
                        try:
                            msg = await ws.receive(timeout=1)
                        except TimeoutError:
                            continue
                        if msg.type != aiohttp.WSMsgType.TEXT:
                            self.boards.drops += 1
                            break
                        self.boards.events[json.loads(msg.data).get("type", "?")] += 1
                    else:
                        return
            except (aiohttp.ClientError, TimeoutError, ConnectionError, OSError) as exc:
                self.boards.connect_failures += 1
                if len(self.boards.errors) < 10:
                    self.boards.errors.append(repr(exc)[:200])
            await asyncio.sleep(2 * random.uniform(0.8, 1.2))  # noqa: S311 - reconnect with jitter

    async def run(self) -> dict:
        import aiohttp

        for device in self.devices:
            device.wake = asyncio.Event()
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
        timeout = aiohttp.ClientTimeout(total=600)
        stop_boards = asyncio.Event()
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            boards = [
                asyncio.create_task(self.board(i, session, stop_boards))
                for i in range(self.args.boards)
            ]
            settle = time.perf_counter() + max(5.0, self.args.boards * 0.05 + 5)
            while (
                time.perf_counter() < settle
                and self.boards.connected + self.boards.connect_failures < self.args.boards
            ):
                await asyncio.sleep(0.2)
            boards_before = self.boards.connected
            self.t0 = time.perf_counter()
            phones = [asyncio.create_task(self.phone(d, session)) for d in self.devices]
            arrivals = asyncio.create_task(self.arrivals())
            await arrivals
            arrivals_end = time.perf_counter() - self.t0
            await asyncio.gather(*phones)
            stop_boards.set()
            await asyncio.gather(*boards)
        return {
            "arrivals_seconds": arrivals_end,
            "boards_open_before_storm": boards_before,
            "wall": (self.tally.last_answer or time.perf_counter()) - self.t0,
        }


# --- checking --------------------------------------------------------------------------------


def verify(url: str, tally: Tally) -> dict:
    """Every generated op is on the server exactly once, with the answer the phone got."""
    ids = [g[0] for g in tally.generated]
    kinds = {g[0]: g[1] for g in tally.generated}
    entity = {g[0]: g[2] for g in tally.generated}
    applied = [i for i in ids if tally.answers.get(i) == "applied"]
    with psycopg.connect(url) as conn:

        def scalar(sql, *a):
            return conn.execute(sql, a).fetchone()[0]

        conn.execute("CREATE TEMP TABLE gen (op_id uuid PRIMARY KEY, kind text, entity_id uuid)")
        with conn.cursor().copy("COPY gen (op_id, kind, entity_id) FROM STDIN") as copy:
            for g in tally.generated:
                copy.write_row(g)
        logged = scalar("SELECT count(*) FROM sync_oplog o JOIN gen USING (op_id)")
        logged_status = dict(
            conn.execute(
                "SELECT o.status, count(*) FROM sync_oplog o JOIN gen USING (op_id) GROUP BY 1"
            ).fetchall()
        )
        mismatched = sum(
            1
            for op_id, status in conn.execute(
                "SELECT op_id::text, status FROM sync_oplog o JOIN gen USING (op_id)"
            ).fetchall()
            if tally.answers.get(op_id)
            not in (status, "duplicate" if status == "applied" else None)
        )
        per_op = conn.execute(
            "SELECT count(*), count(DISTINCT c.op_id), coalesce(max(n), 0) FROM (SELECT c.op_id, count(*) AS n "
            "FROM surveys_change c JOIN gen g ON g.op_id = c.op_id WHERE c.entity IN ('household', 'resident') "
            "GROUP BY c.op_id) c"
        ).fetchone()
        households = scalar(
            "SELECT count(*) FROM surveys_household h JOIN gen g ON g.entity_id = h.id "
            "AND g.kind = 'household.upsert'"
        )
        residents = scalar(
            "SELECT count(*) FROM surveys_resident r JOIN gen g ON g.entity_id = r.id "
            "AND g.kind = 'resident.upsert'"
        )
    applied_households = sum(1 for i in applied if kinds[i] == "household.upsert")
    applied_residents = sum(1 for i in applied if kinds[i] == "resident.upsert")
    rejected_households = {
        entity[i]
        for i in ids
        if kinds[i] == "household.upsert" and tally.answers.get(i) == "rejected"
    }
    checks = {
        "ops generated = ops answered": (len(tally.answers), len(ids)),
        "ops logged once in sync_oplog": (logged, len(ids)),
        "logged result ≠ answer the phone got": (mismatched, 0),
        "applied ops with their Change rows": (per_op[1], len(applied)),
        "most Change rows of one applied op": (per_op[2], 1 if applied else 0),
        "households on the server": (households, applied_households),
        "residents on the server": (residents, applied_residents),
    }
    ok = all(found == expected for found, expected in checks.values())
    return {
        "ok": ok,
        "checks": {k: {"found": f, "expected": e} for k, (f, e) in checks.items()},
        "logged_by_status": logged_status,
        "rejected_households": len(rejected_households),
    }


# --- the report -----------------------------------------------------------------------------


def summarise(args, argv, machine, data, run, tally: Tally, boards: Boards, check, cpu) -> dict:
    wall = run["wall"]
    applied = {k: tally.results[(k, "applied")] for k in ("household.upsert", "resident.upsert")}
    pct = bench_sync.percentile
    series = []
    for w in sorted(tally.windows):
        c = tally.windows[w]
        series.append(
            {
                "from_s": w * WINDOW,
                "households_per_s": round(c["applied household.upsert"] / WINDOW, 1),
                "people_per_s": round(c["applied resident.upsert"] / WINDOW, 1),
                "http_200": c["http 200"],
                "http_429": c["http 429"],
                "http_503": c["http 503"],
                "other": sum(
                    v
                    for k, v in c.items()
                    if k.startswith("http ") and k not in ("http 200", "http 429", "http 503")
                ),
            }
        )
    in_window = [s for s in series if s["from_s"] + WINDOW <= run["arrivals_seconds"]]
    steady = [s for s in in_window if s["from_s"] >= 20] or in_window
    return {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": shlex.join(["bench/load.py", *argv]),
        "note": args.note,
        "machine": machine,
        "options": {
            k: getattr(args, k)
            for k in (
                "duration",
                "rate",
                "boards",
                "devices",
                "push_interval",
                "servers",
                "max_in_flight",
                "communes",
                "villages",
                "existing",
                "drain",
                "seed",
                "ci",
            )
        },
        "data": data,
        "arrived": {
            "households": tally.arrived_households,
            "people": tally.arrived_people,
            "ops": len(tally.generated),
            "households_per_second": round(tally.arrived_households / run["arrivals_seconds"], 1),
        },
        "wall_seconds": round(wall, 1),
        "arrivals_seconds": round(run["arrivals_seconds"], 1),
        "drain_seconds": round(wall - run["arrivals_seconds"], 1),
        "applied": applied,
        "households_per_second": round(applied["household.upsert"] / wall, 1) if wall else 0,
        "people_per_second": round(applied["resident.upsert"] / wall, 1) if wall else 0,
        "steady_households_per_second": round(
            statistics.fmean(s["households_per_s"] for s in steady), 1
        )
        if steady
        else None,
        "results": {f"{k} {s}": n for (k, s), n in sorted(tally.results.items())},
        "ops_sent_again_after_retry": tally.retried_ops,
        "requests": {str(k): v for k, v in sorted(tally.http.items(), key=lambda kv: str(kv[0]))},
        "http_429": tally.http[429],
        "http_503": tally.http[503],
        "http_errors": sum(v for k, v in tally.http.items() if k not in (200, 429, 503)),
        "latency_ms": {
            "p50": round(pct(tally.latencies, 0.50) * 1000),
            "p95": round(pct(tally.latencies, 0.95) * 1000),
            "p99": round(pct(tally.latencies, 0.99) * 1000),
            "max": round(max(tally.latencies, default=0) * 1000),
            "requests": len(tally.latencies),
        },
        "boards": {
            "asked": args.boards,
            "open_before_storm": run["boards_open_before_storm"],
            "connections": boards.connected,
            "connect_failures": boards.connect_failures,
            "dropped": boards.drops,
            "events": dict(boards.events),
            "snapshot_ms_p50": round(pct(boards.snapshot_seconds, 0.5) * 1000)
            if boards.snapshot_seconds
            else None,
            "snapshot_ms_p95": round(pct(boards.snapshot_seconds, 0.95) * 1000)
            if boards.snapshot_seconds
            else None,
            "errors": boards.errors,
        },
        "cpu": {
            **cpu,
            "server_ms_per_household": round(
                1000 * cpu["servers_seconds"] / applied["household.upsert"], 1
            )
            if applied["household.upsert"]
            else None,
        },
        "series": series,
        "errors": tally.errors[:20],
        "verify": check,
        "all_acknowledged": len(tally.answers) == len(tally.generated),
        "meets_rate": bool(steady)
        and statistics.fmean(s["households_per_s"] for s in steady) >= 0.95 * args.rate,
    }


def markdown(r: dict) -> str:
    m, o, lat, b = r["machine"], r["options"], r["latency_ms"], r["boards"]
    pg = m["postgresql"]
    verdict = "kept up with" if r["meets_rate"] else "did not keep up with"
    lines = [
        "# load: the deadline storm through HTTP, with the boards open (PostgreSQL)",
        "",
        f"Measured {r['when']} on {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_mb']:,} MB, Python {m['python']}, "
        f"PostgreSQL {pg['server_version']} (shared_buffers {pg['shared_buffers']}, synchronous_commit "
        f"{pg['synchronous_commit']}), Django {m['versions']['django']}, {o['servers']} daphne process(es) "
        f"(SYNC_MAX_IN_FLIGHT {o['max_in_flight']} each), no Celery worker. Load generator, servers and PostgreSQL share the machine"
        + (
            f"; it was {r['cpu']['machine_busy_before']:.0%} busy with other work just before the run."
            if r["cpu"].get("machine_busy_before") is not None
            else "."
        ),
        "",
        f"Command: `.venv/bin/python {r['command']}`" + (f" — {r['note']}" if r["note"] else ""),
        "",
        f"Households arrived at {o['rate']:g}/s for {o['duration']:g} s on {o['devices']} phones (one surveyor and "
        f"village each; household.upsert + one resident.upsert per member), pushed every ≈{o['push_interval']:g} s "
        f"per phone, ≤ 200 ops a request, while {o['boards']} board websockets were open; the city had "
        f"{o['communes']} communes × {o['villages']} villages and {r['data']['existing_households']:,} households "
        "before the run.",
        "",
        f"**The server {verdict} the arrival rate.** Every operation acknowledged: "
        f"{'yes' if r['all_acknowledged'] else '**NO**'}; checked on the database: "
        f"{'all good' if r['verify']['ok'] else '**MISMATCH**'}.",
        "",
        "| Figure | Value |",
        "|---|---|",
        f"| households / people arrived | {r['arrived']['households']:,} / {r['arrived']['people']:,} "
        f"({r['arrived']['ops']:,} ops, {r['arrived']['households_per_second']}/s) |",
        f"| **households applied per second** (first push → last answer) | **{r['households_per_second']}** |",
        f"| **people applied per second** | **{r['people_per_second']}** |",
        f"| households applied per second while arriving (after 20 s) | {r['steady_households_per_second']} |",
        f"| wall seconds: arrivals / drain afterwards | {r['arrivals_seconds']} / {r['drain_seconds']} |",
        f"| request latency p50 / p95 / p99 / max (ms), answered 200 | {lat['p50']:,} / {lat['p95']:,} / "
        f"{lat['p99']:,} / {lat['max']:,} |",
        f"| push requests: 200 / **429** / **503** / errors | {lat['requests']:,} / {r['http_429']:,} / "
        f"{r['http_503']:,} / {r['http_errors']:,} |",
        f"| HTTP answers by status | {', '.join(f'{k}: {v:,}' for k, v in r['requests'].items())} |",
        f"| ops answered rejected-retry and sent again | {r['ops_sent_again_after_retry']:,} |",
        f"| results | {', '.join(f'{k}: {v:,}' for k, v in r['results'].items())} |",
        f"| boards: open before the storm / connections / failures / dropped | {b['open_before_storm']} / "
        f"{b['connections']} / {b['connect_failures']} / {b['dropped']} |",
        f"| board snapshot on connect p50 / p95 (ms) | {b['snapshot_ms_p50']} / {b['snapshot_ms_p95']} |",
        f"| board events received | {', '.join(f'{k}: {v:,}' for k, v in sorted(b['events'].items())) or 'none'} |",
        f"| CPU seconds: servers / load generator; machine busy | {r['cpu']['servers_seconds']} / "
        f"{r['cpu']['client_seconds']}; {r['cpu']['machine_busy_share']:.0%} |",
        f"| server CPU per household applied (ms, HTTP and its residents included) | "
        f"{r['cpu']['server_ms_per_household']} |",
        "",
        f"Per {WINDOW}-second window (applied, and answers to pushes):",
        "",
        "| from (s) | households/s | people/s | 200 | 429 | 503 | other |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        *[
            f"| {s['from_s']} | {s['households_per_s']} | {s['people_per_s']} | {s['http_200']} | {s['http_429']} | "
            f"{s['http_503']} | {s['other']} |"
            for s in r["series"]
        ],
        "",
        "Checked on the database: " + ("all good." if r["verify"]["ok"] else "**MISMATCH**."),
        "",
        "| Check | Found | Expected |",
        "|---|---:|---:|",
        *[
            f"| {k} | {c['found']:,} | {c['expected']:,} |"
            for k, c in r["verify"]["checks"].items()
        ],
    ]
    if r["errors"]:
        lines += ["", "First errors:", ""] + [f"- `{e[:200]}`" for e in r["errors"][:5]]
    lines += ["", "Reproduce: see docs/reliability.md (`bench/load.py`).", ""]
    return "\n".join(lines)


# --- main --------------------------------------------------------------------------------------


def main(argv: list[str]) -> dict:
    args = parse_args(argv)
    secret_key = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(50))
    env = bench_sync.app_env(args, secret_key)
    env["CHANNEL_LAYER_PREFIX"] = f"bench-load-{os.getpid()}"
    env["SYNC_MAX_IN_FLIGHT"] = str(args.max_in_flight)
    log = Path(f"/tmp/bench-load-{os.getpid()}.log")  # noqa: S108 - this run's server log

    def say(text: str) -> None:
        sys.stderr.write(f"[bench/load {time.strftime('%H:%M:%S', time.gmtime())}] {text}\n")

    say(f"database {args.database}: recreate, migrate, synth {args.communes} communes")
    bench_sync.recreate_database(args.postgres, args.database)
    bench_sync.manage(["migrate", "--noinput", "-v", "0"], env, ROOT)
    bench_sync.setup_django(env)
    from synth.services import current_round_year

    round_year = current_round_year()
    synth = json.loads(
        bench_sync.manage(
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
            ROOT,
        )
    )
    plan = bench_sync.make_city_plan(args, round_year)
    devices = []
    for i in range(args.devices):
        commune = plan.communes[i % len(plan.communes)]
        village = commune.villages[(i // len(plan.communes)) % len(commune.villages)]
        devices.append(
            Device(
                index=i,
                id=uuid.UUID(int=random.Random(f"load{i}").getrandbits(128), version=4),
                username=f"bench_gv_{i:03d}",
                village_code=village.code,
                commune_code=commune.code,
            )
        )
    say(f"{args.devices} surveyors, {args.boards} board sessions, household templates")
    bench_sync.make_accounts(devices, plan)
    make_tokens(devices)
    sessions = make_sessions(args.boards, plan.code)
    templates = make_templates(args, plan, round_year, 500)
    board_codes = [plan.code, *[c.code for c in plan.communes]]
    from django.db import connections

    connections.close_all()
    machine = bench_sync.machine_facts(args.database_url)
    data = {
        "round": round_year,
        "existing_households": synth["households"],
        "existing_people": synth["people"],
        "templates": len(templates),
    }

    servers = bench_sync.Servers(args, env, lifetime=args.duration + args.drain + 600, log=log)
    say(f"starting {args.servers} daphne process(es) from port {args.port}")
    servers.start()
    time.sleep(1.0)
    if any(
        p.poll() is not None for p in servers.procs
    ):  # e.g. the port was taken: another server answered
        servers.stop()
        raise SystemExit(f"a server exited at start: see {log}")
    try:
        for device in devices:
            device.port = servers.ports[device.index % len(servers.ports)]
        idle = bench_sync.background_busy(2.0)
        say(
            f"storm: {args.rate:g} households/s for {args.duration:g} s, {args.devices} phones, {args.boards} boards "
            f"(machine {idle:.0%} busy before)"
        )
        storm = Storm(args, devices, templates, round_year, sessions, board_codes)
        cpu0, client0, busy0 = servers.cpu_seconds(), time.process_time(), bench_sync.machine_busy()
        run = asyncio.run(storm.run())
        busy1 = bench_sync.machine_busy()
        cpu = {
            "servers_seconds": round(servers.cpu_seconds() - cpu0, 1),
            "client_seconds": round(time.process_time() - client0, 1),
            "machine_busy_share": round((busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]), 3),
            "machine_busy_before": idle,
        }
    finally:
        servers.stop()
        bench_sync.clean_redis(args.redis, env["CHANNEL_LAYER_PREFIX"])
    say(f"done in {run['wall']:.1f} s; verifying {len(storm.tally.generated):,} operations")
    check = verify(args.database_url, storm.tally)
    if not args.keep:
        bench_sync.drop_database(args.postgres, args.database)
    result = summarise(args, argv, machine, data, run, storm.tally, storm.boards, check, cpu)
    server_errors = [
        line
        for line in log.read_text(errors="replace").splitlines()
        if "Error" in line and not line.startswith(" ")
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
    log.unlink(missing_ok=True)
    if not (check["ok"] and result["all_acknowledged"]):
        raise SystemExit(2)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
