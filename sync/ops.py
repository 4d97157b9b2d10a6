"""The push request and its operations (ARCHITECTURE.md, "The sync protocol (v1)")."""

import json
import uuid
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

KINDS = (
    "household.upsert",
    "household.delete",
    "resident.upsert",
    "resident.delete",
    "visit.record",
)
MAX_OPS = 200
MAX_BYTES = 2 * 1024 * 1024
OP_KEYS = {"op_id", "kind", "entity_id", "base_version", "base", "data", "at", "reason"}


@dataclass
class Op:
    op_id: uuid.UUID
    kind: str
    entity_id: uuid.UUID
    base_version: int | None
    base: dict
    data: dict
    at: int | None = None
    size: int = 0
    reason: str = ""  # why: needed for a change to a commune signed off for the round

    @property
    def entity(self) -> str:
        return self.kind.split(".")[0]


@dataclass
class Result:
    """One entry of the reply. ``final`` results are recorded and replayed; others may be retried."""

    op_id: str | None
    status: str
    version: int | None = None
    errors: dict = field(default_factory=dict)
    server: dict | None = None
    extra: dict = field(default_factory=dict)
    final: bool = True

    def as_dict(self) -> dict:
        return {
            "op_id": self.op_id,
            "status": self.status,
            "version": self.version,
            "errors": self.errors,
            "server": self.server,
            **self.extra,
        }


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def parse_op(raw) -> tuple[Op | None, Result | None]:
    """An Op, or the rejected Result explaining what is wrong with the envelope."""
    if not isinstance(raw, dict):
        return None, Result(
            op_id=None,
            status="rejected",
            errors={"non_field_errors": [_("An operation must be an object.")]},
            final=False,
        )
    op_id = _uuid(raw.get("op_id"))
    shown_id = (
        str(op_id) if op_id else (raw.get("op_id") if isinstance(raw.get("op_id"), str) else None)
    )
    errors: dict[str, list[str]] = {}
    if op_id is None:
        errors["op_id"] = [_("Must be a UUID.")]
    if raw.get("kind") not in KINDS:
        errors["kind"] = [_("Unknown kind; use one of: %(kinds)s.") % {"kinds": ", ".join(KINDS)}]
    entity_id = _uuid(raw.get("entity_id"))
    if entity_id is None:
        errors["entity_id"] = [_("Must be a UUID.")]
    base_version = raw.get("base_version")
    if base_version is not None and (
        isinstance(base_version, bool) or not isinstance(base_version, int) or base_version < 1
    ):
        errors["base_version"] = [_("Must be null or a version number (1 or more).")]
    for key in ("base", "data"):
        if raw.get(key) is not None and not isinstance(raw.get(key), dict):
            errors[key] = [_("Must be an object.")]
    at = raw.get("at")
    if at is not None and (isinstance(at, bool) or not isinstance(at, int)):
        errors["at"] = [_("Must be a whole number (milliseconds).")]
    if raw.get("reason") is not None and not isinstance(raw.get("reason"), str):
        errors["reason"] = [_("Must be text.")]
    for key in sorted(set(raw) - OP_KEYS):
        errors[key] = [_("Unknown field.")]
    if errors:
        # A malformed envelope is not recorded: the same op_id may come back corrected.
        return None, Result(op_id=shown_id, status="rejected", errors=errors, final=False)
    op = Op(
        op_id=op_id,
        kind=raw["kind"],
        entity_id=entity_id,
        base_version=base_version,
        base=raw.get("base") or {},
        data=raw.get("data") or {},
        at=at,
        reason=(raw.get("reason") or "")[:500],
        size=len(json.dumps(raw, ensure_ascii=False)),
    )
    return op, None
