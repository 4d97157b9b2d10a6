"""Two phones edit one household at random and sync in random order (with lost replies
replayed). Whatever the order, the server holds every change exactly once: no op is
applied twice, no edit is lost without a conflict that records it, and once both
phones have synced they agree with the server."""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from surveys.models import Change, Household, Resident
from sync.models import Conflict, OpLog
from sync.tests.helpers import household_data, op, push, resident_data
from tests.factories import ROUND, make_user

pytestmark = pytest.mark.django_db

VALUES = {
    ("household", "address"): ["Số 1", "Số 2", "Số 3"],
    ("household", "phone"): ["", "0912345678", "0987654321"],
    ("household", "note"): ["", "a", "b"],
    ("resident", "full_name"): ["Nguyễn Văn Nam", "Nguyễn Văn Năm", "Trần Văn Nam"],
    ("resident", "guardian_name"): ["", "Lê Thị Hoa", "Lê Thị Huệ"],
}
FIELDS = sorted(VALUES)

action = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 1), st.sampled_from(FIELDS), st.integers(0, 2)),
    st.tuples(st.just("push"), st.integers(0, 1)),
    st.tuples(st.just("replay"), st.integers(0, 1)),
    st.tuples(st.just("pull"), st.integers(0, 1)),
)


class Phone:
    def __init__(self, client: APIClient, ids: dict) -> None:
        self.client, self.ids, self.device = client, ids, uuid.uuid4()
        self.base: dict[str, dict] = {}
        self.version: dict[str, int] = {}
        self.outbox: list[dict] = []
        self.last_batch: list[dict] = []
        self.last_results: list[dict] = []
        self.cursor = 0
        self.clock = 0

    def edit(self, entity: str, name: str, value) -> None:
        self.clock += 1
        self.outbox.append(
            op(
                f"{entity}.upsert",
                self.ids[entity],
                {name: value},
                base_version=self.version[entity],
                base={name: self.base[entity][name]},
                at=self.clock,
            )
        )

    def _learn(self, entity: str, server: dict | None) -> None:
        if server is not None:
            self.base[entity] = server
            self.version[entity] = server["version"]

    def push(self, log: dict) -> None:
        if not self.outbox:
            return
        batch = list(self.outbox)
        results = push(self.client, batch, device=self.device).json()["results"]
        for sent, result in zip(batch, results, strict=True):
            assert result["status"] in ("applied", "conflict"), result
            log[sent["op_id"]] = (sent, result)
            self._learn(sent["kind"].split(".")[0], result["server"])
        self.outbox = []
        self.last_batch, self.last_results = batch, results

    def replay(self) -> None:
        if not self.last_batch:
            return
        again = push(self.client, self.last_batch, device=self.device).json()["results"]
        for first, second in zip(self.last_results, again, strict=True):
            expected = "duplicate" if first["status"] == "applied" else first["status"]
            assert second["status"] == expected
            assert (second["version"], second["server"]) == (first["version"], first["server"])

    def pull(self) -> None:
        while True:
            body = self.client.get(
                f"/api/sync/pull?cursor={self.cursor}&device={self.device}&round={ROUND}"
            ).json()
            for change in body["changes"]:
                for entity, entity_id in self.ids.items():
                    if (
                        change["id"] == entity_id
                        and change["entity"] == entity
                        and not change["deleted"]
                    ):
                        self._learn(entity, {**change["data"], "version": change["version"]})
            self.cursor = body["cursor"]
            if not body["more"]:
                return


def history(entity_id: str, name: str) -> set:
    values = set()
    for fields in (
        Change.objects.filter(entity_id=entity_id)
        .exclude(entity="visit")
        .values_list("fields", flat=True)
    ):
        if name in fields:
            values.update(fields[name])
    return values


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(action, min_size=1, max_size=25))
def test_two_phones_in_any_order_keep_every_change_exactly_once(city, actions):
    household_id, resident_id = str(uuid.uuid4()), str(uuid.uuid4())
    ids = {"household": household_id, "resident": resident_id}
    clients = []
    for name in ("a", "b"):
        client = APIClient()
        client.force_authenticate(
            make_user(f"gv-{name}-{household_id[:8]}", "surveyor", city.village_a1)
        )
        clients.append(client)
    setup = [
        op(
            "household.upsert",
            household_id,
            household_data(city.village_a1, number=f"P-{household_id[:12]}"),
        ),
        op("resident.upsert", resident_id, resident_data(household_id, guardian_name="")),
    ]
    assert [r["status"] for r in push(clients[0], setup).json()["results"]] == [
        "applied",
        "applied",
    ]
    phones = [Phone(client, ids) for client in clients]
    for phone in phones:
        phone.pull()
    log: dict[str, tuple[dict, dict]] = {}

    for step in actions:
        phone = phones[step[1]]
        if step[0] == "edit":
            (entity, name), value = step[2], VALUES[step[2]][step[3]]
            phone.edit(entity, name, value)
        elif step[0] == "push":
            phone.push(log)
        elif step[0] == "replay":
            phone.replay()
        else:
            phone.pull()
    for phone in phones:
        phone.push(log)
    for phone in phones:
        phone.pull()

    # Every op is recorded exactly once, and none was applied twice.
    assert OpLog.objects.filter(op_id__in=list(log)).count() == len(log)
    for op_id in log:
        assert Change.objects.filter(op_id=op_id).count() <= 1
    # No edit lost: it became a server value at some point, or a conflict keeps it.
    for sent, result in log.values():
        entity_id = sent["entity_id"]
        ((name, value),) = sent["data"].items()
        if result["status"] == "conflict":
            conflict = Conflict.objects.get(op_id=sent["op_id"])
            assert conflict.status == "open"
            assert name in conflict.fields and conflict.fields[name]["mine"] == value
        else:
            assert value in history(entity_id, name) or value == sent["base"][name]
    # Both phones end where the server is.
    household = Household.objects.get(pk=household_id)
    resident = Resident.objects.get(pk=resident_id)
    for phone in phones:
        for entity, name in FIELDS:
            record = household if entity == "household" else resident
            assert phone.base[entity][name] == getattr(record, name)
        assert phone.version == {"household": household.version, "resident": resident.version}
