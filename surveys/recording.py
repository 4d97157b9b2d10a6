"""Recording changes: audit entries, stale marks, and the one after-commit hook.

Every write of the register runs inside ``recording(...)``. Each change leaves a
``Change`` row (who, when, which fields, old → new); at the end the communes
touched are marked stale in the same transaction, and after commit the
listeners registered with ``on_changes_committed`` receive the changes. Later
issues (dedup candidates, indicator refresh, board events) only add listeners.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from surveys.models import Change, Household, StaleCommune

logger = logging.getLogger(__name__)
Listener = Callable[[list[Change]], None]
_listeners: list[Listener] = []


def on_changes_committed(listener: Listener) -> Listener:
    """Register a listener (usable as a decorator); it runs after each commit with the changes."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def remove_listener(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


BulkListener = Callable[[int], None]
_bulk_listeners: list[BulkListener] = []


def on_bulk_loaded(listener: BulkListener) -> BulkListener:
    """Register a listener for bulk loads that bypass the write layer (``synth``, ``demo``): it
    gets the round and rebuilds what it derives from the register (the boards' counters)."""
    if listener not in _bulk_listeners:
        _bulk_listeners.append(listener)
    return listener


def bulk_loaded(*, round_year: int) -> None:
    """Tell the listeners that rows of the round were written in bulk, without ``Change`` rows."""
    for listener in list(_bulk_listeners):
        listener(round_year)


def dispatch(changes: list[Change]) -> None:
    for listener in list(_listeners):
        try:
            listener(changes)
        except Exception:  # a failing listener must not undo or block the others: log it
            logger.exception("change listener %s failed", getattr(listener, "__name__", listener))


def is_user(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


@dataclass
class Recorder:
    user: object | None
    source: str
    round_year: int | None
    op_id: object | None = None
    changes: list[Change] = field(default_factory=list)
    communes: set[int] = field(default_factory=set)
    # Given by a caller that marks the communes itself, later in the same transaction
    # (sync marks once per pushed batch): the communes touched are added here instead.
    stale: set[int] | None = None
    # Given by a caller that inserts the rows itself, in bulk, later in the same
    # transaction and before anything reads them (sync, per pushed batch): the new
    # ``Change`` rows are appended here unsaved instead of being inserted one by one.
    pending: list[Change] | None = None
    # Why (given for a change to a signed-off commune; written to every Change).
    reason: str = ""
    # Which communes are signed off for the round (commune id → bool), shareable
    # between the recorders of one sync batch so each commune is asked once.
    signoffs: dict | None = None
    corrections: dict = field(default_factory=dict)  # signed-off commune id → household ids changed

    def check_signoff(self, *, commune_id: int, household_id) -> None:
        """Refuse (``SignedOff``) a change to a signed-off commune without a reason; note it with one."""
        if self.round_year is None:
            return
        from surveys.signoff import SignedOff, is_signed_off

        cache = self.signoffs if self.signoffs is not None else {}
        self.signoffs = cache
        key = (commune_id, self.round_year)
        if key not in cache:
            cache[key] = is_signed_off(commune_id=commune_id, round_year=self.round_year)
        if not cache[key]:
            return
        if not self.reason.strip():
            raise SignedOff()
        self.corrections.setdefault(commune_id, set()).add(household_id)

    def log(
        self,
        *,
        household: Household,
        entity: str,
        entity_id,
        action: str,
        version: int,
        fields: dict,
        seq: int,
    ):
        self.check_signoff(commune_id=household.commune_id, household_id=household.pk)
        change = Change(
            seq=seq,
            entity=entity,
            entity_id=entity_id,
            household_id=household.pk,
            commune_id=household.commune_id,
            action=action,
            version=version,
            fields=fields,
            user=self.user if is_user(self.user) else None,
            source=self.source,
            op_id=self.op_id,
            reason=self.reason.strip()[:500],
        )
        if self.pending is not None:
            self.pending.append(change)
        else:
            change.save(force_insert=True)
        self.changes.append(change)
        self.communes.add(household.commune_id)
        return change

    def finish(self) -> None:
        if not self.changes:
            return
        if self.round_year is not None:
            if self.stale is not None:
                self.stale.update(self.communes)
            else:
                mark_stale(communes=self.communes, round_year=self.round_year)
        changes = list(self.changes)
        transaction.on_commit(lambda: dispatch(changes))
        if self.corrections:
            from surveys.signoff import publish_corrections

            publish_corrections(
                corrections=self.corrections,
                round_year=self.round_year,
                user=self.user,
                reason=self.reason.strip(),
            )


def mark_stale(*, communes, round_year: int) -> None:
    """Mark the communes' figures of the round stale, in the current transaction."""
    if not communes:
        return
    now = timezone.now()
    StaleCommune.objects.bulk_create(
        [StaleCommune(commune_id=c, round_id=round_year, marked_at=now) for c in sorted(communes)],
        update_conflicts=True,
        unique_fields=["commune", "round"],
        update_fields=["marked_at"],
    )


@contextmanager
def recording(
    *,
    user,
    source: str,
    round_year: int | None,
    op_id=None,
    stale: set[int] | None = None,
    pending: list[Change] | None = None,
    reason: str = "",
    signoffs: dict | None = None,
) -> Iterator[Recorder]:
    """Collect the changes of one atomic write; must run inside ``transaction.atomic``.

    ``stale``: a set that receives the communes touched, for a caller that marks
    them stale itself before its transaction commits (``mark_stale``); without it
    they are marked here, at the end of the block. ``pending``: a list that receives
    the unsaved ``Change`` rows, for a caller that bulk-inserts them before its
    transaction commits; without it each is inserted at once. ``reason``: why
    (needed for a change to a commune signed off for the round, else ``SignedOff``
    is raised; written to every ``Change``). ``signoffs``: a cache shared between
    recorders (see ``Recorder.signoffs``).
    """
    recorder = Recorder(
        user=user,
        source=source,
        round_year=round_year,
        op_id=op_id,
        stale=stale,
        pending=pending,
        reason=reason or "",
        signoffs=signoffs,
    )
    yield recorder
    recorder.finish()
