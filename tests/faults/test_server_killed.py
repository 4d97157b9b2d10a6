"""The ASGI server is killed (SIGKILL) in the middle of a batch and started again: the phone
sends the same operations again and every one lands exactly once."""

import threading
import time

from tests.faults.phone import Phone, check_exactly_once, outbox
from tests.faults.procs import app_env, seed, wait_until


def test_daphne_killed_mid_batch_then_restarted(database, redis, servers, work_dir):
    env = app_env(database, redis.url)
    facts = seed(env)
    server = servers(env, work_dir / "daphne.log").start()
    ops = outbox(facts["village"], households=120)  # 360 operations, 6 batches of 60
    phone = Phone(server.url, facts["surveyor_token"], facts["round"], batch_ops=60)
    kills = []

    def killer():
        # Wait until the phone has had one batch answered and the next one is on the wire,
        # give the server a moment inside it, then kill it without warning; twice.
        for _ in range(2):
            wait_until(
                lambda: phone.batches_done >= 1 + len(kills) * 2 and phone.in_flight.is_set(),
                seconds=60,
                what="a batch in flight",
                interval=0.005,
            )
            time.sleep(0.05)
            kills.append(phone.batches_done)
            server.kill()
            time.sleep(0.5)  # the phone meets a closed port for a while
            server.start()

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    phone.sync(ops)
    thread.join(timeout=90)

    assert len(kills) == 2, "the server was not killed twice during the sync"
    errors = sum(n for status, n in phone.http.items() if status != 200)
    assert errors >= 2, f"the phone saw no failed request: {dict(phone.http)}"
    resent = sum(1 for n in phone.sends.values() if n > 1)
    assert resent > 0, "no operation was sent again"
    figures = check_exactly_once(database, ops)
    assert set(phone.answers.values()) <= {"applied", "duplicate"}, phone.answers
    assert len(phone.answers) == len(ops)
    print(  # noqa: T201
        f"kills after batches {kills}; HTTP {dict(phone.http)}; ops sent again {resent}; {figures}"
    )
