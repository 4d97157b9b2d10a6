"""Benchmark the live boards: 500 websocket clients on the real ASGI server with Redis while phones sync.

What it does (issue 7: p95 delay from commit to event ≤ 1 s; sync throughput with and
without the boards connected):

1. recreates a PostgreSQL database (``--database``, default ``pcgd_bench_boards``),
   migrates it and fills a synthetic city with ``manage.py synth`` (which also
   rebuilds the board counters); makes one surveyor per device (bench/sync.py's
   helpers: same outboxes of new households, batches of ≤ 200 operations) and one
   city-staff account whose session the board clients use;
2. starts ``--servers`` daphne processes with the production settings (DEBUG off,
   Redis channel layer, cache and rate limit);
3. phase "without boards": the first half of the devices push their outboxes
   concurrently; throughput = operations (and people) applied per second;
4. phase "with boards": ``--boards`` websocket clients connect to
   ``/ws/boards/<code>/`` (one in ten to the city's board, the rest to the
   communes', spread over the servers), wait for their snapshot, then the second
   half of the devices push the same amount of work. Every ``survey.progress``
   event carries ``at``, the server's clock right after the commit; each client
   notes ``arrival − at`` (same machine, same clock);
5. writes ``bench/results/boards.md`` and ``.json`` (``--out``) and drops the database
   unless ``--keep``.

    .venv/bin/python bench/boards.py                      # 500 boards, 20 devices, 2 daphne processes
    .venv/bin/python bench/boards.py --boards 100 --devices 6 --households-per-device 10   # a quick look

Needs PostgreSQL at ``--postgres`` and Redis at ``--redis``.
"""

import argparse
import asyncio
import datetime
import importlib.util
import json
import os
import random
import secrets
import statistics
import string
import sys
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = ROOT / "bench" / "results"

_spec = importlib.util.spec_from_file_location(
    "bench_sync", HERE / "sync.py"
)  # not "sync": that is the app
bsync = importlib.util.module_from_spec(_spec)
sys.modules["bench_sync"] = bsync
_spec.loader.exec_module(bsync)


class Servers(bsync.Servers):
    """bench/sync.py's daphne processes, with a longer websocket handshake timeout (default 5 s):
    on a machine busy with other work, 500 boards opening at once take longer to be accepted."""

    def _spawn(self, argv: list[str]) -> None:
        if any(str(a).endswith("daphne") for a in argv):
            argv = [*argv[:-1], "--websocket_connect_timeout", "60", argv[-1]]
        super()._spawn(argv)


def parse_args(argv):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--boards", type=int, default=500, help="websocket clients (default 500)")
    p.add_argument("--devices", type=int, default=20, help="phones, half per phase (default 20)")
    p.add_argument("--households-per-device", type=int, default=30)
    p.add_argument(
        "--batch-ops", type=int, default=50, help="operations per push (default 50: many commits)"
    )
    p.add_argument("--servers", type=int, default=2, help="daphne processes (default 2)")
    p.add_argument(
        "--seconds", type=float, default=120, help="cap on each push phase (default 120)"
    )
    p.add_argument("--communes", type=int, default=10)
    p.add_argument("--villages", type=int, default=4)
    p.add_argument("--existing", type=int, default=100, help="households per commune already there")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    p.add_argument("--database", default="pcgd_bench_boards")
    p.add_argument("--port", type=int, default=8410)
    p.add_argument("--out", default=str(RESULTS / "boards"))
    p.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)
    args.app_root = str(ROOT)
    args.server = "daphne"
    if args.devices < 2 or args.devices % 2:
        p.error("--devices must be even (half per phase) and at least 2")
    if args.devices > args.communes * args.villages:
        p.error("at most one device per village")
    return args


def board_session(env: dict) -> tuple[str, str]:
    """A city-staff account and a session for it (the board clients' cookie)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )

    from areas.models import Area
    from areas.services import user_upsert

    user = get_user_model().objects.create(username="bench_thanhpho")
    user.set_unusable_password()
    user.save()
    user_upsert(
        username=user.username, role="city_staff", area=Area.objects.get(code="31", kind="city")
    )
    user = get_user_model().objects.get(pk=user.pk)  # as the upsert left it (its session hash)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["pcgd_password_ok"] = True
    store.save()
    return settings.SESSION_COOKIE_NAME, store.session_key


class Boards:
    """The websocket clients, in one asyncio loop on a thread of their own."""

    def __init__(self, *, count: int, ports: list[int], codes: list[str], cookie: str):
        self.count, self.ports, self.codes, self.cookie = count, ports, codes, cookie
        self.delays: list[float] = []
        self.events = 0
        self.snapshots = 0
        self.errors: list[str] = []
        self.connected = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _client(self, session, index: int, ready: list) -> None:
        port = self.ports[index % len(self.ports)]
        code = self.codes[index % len(self.codes)]
        try:
            async with session.ws_connect(
                f"ws://127.0.0.1:{port}/ws/boards/{code}/",
                headers={"Origin": f"http://127.0.0.1:{port}", "Cookie": self.cookie},
                heartbeat=None,
                max_msg_size=0,
            ) as ws:
                first = await ws.receive_json(timeout=120)
                if first.get("type") != "snapshot":
                    self.errors.append(f"client {index}: first message {first.get('type')}")
                    return
                self.snapshots += 1
                ready.append(index)
                if len(ready) == self.count:
                    self.connected.set()
                while not self.stop.is_set():
                    try:
                        message = await ws.receive(timeout=0.5)
                    except TimeoutError:
                        continue
                    if message.type.name != "TEXT":
                        if message.type.name in ("CLOSE", "CLOSED", "ERROR"):
                            self.errors.append(
                                f"client {index}: {message.type.name} {message.data}"
                            )
                            return
                        continue
                    now = time.time()
                    event = json.loads(message.data)
                    self.events += 1
                    if event.get("type") == "survey.progress" and event.get("at"):
                        self.delays.append(
                            now - datetime.datetime.fromisoformat(event["at"]).timestamp()
                        )
        except Exception as exc:  # noqa: BLE001 - a bench reports every failure
            self.errors.append(f"client {index}: {exc!r}")

    async def _main(self) -> None:
        import aiohttp

        ready: list = []
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            tasks = []
            for i in range(self.count):
                tasks.append(asyncio.create_task(self._client(session, i, ready)))
                if i % 10 == 9:
                    await asyncio.sleep(0.5)  # 20 a second, in waves, as offices open the page
            await asyncio.gather(*tasks)

    def start(self, timeout: float = 300) -> float:
        began = time.perf_counter()
        self.thread.start()
        while not self.connected.wait(0.5):
            if (
                time.perf_counter() - began > timeout
                or self.snapshots + len(self.errors) >= self.count
            ):
                raise SystemExit(
                    f"only {self.snapshots}/{self.count} boards connected; errors: {self.errors[:5]}"
                )
        return time.perf_counter() - began

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


def phase(devices, round_year, seconds, url, servers) -> dict:
    run = bsync.storm(devices, round_year, seconds, url, servers)
    tally = run["tally"]
    applied = {kind: tally.results[(kind, "applied")] for kind in bsync.KINDS}
    ops = sum(tally.results.values())
    wall = run["wall"]
    return {
        "devices": len(devices),
        "wall_seconds": round(wall, 2),
        "ops_answered": ops,
        "ops_applied": sum(applied.values()),
        "people_applied": applied["resident.upsert"],
        "households_applied": applied["household.upsert"],
        "ops_per_second": round(ops / wall, 1) if wall else None,
        "people_per_second": round(applied["resident.upsert"] / wall, 1) if wall else None,
        "push_p50_ms": round(bsync.percentile(tally.latencies, 0.5) * 1000, 1),
        "push_p95_ms": round(bsync.percentile(tally.latencies, 0.95) * 1000, 1),
        "http": {str(k): v for k, v in tally.http.items()},
        "capped": tally.capped,
        "errors": tally.errors[:5],
        "cpu": run["cpu"],
    }


def main(argv) -> dict:
    args = parse_args(argv)
    secret_key = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(50))
    env = bsync.app_env(args, secret_key)
    env["CHANNEL_LAYER_PREFIX"] = f"bench-boards-{os.getpid()}"
    url = f"{args.postgres}/{args.database}"
    log = Path(f"/tmp/bench-boards-{os.getpid()}.log")  # noqa: S108

    def say(text: str) -> None:
        sys.stderr.write(f"[bench/boards {time.strftime('%H:%M:%S', time.gmtime())}] {text}\n")

    say(f"database {args.database}: recreate, migrate, synth {args.communes}×{args.existing}")
    bsync.recreate_database(args.postgres, args.database)
    bsync.manage(["migrate", "--noinput", "-v", "0"], env, ROOT)
    bsync.setup_django(env)
    from synth.services import current_round_year

    round_year = current_round_year()
    synth = json.loads(
        bsync.manage(
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
    plan = bsync.make_city_plan(args, round_year)
    devices = []
    for i in range(args.devices):
        commune = plan.communes[i % len(plan.communes)]
        village = commune.villages[(i // len(plan.communes)) % len(commune.villages)]
        devices.append(
            bsync.Device(
                index=i,
                id=uuid.UUID(int=random.Random(f"dev{i}").getrandbits(128), version=4),
                username=f"bench_gv_{i:03d}",
                village_code=village.code,
                commune_code=commune.code,
            )
        )
    bsync.make_accounts(devices, plan)
    records = bsync.make_outboxes(args, devices, plan, round_year)
    cookie_name, session_key = board_session(env)
    codes = [plan.code] + [c.code for c in plan.communes]
    board_codes = [
        plan.code if i % 10 == 0 else plan.communes[i % len(plan.communes)].code
        for i in range(args.boards)
    ]
    from django.db import connections

    connections.close_all()
    machine = bsync.machine_facts(url)
    servers = Servers(args, env, lifetime=2 * args.seconds + 900, log=log)
    say(f"starting {args.servers} daphne process(es)")
    servers.start()
    boards = None
    try:
        for device in devices:
            device.port = servers.ports[device.index % len(servers.ports)]
        bsync.fetch_tokens(devices)
        idle = bsync.background_busy()
        half = args.devices // 2
        say(f"phase 1: {half} devices, no boards (machine busy before: {idle:.0%})")
        without = phase(devices[:half], round_year, args.seconds, url, servers)
        say(f"  {without['ops_per_second']} ops/s; connecting {args.boards} boards")
        boards = Boards(
            count=args.boards,
            ports=servers.ports,
            codes=board_codes,
            cookie=f"{cookie_name}={session_key}",
        )
        connect_seconds = boards.start()
        time.sleep(2)
        events_before = boards.events
        say(
            f"  {boards.snapshots} boards connected in {connect_seconds:.1f} s; phase 2: {half} devices with boards"
        )
        with_boards = phase(devices[half:], round_year, args.seconds, url, servers)
        time.sleep(3)  # the last events
        boards.close()
        say(f"  {with_boards['ops_per_second']} ops/s; {len(boards.delays)} progress events timed")
    finally:
        if boards is not None:
            boards.stop.set()
        servers.stop()
        bsync.clean_redis(args.redis, env["CHANNEL_LAYER_PREFIX"])
    delays = boards.delays
    result = {
        "bench": "boards",
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "argv": argv,
        "machine": machine,
        "setup": {
            "boards": args.boards,
            "board_codes": {"city": 1, "communes": len(codes) - 1},
            "devices_per_phase": args.devices // 2,
            "households_per_device": args.households_per_device,
            "batch_ops": args.batch_ops,
            "servers": args.servers,
            "communes": args.communes,
            "villages_per_commune": args.villages,
            "existing_households": synth["households"],
            "existing_people": synth["people"],
            "new_households": len(records),
        },
        "without_boards": without,
        "with_boards": with_boards,
        "boards": {
            "connected": boards.snapshots,
            "connect_seconds": round(connect_seconds, 1),
            "events_received": boards.events - events_before,
            "progress_events_timed": len(delays),
            "delay_ms": {
                "p50": round(bsync.percentile(delays, 0.5) * 1000, 1),
                "p95": round(bsync.percentile(delays, 0.95) * 1000, 1),
                "p99": round(bsync.percentile(delays, 0.99) * 1000, 1),
                "max": round(max(delays) * 1000, 1) if delays else None,
                "mean": round(statistics.fmean(delays) * 1000, 1) if delays else None,
            },
            "errors": boards.errors[:5],
            "error_count": len(boards.errors),
        },
        "throughput_ratio_with_over_without": round(
            with_boards["ops_per_second"] / without["ops_per_second"], 3
        )
        if without["ops_per_second"]
        else None,
    }
    if not args.keep:
        bsync.drop_database(args.postgres, args.database)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    out.with_suffix(".md").write_text(markdown(result))
    say(f"results in {out}.md / .json")
    return result


def markdown(r: dict) -> str:
    s, w, wo, b = r["setup"], r["with_boards"], r["without_boards"], r["boards"]
    m = r["machine"]
    return f"""# Live boards: delay from commit to event, and sync throughput with 500 boards open

Run {r["when"]} · `python bench/boards.py {" ".join(r["argv"])}`

Machine: {m["cpus"]} CPUs ({m["cpu_model"]}), {m["memory_mb"]} MB, PostgreSQL {m["postgresql"]["server_version"]},
Redis channel layer, {s["servers"]} daphne processes. **The machine's 2 cores were shared with other
work** (other helpers' tests and benches, the websocket clients and the phones of this bench itself,
all on the same 2 cores): the figures are pessimistic for a dedicated server.

City: {s["communes"]} communes × {s["villages_per_commune"]} villages, {s["existing_households"]:,} households
({s["existing_people"]:,} people) already there; each phase: {s["devices_per_phase"]} phones push
{s["households_per_device"]} new households each (household, members, visit), {s["batch_ops"]} operations per push.

## Delay from commit to the event on the board

{b["connected"]} websocket clients connected ({s["board_codes"]["city"]} city board for one in ten clients, the
rest spread over {s["board_codes"]["communes"]} commune boards) in {b["connect_seconds"]} s. Each client timed every
`survey.progress` event: arrival − `at` (the server's clock just after the commit).

| events timed | p50 | p95 | p99 | max | mean |
|---:|---:|---:|---:|---:|---:|
| {b["progress_events_timed"]:,} | {b["delay_ms"]["p50"]} ms | {b["delay_ms"]["p95"]} ms | {b["delay_ms"]["p99"]} ms | {b["delay_ms"]["max"]} ms | {b["delay_ms"]["mean"]} ms |

Events received in all (every type): {b["events_received"]:,}; client errors: {b["error_count"]}.

## Sync throughput with and without the boards

| phase | devices | wall | ops/s | people/s | push p50 | push p95 | HTTP |
|---|---:|---:|---:|---:|---:|---:|---|
| without boards | {wo["devices"]} | {wo["wall_seconds"]} s | {wo["ops_per_second"]} | {wo["people_per_second"]} | {wo["push_p50_ms"]} ms | {wo["push_p95_ms"]} ms | {wo["http"]} |
| with {b["connected"]} boards | {w["devices"]} | {w["wall_seconds"]} s | {w["ops_per_second"]} | {w["people_per_second"]} | {w["push_p50_ms"]} ms | {w["push_p95_ms"]} ms | {w["http"]} |

Ratio with/without: {r["throughput_ratio_with_over_without"]}. CPU (servers) without: {wo["cpu"]["servers_seconds"]} s,
with: {w["cpu"]["servers_seconds"]} s; machine busy share without: {wo["cpu"]["machine_busy_share"]}, with:
{w["cpu"]["machine_busy_share"]}.
"""


if __name__ == "__main__":
    main(sys.argv[1:])
