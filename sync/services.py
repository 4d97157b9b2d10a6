"""Applying a pushed batch: each operation idempotent, merged field by field, in its own savepoint.

The batch runs in one transaction with a savepoint per operation, so a failing
operation leaves nothing behind and the others still commit. Every final result
is recorded in ``OpLog`` under the operation's id, in the same transaction as its
effects and only if they were kept (its savepoint released): a replay (also a
racing one) returns the recorded result and changes nothing.

What one batch shares, so that an operation costs few queries (bench/sync.py):
the advisory locks of all its operation ids and their ``OpLog`` rows are taken in
one query each at the start, and so is which of the records it upserts exist;
sequence values come in blocks; village lookups are remembered. The append-only
rows of an applied operation (its ``Change`` rows and its ``OpLog`` row) are kept
once its savepoint is released and inserted in bulk before the batch commits, or
earlier, before an operation on a record they concern (the only reads of them,
merges and conflicts, are by record); an operation whose savepoint rolls back
leaves none. The communes touched are marked stale once, at the end, in the same
transaction. Households created earlier in the batch are kept in memory
(``Fresh``): no other transaction can see them before commit, so their members,
visit and position need no query. Anything unusual (an operation that fails, an
update, a delete) drops that memory and the operations after it read the database.
"""

import json
import logging
import uuid
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from server.errors import DomainError, NotFound, ValidationFailed
from surveys.models import Change, Enrollment, Household, Resident, Visit
from surveys.recording import mark_stale, recording
from surveys.sequence import reserved_seqs, safe_watermark
from surveys.services import (
    household_delete,
    resident_create,
    resident_delete,
    round_ensure,
    visit_record,
)
from surveys.signoff import SignedOff
from surveys.validation import Errors, head_count_warning, validate_visit
from surveys.wire import ENROLLMENT_COLUMNS, household_record, resident_record
from sync.apply import (
    HOUSEHOLD_FIELDS,
    household_apply,
    household_fields,
    household_locked,
    household_visible,
    live_household,
    member_clean,
    resident_apply,
    resident_fields,
)
from sync.conflicts import conflict_open
from sync.merge import Merge, three_way
from sync.models import ConflictKind, Device, OpLog
from sync.ops import Op, Result, parse_op

logger = logging.getLogger(__name__)


class RetryLater(Exception):
    """The operation depends on something not on the server yet (it may come in a later batch)."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__(errors)


@dataclass
class Fresh:
    """A household created earlier in this batch (uncommitted, so no one else can change it)."""

    household: Household
    members: int = 0  # residents placed in it so far: the next member's position
    relations: list[str] = field(default_factory=list)  # relations of its live members
    visit: Visit | None = None  # its visit of the round


@dataclass
class Context:
    user: object
    device: Device
    round_year: int
    logged: dict = field(default_factory=dict)  # op_id → OpLog of the operations of this batch
    villages: dict = field(default_factory=dict)  # village code → (village, errors) for this user
    fresh: dict = field(default_factory=dict)  # household id → Fresh
    absent: dict = field(
        default_factory=dict
    )  # kind → ids its upserts name that the database lacked at the start
    communes: set = field(default_factory=set)  # communes changed by the operations applied so far
    op_communes: set = field(default_factory=set)  # those of the operation being applied
    op_changes: list = field(default_factory=list)  # the Change rows of the operation being applied
    changes: list = field(default_factory=list)  # Change rows of applied operations, to insert
    logs: list = field(default_factory=list)  # OpLog rows of final results, to insert
    concerned: set = field(default_factory=set)  # the records those Change rows are about
    signoffs: dict = field(
        default_factory=dict
    )  # (commune id, round) → signed off? asked once per batch

    @property
    def source(self) -> str:
        return f"sync:{self.device.pk}"

    def recording(self, op: Op):
        return recording(
            user=self.user,
            source=self.source,
            round_year=self.round_year,
            op_id=op.op_id,
            stale=self.op_communes,
            pending=self.op_changes,
            reason=op.reason,
            signoffs=self.signoffs,
        )

    def keep(self, logged: OpLog) -> None:
        """An operation's final result (and, applied, its changes): inserted with the next flush."""
        self.logged[logged.op_id] = logged
        self.logs.append(logged)

    def flush(self) -> None:
        """Insert the kept rows; in the batch's transaction, outside any operation's savepoint."""
        if self.changes:
            Change.objects.bulk_create(self.changes)
        if self.logs:
            OpLog.objects.bulk_create(self.logs)
        self.changes, self.logs = [], []
        self.concerned.clear()


def device_for(*, device_id, user, user_agent: str = "") -> Device:
    """The device row (made on first contact); a device handed to another user follows them."""
    device, created = Device.objects.get_or_create(
        pk=device_id, defaults={"user": user, "user_agent": user_agent[:200]}
    )
    if not created and device.user_id != user.pk:
        device.user, device.villages = user, None
        device.save(update_fields=["user", "villages"])
    return device


def push(*, user, device_id, round_year: int, raw_ops: list, user_agent: str = "") -> dict:
    """Apply a batch; returns ``{"results": [...], "cursor": …}`` in the order of the operations."""
    results: list[Result | None] = [None] * len(raw_ops)
    parsed = []
    for index, raw in enumerate(raw_ops):
        op, bad = parse_op(raw)
        if bad is not None:
            results[index] = bad
        else:
            parsed.append((index, op))
    with transaction.atomic(), reserved_seqs(len(parsed)):
        round_ensure(year=round_year)
        device = device_for(device_id=device_id, user=user, user_agent=user_agent)
        Device.objects.filter(pk=device.pk).update(last_push_at=timezone.now())
        ctx = Context(user=user, device=device, round_year=round_year)
        ctx.logged = _lock_ops([op.op_id for _index, op in parsed])
        ctx.absent = _absent([op for _index, op in parsed])
        waiting = []
        for index, op in parsed:
            result = op_process(op=op, ctx=ctx, last_try=False)
            if result is None:
                waiting.append((index, op))
            else:
                results[index] = result
        for index, op in waiting:  # operations that came before what they depend on
            results[index] = op_process(op=op, ctx=ctx, last_try=True)
        ctx.flush()
        mark_stale(communes=ctx.communes, round_year=round_year)
        _announce_seen(ctx=ctx, results=results)
    return {"results": [r.as_dict() for r in results], "cursor": safe_watermark()}


def _announce_seen(*, ctx: Context, results: list) -> None:
    """``sync.seen`` to the boards of the user's areas (and of the communes the batch touched), after commit."""
    from areas.access import user_memberships
    from areas.models import Area
    from server.events import area_codes_up, publish_on_commit

    areas = [m.area for m in user_memberships(user=ctx.user)]
    if ctx.communes and not areas:
        areas = list(Area.objects.filter(pk__in=ctx.communes))
    codes = {code for area in areas for code in area_codes_up(area)}
    if not codes:
        return
    counts: dict[str, int] = {}
    for result in results:
        if result is not None:
            key = "retry" if result.extra.get("retry") else result.status
            counts[key] = counts.get(key, 0) + 1
    publish_on_commit(
        codes,
        {
            "type": "sync.seen",
            "user": ctx.user.username,
            "device": str(ctx.device.pk),
            "round": ctx.round_year,
            "at": timezone.now().isoformat(),
            "ops": len(results),
            "applied": counts.get("applied", 0),
            "duplicate": counts.get("duplicate", 0),
            "conflict": counts.get("conflict", 0),
            "rejected": counts.get("rejected", 0),
            "retry": counts.get("retry", 0),
        },
    )


def _lock_ops(op_ids: list) -> dict:
    """Serialise racing replays of these operations, then read what is recorded of them.

    PostgreSQL: one transaction-level advisory lock per operation id, taken in one
    query in a fixed order (no deadlock between two batches sharing ids), held to
    commit; a racing replay waits for the first to commit, then finds its log rows.
    SQLite already serialises writers.
    """
    if not op_ids:
        return {}
    keys = sorted({str(op_id) for op_id in op_ids})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM "
                "(SELECT k FROM unnest(%s::text[]) AS k ORDER BY k) AS ids",
                [keys],
            )
    return {logged.op_id: logged for logged in OpLog.objects.filter(op_id__in=keys)}


def _absent(ops: list[Op]) -> dict:
    """The households and residents that upserts of this batch name and the database does not hold:
    they are created without a locking read (a create of the same id elsewhere meanwhile fails the
    insert, which answers "retry" as a database error does)."""
    absent = {}
    for kind, model in (("household.upsert", Household), ("resident.upsert", Resident)):
        ids = {op.entity_id for op in ops if op.kind == kind}
        absent[kind] = (
            ids - set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
            if ids
            else set()
        )
    return absent


def _replayed(logged: OpLog) -> Result:
    result = json.loads(
        json.dumps(logged.result)
    )  # as read back from the database (also for this batch's own)
    status = "duplicate" if result.get("status") == "applied" else result.get("status")
    extra = {
        k: v
        for k, v in result.items()
        if k not in ("op_id", "status", "version", "errors", "server")
    }
    return Result(
        op_id=str(logged.op_id),
        status=status,
        version=result.get("version"),
        errors=result.get("errors") or {},
        server=result.get("server"),
        extra=extra,
    )


def op_process(*, op: Op, ctx: Context, last_try: bool) -> Result | None:
    """Apply one operation in its own savepoint; None when it should wait for the rest of the batch."""
    logged = ctx.logged.get(op.op_id)
    if logged is not None:
        return _replayed(logged)
    if (
        op.entity_id in ctx.concerned and op.kind != "visit.record"
    ):  # it may read its record's history
        ctx.flush()
    ctx.op_communes.clear()
    ctx.op_changes.clear()
    try:
        with transaction.atomic():
            result = HANDLERS[op.kind](op, ctx)
        ctx.keep(_record(op, ctx, result))
        ctx.changes += ctx.op_changes
        ctx.concerned.update(change.entity_id for change in ctx.op_changes)
        ctx.communes |= ctx.op_communes
        return result
    except RetryLater as exc:
        ctx.fresh.clear()
        if not last_try:
            return None
        return Result(
            op_id=str(op.op_id),
            status="rejected",
            errors=exc.errors,
            extra={"retry": True},
            final=False,
        )
    except SignedOff as exc:
        # The commune is signed off and the phone gave no reason: not recorded, so the phone
        # keeps the operation in its outbox and sends it again (applied once the commune is
        # reopened, or when sent with a reason). Nothing the surveyor entered is lost.
        ctx.fresh.clear()
        return Result(
            op_id=str(op.op_id),
            status="rejected",
            errors=exc.errors,
            extra={"retry": True, "signed_off": True},
            final=False,
        )
    except DomainError as exc:
        ctx.fresh.clear()
        result = Result(
            op_id=str(op.op_id),
            status="rejected",
            errors=exc.errors or {"non_field_errors": [exc.message]},
        )
        ctx.keep(_record(op, ctx, result))
        return result
    except DatabaseError:
        ctx.fresh.clear()
        logger.exception("sync op %s failed", op.op_id)
        message = _("The server could not save this change now; it will be sent again.")
        return Result(
            op_id=str(op.op_id),
            status="rejected",
            errors={"non_field_errors": [message]},
            extra={"retry": True},
            final=False,
        )


def _record(op: Op, ctx: Context, result: Result) -> OpLog:
    """The log row of a final result (unsaved: ``Context.flush`` inserts it)."""
    return OpLog(
        op_id=op.op_id,
        device=ctx.device,
        user=ctx.user,
        kind=op.kind,
        entity_id=op.entity_id,
        status=result.status,
        result=result.as_dict(),
        device_at=op.at,
    )


def _fields_since(
    *, entity: str, entity_id, base_version: int, ctx: Context, op: Op
) -> tuple[set, set]:
    """Fields changed since ``base_version`` by an earlier edit of this phone (``mine``) and
    by a later edit of this phone (``theirs``, keep silently). Others' edits are in neither."""
    changes = list(
        Change.objects.filter(entity=entity, entity_id=entity_id, version__gt=base_version).values(
            "fields", "source", "op_id"
        )
    )
    ats = dict(
        OpLog.objects.filter(op_id__in=[c["op_id"] for c in changes if c["op_id"]]).values_list(
            "op_id", "device_at"
        )
    )
    own_older, own_newer, others = set(), set(), set()
    for change in changes:
        names = set(change["fields"])
        if change["source"] != ctx.source:
            others |= names
        elif op.at is not None and (ats.get(change["op_id"]) or 0) > op.at:
            own_newer |= names
        else:
            own_older |= names
    return own_older - others - own_newer, own_newer - others


def _merge(*, op: Op, ctx: Context, entity: str, record, theirs: dict, mine: dict) -> Merge:
    base_version = op.base_version or 0
    if base_version > record.version:
        raise ValidationFailed(
            errors={"base_version": [_("The server has version %(v)d.") % {"v": record.version}]}
        )
    if base_version == record.version:
        return Merge(merged={**theirs, **mine})
    mine_wins, theirs_wins = _fields_since(
        entity=entity, entity_id=record.pk, base_version=base_version, ctx=ctx, op=op
    )
    mine = {name: value for name, value in mine.items() if name not in theirs_wins}
    return three_way(base=op.base, mine=mine, theirs=theirs, mine_wins=mine_wins)


def _result(
    op: Op, *, status: str, version: int, server: dict, conflict=None, warnings: dict | None = None
) -> Result:
    extra = {}
    if conflict is not None:
        extra["conflict_id"] = str(conflict.pk)
    if warnings:
        extra["warnings"] = warnings
    return Result(op_id=str(op.op_id), status=status, version=version, server=server, extra=extra)


def household_upsert(op: Op, ctx: Context) -> Result:
    absent = ctx.absent.get(op.kind, set())
    household = (
        None
        if op.entity_id in absent
        else household_locked(household_id=op.entity_id, user=ctx.user)
    )
    if household is None and op.base_version is not None:
        raise NotFound(errors={"entity_id": [_("Not found.")]})
    unknown = sorted(set(op.data) - set(HOUSEHOLD_FIELDS))
    if unknown:
        raise ValidationFailed(errors={name: [_("Unknown field.")] for name in unknown})
    if household is None:  # a new household: what was just written is what the database holds
        absent.discard(op.entity_id)
        with ctx.recording(op) as recorder:
            household = household_apply(
                household=None,
                household_id=op.entity_id,
                values=op.data,
                user=ctx.user,
                round_year=ctx.round_year,
                recorder=recorder,
                villages=ctx.villages,
            )
        ctx.fresh[household.pk] = Fresh(household=household)
        return _result(
            op, status="applied", version=household.version, server=_fresh_record(ctx, household.pk)
        )
    ctx.fresh.clear()
    conflict = None
    with ctx.recording(op) as recorder:
        if household.deleted_at is not None:
            conflict = conflict_open(
                op=op, ctx=ctx, kind=ConflictKind.EDIT_VS_DELETE, household=household
            )
        else:
            merge = _merge(
                op=op,
                ctx=ctx,
                entity="household",
                record=household,
                theirs=household_fields(household),
                mine=op.data,
            )
            household = household_apply(
                household=household,
                household_id=household.pk,
                values=merge.merged,
                user=ctx.user,
                round_year=ctx.round_year,
                recorder=recorder,
                villages=ctx.villages,
            )
            if merge.conflicts:
                conflict = conflict_open(
                    op=op,
                    ctx=ctx,
                    kind=ConflictKind.FIELDS,
                    household=household,
                    fields=merge.conflicts,
                )
    household = Household.objects.select_related("village").get(pk=household.pk)
    return _result(
        op,
        status="conflict" if conflict else "applied",
        version=household.version,
        server=household_record(household, round_year=ctx.round_year),
        conflict=conflict,
    )


def _fresh_record(ctx: Context, household_id) -> dict:
    fresh = ctx.fresh[household_id]
    fresh.household.round_visits = [fresh.visit] if fresh.visit is not None else []
    return household_record(fresh.household, round_year=ctx.round_year)


def _live_household(ctx: Context, household_id, errors: Errors) -> Household | None:
    """``live_household``, without a query for a household created earlier in this batch."""
    try:
        fresh = ctx.fresh.get(uuid.UUID(str(household_id)))
    except ValueError:
        fresh = None
    if fresh is not None and household_visible(household=fresh.household, user=ctx.user):
        return fresh.household
    return live_household(household_id=household_id, user=ctx.user, errors=errors)


def _changed_by_others(*, entity: str, record, op: Op, ctx: Context) -> bool:
    base_version = op.base_version or 0
    if base_version >= record.version:
        return False
    return (
        Change.objects.filter(entity=entity, entity_id=record.pk, version__gt=base_version)
        .exclude(source=ctx.source)
        .exists()
    )


def household_delete_op(op: Op, ctx: Context) -> Result:
    household = household_locked(household_id=op.entity_id, user=ctx.user)
    if household is None:
        raise NotFound(errors={"entity_id": [_("Not found.")]})
    ctx.fresh.clear()
    conflict = None
    with ctx.recording(op) as recorder:
        if household.deleted_at is None:
            if _changed_by_others(entity="household", record=household, op=op, ctx=ctx):
                conflict = conflict_open(
                    op=op, ctx=ctx, kind=ConflictKind.DELETE_VS_EDIT, household=household
                )
            else:
                household_delete(household=household, recorder=recorder)
    return _result(
        op,
        status="conflict" if conflict else "applied",
        version=household.version,
        server=household_record(household, round_year=ctx.round_year),
        conflict=conflict,
    )


def _resident_locked(op: Op, ctx: Context) -> Resident | None:
    resident = Resident.objects.select_for_update().filter(pk=op.entity_id).first()
    if resident is not None and not household_visible(household=resident.household, user=ctx.user):
        raise NotFound(errors={"entity_id": [_("Not found.")]})
    return resident


def _head_warning(household_id) -> dict:
    relations = list(
        Resident.objects.filter(household_id=household_id, deleted_at__isnull=True).values_list(
            "relation", flat=True
        )
    )
    return _warning(relations)


def _warning(relations: list[str]) -> dict:
    warning = head_count_warning(relations)
    return {"members": [warning]} if warning else {}


def resident_upsert(op: Op, ctx: Context) -> Result:
    absent = ctx.absent.get(op.kind, set())
    resident = None if op.entity_id in absent else _resident_locked(op, ctx)
    if resident is None and op.base_version is not None:
        raise NotFound(errors={"entity_id": [_("Not found.")]})
    if resident is None:
        absent.discard(op.entity_id)
        with ctx.recording(op) as recorder:
            resident, fresh = _resident_create(op, ctx, recorder)
        if fresh is not None:  # what was just written is what the database holds
            return _result(
                op,
                status="applied",
                version=resident.version,
                server=resident_record(resident, round_year=ctx.round_year),
                warnings=_warning(fresh.relations),
            )
        resident = Resident.objects.get(pk=resident.pk)
        return _result(
            op,
            status="applied",
            version=resident.version,
            server=resident_record(resident, round_year=ctx.round_year),
            warnings=_head_warning(resident.household_id),
        )
    ctx.fresh.clear()
    conflict = None
    with ctx.recording(op) as recorder:
        if resident.deleted_at is not None:
            conflict = conflict_open(
                op=op, ctx=ctx, kind=ConflictKind.EDIT_VS_DELETE, household=resident.household
            )
        else:
            theirs = resident_fields(resident, round_year=ctx.round_year)
            merge = _merge(
                op=op, ctx=ctx, entity="resident", record=resident, theirs=theirs, mine=op.data
            )
            resident = resident_apply(
                resident=resident,
                values=merge.merged,
                user=ctx.user,
                round_year=ctx.round_year,
                recorder=recorder,
            )
            if merge.conflicts:
                conflict = conflict_open(
                    op=op,
                    ctx=ctx,
                    kind=ConflictKind.FIELDS,
                    household=resident.household,
                    fields=merge.conflicts,
                )
    resident = Resident.objects.get(pk=resident.pk)
    return _result(
        op,
        status="conflict" if conflict else "applied",
        version=resident.version,
        server=resident_record(resident, round_year=ctx.round_year),
        conflict=conflict,
        warnings=_head_warning(resident.household_id),
    )


def _resident_create(op: Op, ctx: Context, recorder) -> tuple[Resident, Fresh | None]:
    """The new resident, and its household's ``Fresh`` when that was created in this batch."""
    errors = Errors()
    if not op.data.get("household"):
        raise ValidationFailed(errors={"household": [_("This field is required.")]})
    try:
        household = _live_household(ctx, op.data["household"], errors)
    except LookupError:
        raise RetryLater({"household": [_("The household is not on the server yet.")]}) from None
    clean = member_clean(
        values=op.data, resident_id=op.entity_id, round_year=ctx.round_year, errors=errors
    )
    if errors:
        raise ValidationFailed(errors=errors.as_dict())
    fresh = ctx.fresh.get(household.pk)
    position = (
        fresh.members if fresh is not None else Resident.objects.filter(household=household).count()
    )
    resident = resident_create(
        household=household,
        member=clean,
        position=position,
        round_year=ctx.round_year,
        recorder=recorder,
    )
    if fresh is not None:
        fresh.members += 1
        fresh.relations.append(resident.relation)
        enrollment = clean["enrollment"]
        resident.round_enrollments = (
            []
            if enrollment is None
            else [
                Enrollment(
                    resident=resident,
                    round_id=ctx.round_year,
                    **{key: enrollment[key] for key in ENROLLMENT_COLUMNS},
                )
            ]
        )
    return resident, fresh


def resident_delete_op(op: Op, ctx: Context) -> Result:
    resident = _resident_locked(op, ctx)
    if resident is None:
        raise NotFound(errors={"entity_id": [_("Not found.")]})
    ctx.fresh.clear()
    conflict = None
    with ctx.recording(op) as recorder:
        if resident.deleted_at is None:
            if _changed_by_others(entity="resident", record=resident, op=op, ctx=ctx):
                conflict = conflict_open(
                    op=op, ctx=ctx, kind=ConflictKind.DELETE_VS_EDIT, household=resident.household
                )
            else:
                resident_delete(resident=resident, household=resident.household, recorder=recorder)
    return _result(
        op,
        status="conflict" if conflict else "applied",
        version=resident.version,
        server=resident_record(resident, round_year=ctx.round_year),
        conflict=conflict,
    )


def visit_record_op(op: Op, ctx: Context) -> Result:
    errors = Errors()
    try:
        household = _live_household(ctx, op.data.get("household") or op.entity_id, errors)
    except LookupError:
        raise RetryLater({"household": [_("The household is not on the server yet.")]}) from None
    visit, visit_errors = validate_visit(
        {"round": ctx.round_year, "date": op.data.get("date")}, round_year=ctx.round_year
    )
    for path, messages in visit_errors.as_dict().items():
        errors.by_field[path.removeprefix("visit.")].extend(messages)
    if errors:
        raise ValidationFailed(errors=errors.as_dict())
    fresh = ctx.fresh.get(household.pk)
    if fresh is not None:  # created in this batch: its visit (if any) is the one recorded here
        if fresh.visit is None or fresh.visit.date < visit["date"]:
            with ctx.recording(op) as recorder:
                visit_record(
                    household=household,
                    date=visit["date"],
                    round_year=ctx.round_year,
                    recorder=recorder,
                    current=fresh.visit,
                )
            fresh.visit = Visit(household=household, round_id=ctx.round_year, date=visit["date"])
        return _result(
            op, status="applied", version=household.version, server=_fresh_record(ctx, household.pk)
        )
    current = household.visits.filter(round_id=ctx.round_year).first()
    if current is None or current.date < visit["date"]:  # the latest visit of the round counts
        with ctx.recording(op) as recorder:
            visit_record(
                household=household,
                date=visit["date"],
                round_year=ctx.round_year,
                recorder=recorder,
            )
    household = Household.objects.select_related("village").get(pk=household.pk)
    return _result(
        op,
        status="applied",
        version=household.version,
        server=household_record(household, round_year=ctx.round_year),
    )


HANDLERS = {
    "household.upsert": household_upsert,
    "household.delete": household_delete_op,
    "resident.upsert": resident_upsert,
    "resident.delete": resident_delete_op,
    "visit.record": visit_record_op,
}
