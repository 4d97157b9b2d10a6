"""Redis goes down (a private redis-server, killed): sync and edits keep working, the boards
answer by polling, and everything comes back when Redis does.

Redis carries the cache (the sync rate limit, the indicator refresh marks), the Celery
broker and the channel layer of the boards' websockets; none of them may break a write.
The server runs as in production on that point: REDIS_URL set, Celery not eager.
"""

import asyncio
import json
import time
import urllib.request

import aiohttp
import redis as redis_client

from tests.faults.phone import Phone, check_exactly_once, outbox
from tests.faults.procs import app_env, seed, wait_until


def _api(server, token: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{server.url}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310 - loopback
            return reply.status, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _queued_tasks(redis) -> int:
    """Messages waiting in Celery's default queue (no worker runs in this test)."""
    return redis_client.Redis(port=redis.port).llen("celery")


def test_sync_and_edits_work_while_redis_is_down(database, redis, servers, work_dir):
    env = app_env(database, redis.url)
    facts = seed(env)
    server = servers(env, work_dir / "daphne.log").start()
    phone = Phone(server.url, facts["surveyor_token"], facts["round"], batch_ops=60)

    before = outbox(facts["village"], 10, "UP")
    phone.sync(before)
    assert _queued_tasks(redis) > 0, "with Redis up the after-commit jobs go to the Celery queue"

    redis.down()
    during = outbox(facts["village"], 40, "DOWN")  # 120 operations, 2 batches
    began = time.monotonic()
    phone.sync(during)
    took = time.monotonic() - began
    assert took < 15, f"pushing 120 operations took {took:.1f} s with Redis down"
    assert set(phone.http) == {200}, dict(phone.http)

    household = during[0]["entity_id"]
    status, body = _api(
        server,
        facts["surveyor_token"],
        "PATCH",
        f"/api/households/{household}/?round={facts['round']}",
        {"address": "Số 99, đường Lạch Tray"},
    )
    assert status == 200, body
    status, body = _api(
        server,
        facts["surveyor_token"],
        "GET",
        f"/api/households/{household}/?round={facts['round']}",
    )
    assert status == 200 and body["address"] == "Số 99, đường Lạch Tray", body

    redis.up()  # same port, empty
    time.sleep(5.5)  # the Celery publisher's pause after a failure (server/celery.py BROKER_PAUSE)
    after = outbox(facts["village"], 10, "BACK")
    phone.sync(after)
    wait_until(
        lambda: _queued_tasks(redis) > 0,
        seconds=10,
        what="a task queued again after Redis came back",
    )

    figures = check_exactly_once(database, before + during + after)
    assert set(phone.answers.values()) == {"applied"}
    print(f"120 ops with Redis down in {took:.2f} s; {figures}")  # noqa: T201


async def _board_socket(server, facts, session: aiohttp.ClientSession):
    return await session.ws_connect(
        f"ws://127.0.0.1:{server.port}/ws/boards/{facts['commune']}/",
        headers={"Cookie": f"sessionid={facts['staff_session']}", "Origin": server.url},
        timeout=aiohttp.ClientWSTimeout(ws_close=10),
    )


async def _next_event(ws, kind: str, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        msg = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        if msg.type != aiohttp.WSMsgType.TEXT:
            raise AssertionError(f"the board socket ended: {msg.type} {msg.data!r}")
        data = json.loads(msg.data)
        if data.get("type") == kind:
            return data
    raise AssertionError(f"no {kind} event within {seconds} s")


def test_boards_fall_back_to_polling_and_recover(database, redis, servers, work_dir):
    env = app_env(database, redis.url)
    facts = seed(env)
    server = servers(env, work_dir / "daphne.log").start()
    phone = Phone(server.url, facts["surveyor_token"], facts["round"], batch_ops=60)
    board = f"/api/boards/{facts['commune']}/?round={facts['round']}"

    async def scenario():
        async with aiohttp.ClientSession() as session:
            # Redis up: the live board gets its snapshot, then the events of a sync.
            ws = await _board_socket(server, facts, session)
            first = json.loads((await ws.receive(timeout=10)).data)
            assert first.get("type") != "sync.seen", first  # the snapshot comes first
            await asyncio.to_thread(phone.sync, outbox(facts["village"], 5, "UP"))
            await _next_event(ws, "sync.seen", 10)
            await ws.close()

            # Redis down: syncing works, the websocket cannot join its group, polling answers.
            redis.down()
            ops = outbox(facts["village"], 5, "DOWN")
            await asyncio.to_thread(phone.sync, ops)
            status, snapshot = await asyncio.to_thread(
                _api, server, facts["staff_token"], "GET", board
            )
            assert status == 200, snapshot
            down_ws_failed = False
            try:
                ws = await _board_socket(server, facts, session)
                msg = await ws.receive(timeout=10)
                down_ws_failed = msg.type != aiohttp.WSMsgType.TEXT or not json.loads(msg.data)
                await ws.close()
            except (TimeoutError, aiohttp.ClientError):
                down_ws_failed = True
            assert down_ws_failed, "a board socket worked without its channel layer"

            # Redis back: a new socket connects and receives events again.
            redis.up()
            ws = await _board_socket(server, facts, session)
            first = json.loads((await ws.receive(timeout=10)).data)
            assert first.get("type") != "sync.seen", first
            await asyncio.to_thread(phone.sync, outbox(facts["village"], 5, "BACK"))
            event = await _next_event(ws, "sync.seen", 10)
            await ws.close()
            return snapshot, event

    snapshot, event = asyncio.run(scenario())
    assert event["applied"] == 15, event
    status, again = _api(server, facts["staff_token"], "GET", board)
    assert status == 200
    print(f"polling snapshot keys {sorted(snapshot)[:8]}; event after recovery {event}")  # noqa: T201
