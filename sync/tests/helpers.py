"""Building operations and pushing them as a phone would."""

import uuid

from tests.factories import ROUND, child, member

HOUSEHOLD_KEYS = ("village", "number", "address", "residence", "phone", "note")


def op(kind: str, entity_id, data: dict, base_version=None, base=None, **extra) -> dict:
    return {
        "op_id": str(uuid.uuid4()),
        "kind": kind,
        "entity_id": str(entity_id),
        "base_version": base_version,
        "base": base or {},
        "data": data,
        **extra,
    }


def household_data(village, number="T01-001", **overrides) -> dict:
    data = {
        "village": village.code,
        "number": number,
        "address": "Số 1",
        "residence": "permanent",
        "phone": "",
        "note": "",
    }
    data.update(overrides)
    return data


def resident_data(household_id, **overrides) -> dict:
    data = {k: v for k, v in member().items() if k != "id"}
    data.update(household=str(household_id))
    data.update(overrides)
    return data


def child_data(household_id, **overrides) -> dict:
    data = {k: v for k, v in child().items() if k != "id"}
    data.update(household=str(household_id))
    data.update(overrides)
    return data


def new_household_ops(village, number="T01-001") -> tuple[str, list[dict]]:
    """A new household with a head and a child, as a phone creates it."""
    household_id = str(uuid.uuid4())
    ops = [
        op("household.upsert", household_id, household_data(village, number)),
        op("resident.upsert", uuid.uuid4(), resident_data(household_id)),
        op("resident.upsert", uuid.uuid4(), child_data(household_id)),
        op("visit.record", household_id, {"household": household_id, "date": "2025-09-20"}),
    ]
    return household_id, ops


def push(client, ops, device=None, round_year=ROUND, **kwargs):
    body = {"device": str(device or DEVICE), "round": round_year, "ops": ops}
    return client.post("/api/sync/push", body, format="json", **kwargs)


def statuses(response) -> list[str]:
    return [r["status"] for r in response.json()["results"]]


DEVICE = uuid.UUID("00000000-0000-4000-8000-000000000001")
OTHER_DEVICE = uuid.UUID("00000000-0000-4000-8000-000000000002")
