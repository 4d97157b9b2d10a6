"""A phone for the fault tests: an outbox of sync operations pushed until every one is
acknowledged, through the real protocol (docs/sync.md), over plain HTTP with token auth.

A batch is sent again, with the same operation ids, after a connection error, a 5xx or
a 429/503 (after the Retry-After it was given, with jitter, capped for the tests); the
operations answered ``rejected`` with ``retry`` go back into the outbox. Final answers
(applied, duplicate, conflict, rejected) are kept per operation id.
"""

import http.client
import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import psycopg

from sync.tests.helpers import child_data, household_data, op, resident_data

FINAL = ("applied", "duplicate", "conflict", "rejected")


def household_ops(village_code: str, number: str) -> list[dict]:
    """A new household with a head and a child, as the field app creates it."""

    class _Village:
        code = village_code

    household_id = str(uuid.uuid4())
    return [
        op("household.upsert", household_id, household_data(_Village, number)),
        op("resident.upsert", uuid.uuid4(), resident_data(household_id)),
        op("resident.upsert", uuid.uuid4(), child_data(household_id)),
    ]


def outbox(village_code: str, households: int, prefix: str = "F") -> list[dict]:
    ops = []
    for n in range(1, households + 1):
        ops += household_ops(village_code, f"{prefix}-{n:04d}")
    return ops


@dataclass
class Phone:
    base_url: str
    token: str
    round_year: int
    batch_ops: int = 60
    max_wait: float = 2.0  # cap on a Retry-After, so the tests stay short
    give_up_after: float = 120.0
    device: str = field(default_factory=lambda: str(uuid.uuid4()))
    answers: dict = field(default_factory=dict)  # op_id → final status
    http: Counter = field(default_factory=Counter)  # status code or error name → count
    sends: Counter = field(default_factory=Counter)  # op_id → times sent
    in_flight: threading.Event = field(default_factory=threading.Event)
    batches_done: int = 0

    def _post(self, ops: list[dict]) -> tuple[int | str, dict | None, float]:
        host, port = self.base_url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        body = json.dumps(
            {"device": self.device, "round": self.round_year, "ops": ops}, ensure_ascii=False
        )
        headers = {"Content-Type": "application/json", "Authorization": f"Token {self.token}"}
        try:
            self.in_flight.set()
            conn.request("POST", "/api/sync/push", body.encode(), headers)
            response = conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            return type(exc).__name__, None, 0.5
        finally:
            self.in_flight.clear()
            conn.close()
        wait = 0.5
        if response.status in (429, 503):
            wait = float(response.getheader("Retry-After") or 1)
        try:
            data = json.loads(payload) if response.status == 200 else None
        except ValueError:
            data = None
        return response.status, data, wait

    def sync(self, ops: list[dict], on_batch=None) -> None:
        """Push ``ops`` until each has a final answer (or ``give_up_after`` seconds pass)."""
        pending = list(ops)
        deadline = time.monotonic() + self.give_up_after
        while pending:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{len(pending)} operations still unacknowledged; answers seen: {dict(self.http)}"
                )
            batch, pending = pending[: self.batch_ops], pending[self.batch_ops :]
            for o in batch:
                self.sends[o["op_id"]] += 1
            status, data, wait = self._post(batch)
            self.http[status] += 1
            if status != 200 or data is None:
                pending = batch + pending  # the same operations, the same ids
                time.sleep(min(wait, self.max_wait) * random.uniform(0.8, 1.2))  # noqa: S311 - jitter
                continue
            again = []
            for o, result in zip(batch, data["results"], strict=True):
                if result["status"] == "rejected" and result.get("retry"):
                    again.append(o)
                elif result["status"] in FINAL:
                    self.answers[o["op_id"]] = result["status"]
            pending = again + pending
            self.batches_done += 1
            if len(again) == len(batch):  # no progress: wait before sending them again
                time.sleep(0.5 * random.uniform(0.8, 1.2))  # noqa: S311 - jitter
            if on_batch:
                on_batch(self)


def check_exactly_once(database_url: str, ops: list[dict]) -> dict:
    """On the database: every operation logged once, its record created once, nothing else
    created by these operations. Returns the figures (and asserts)."""
    ids = [o["op_id"] for o in ops]
    households = [o["entity_id"] for o in ops if o["kind"] == "household.upsert"]
    residents = [o["entity_id"] for o in ops if o["kind"] == "resident.upsert"]
    with psycopg.connect(database_url) as conn:
        one = lambda sql, *a: conn.execute(sql, a).fetchone()  # noqa: E731
        logged, statuses = one(
            "SELECT count(*), array_agg(DISTINCT status) FROM sync_oplog WHERE op_id = ANY(%s::uuid[])",
            ids,
        )
        changes, ops_with_changes = one(
            "SELECT count(*), count(DISTINCT op_id) FROM surveys_change WHERE op_id = ANY(%s::uuid[])",
            ids,
        )
        creates_twice = one(
            "SELECT count(*) FROM (SELECT entity_id FROM surveys_change WHERE op_id = ANY(%s::uuid[]) "
            "AND action = 'create' GROUP BY entity_id HAVING count(*) > 1) t",
            ids,
        )[0]
        found_households = one(
            "SELECT count(*) FROM surveys_household WHERE id = ANY(%s::uuid[])", households
        )[0]
        found_residents = one(
            "SELECT count(*) FROM surveys_resident WHERE id = ANY(%s::uuid[])", residents
        )[0]
        per_op_max = one(
            "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM surveys_change "
            "WHERE op_id = ANY(%s::uuid[]) AND entity IN ('household', 'resident') GROUP BY op_id) t",
            ids,
        )[0]
    figures = {
        "ops": len(ids),
        "logged": logged,
        "statuses": sorted(statuses or []),
        "changes": changes,
        "ops_with_changes": ops_with_changes,
        "creates_twice": creates_twice,
        "per_op_max": per_op_max,
        "households": found_households,
        "expected_households": len(households),
        "residents": found_residents,
        "expected_residents": len(residents),
    }
    assert logged == len(ids), figures
    assert figures["statuses"] == ["applied"], figures
    assert ops_with_changes == len(ids), figures
    assert creates_twice == 0 and per_op_max == 1, figures
    assert found_households == len(households) and found_residents == len(residents), figures
    return figures
