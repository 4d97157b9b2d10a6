"""PostgreSQL crashes and restarts while a phone syncs: the server answers 503 meanwhile (it stays up),
then serves again with fresh connections, and every operation lands exactly once.

The cluster is a private one (initdb into a temporary directory, on a free port, run as the
``postgres`` user): restarting the shared server would disturb everything else using it.
"""

import threading
import time

from tests.faults.phone import Phone, check_exactly_once, outbox
from tests.faults.procs import PgCluster, app_env, create_database, seed, wait_until


def test_postgres_restarted_during_sync(redis, servers, work_dir):
    cluster = PgCluster(work_dir / "pg").init()
    cluster.start()
    try:
        database = create_database(cluster.server, "pcgd_faults_restart")
        env = app_env(database, redis.url)
        facts = seed(env)
        server = servers(env, work_dir / "daphne.log").start()
        ops = outbox(facts["village"], households=150)  # 450 operations, 9 batches of 50
        phone = Phone(server.url, facts["surveyor_token"], facts["round"], batch_ops=50)
        restarts = []

        def restarter():
            for _ in range(2):
                wait_until(
                    lambda: (
                        phone.batches_done >= 2 + len(restarts) * 3 and phone.in_flight.is_set()
                    ),
                    seconds=90,
                    what="a batch in flight",
                    interval=0.005,
                )
                time.sleep(0.05)
                restarts.append(phone.batches_done)
                cluster.stop(
                    "immediate"
                )  # a crash, as the harshest case: no checkpoint, no goodbye
                time.sleep(1.0)  # the phone meets a server without its database for a while
                cluster.start()

        thread = threading.Thread(target=restarter, daemon=True)
        thread.start()
        phone.sync(ops)
        thread.join(timeout=120)

        assert len(restarts) == 2, "PostgreSQL was not restarted twice during the sync"
        failures = {k: v for k, v in phone.http.items() if k != 200}
        assert failures, (
            f"the phone saw no failed request while PostgreSQL was down: {dict(phone.http)}"
        )
        # The API answers 503 with a Retry-After and a JSON message (server/errors.py), not a crash page.
        assert set(failures) == {503}, f"unexpected answers: {failures}"
        assert server.proc.poll() is None, "the ASGI server died with the database"
        figures = check_exactly_once(database, ops)
        assert set(phone.answers.values()) <= {"applied", "duplicate"}, phone.answers
        assert len(phone.answers) == len(ops)
        print(f"restarts after batches {restarts}; HTTP {dict(phone.http)}; {figures}")  # noqa: T201
    finally:
        cluster.destroy()
