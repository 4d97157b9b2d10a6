"""Applying register corrections as sync operations (the register is a "device" without a row).

The sync protocol already holds everything a correction needs: validation, scope,
versions, the change feed, three-way merge against the values the officer saw,
conflicts for what changed meanwhile, the sign-off rule and its board event. A
correction is therefore built as an ``Op`` (``resident.upsert`` / ``household.upsert``
with ``base_version``, ``base`` and ``data``) and run through ``sync.services.op_process``
with a context whose ``source`` names the correction ("register:<id>" or "bulk:<id>")
instead of a phone. There is no ``Device`` row: ``OpLog.device`` and
``Conflict.device`` stay empty, ``Change.source`` and ``Change.op_id`` say where an
edit came from (docs/register.md, decision 3).
"""

from dataclasses import dataclass

from surveys.recording import mark_stale
from surveys.sequence import reserved_seqs
from surveys.services import round_ensure
from sync.ops import Op, Result
from sync.services import Context, _absent, _lock_ops, op_process


@dataclass
class RegisterContext(Context):
    """A sync context for the register: no device; the changes' source is the correction's."""

    source_name: str = "register"

    @property
    def source(self) -> str:
        return self.source_name


def make_op(
    *,
    op_id,
    entity: str,
    entity_id,
    base_version: int | None,
    base: dict,
    data: dict,
    reason: str = "",
) -> Op:
    op = Op(
        op_id=op_id,
        kind=f"{entity}.upsert",
        entity_id=entity_id,
        base_version=base_version,
        base=base,
        data=data,
    )
    op.reason = reason or ""
    return op


def apply_ops(*, user, ops: list[Op], round_year: int, source: str) -> list[Result]:
    """Apply the operations, each in its own savepoint; must run inside ``transaction.atomic``.

    The same steps as ``sync.services.push`` for one batch, without the device.
    """
    with reserved_seqs(max(1, len(ops))):
        round_ensure(year=round_year)
        ctx = RegisterContext(user=user, device=None, round_year=round_year, source_name=source)
        ctx.logged = _lock_ops([op.op_id for op in ops])
        ctx.absent = _absent(ops)
        results = [op_process(op=op, ctx=ctx, last_try=True) for op in ops]
        ctx.flush()
        mark_stale(communes=ctx.communes, round_year=round_year)
    return results
