"""Writes of the figures: recount communes, roll up, clear stale marks, announce.

The pipeline (docs/indicators.md): a commune is recounted with one aggregation
(``indicators.cells.recount``) into cells; its figures are computed from the cells
for every active rule set; each district and city above it sums its children's
cells and judges its units' stored levels. Residents are only ever counted per
commune; roll-ups never touch them.
"""

import logging

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from areas.models import Area, AreaKind
from areas.services import area_is_difficult
from indicators import figures as fig
from indicators import storage
from indicators.cells import COUNTS, KEYS, recount
from indicators.models import AreaCohort, AreaFigures, Snapshot
from indicators.rulebook import rules_active
from indicators.rules import Rules
from indicators.tree import children_units, communes_in, rollup_areas
from server.events import publish_on_commit
from surveys.models import StaleCommune

logger = logging.getLogger(__name__)
REFRESHED = "indicators.refreshed"


def communes_recount(
    *, communes: list[Area], round_year: int, rules_list: list[Rules]
) -> dict[int, dict]:
    """Recount each commune (one aggregation each) and store its cells and figures, in one transaction.

    Returns each commune's cell delta (new − old), for the roll-ups above it.
    """
    deltas = {}
    with transaction.atomic():
        storage.sort_memory()
        for commune in sorted(communes, key=lambda a: a.pk):
            storage.lock(commune.pk, round_year)
        docs = []
        for commune in communes:
            cells = recount(commune_ids=[commune.pk], round_year=round_year)
            for cell in cells:
                del cell["commune_id"]
            old = storage.cells_read(area_id=commune.pk, round_year=round_year)
            storage.cells_replace(area_id=commune.pk, round_year=round_year, cells=cells)
            deltas[commune.pk] = storage.cells_delta(old, cells)
            difficult = area_is_difficult(area=commune, year=round_year)
            for rules in rules_list:
                docs.append(
                    (
                        commune.pk,
                        rules,
                        fig.document(
                            area=commune,
                            round_year=round_year,
                            rules=rules,
                            cells=cells,
                            difficult=difficult,
                        ),
                    )
                )
        storage.figures_replace(docs=docs, round_year=round_year)
    return deltas


def _units(*, area: Area, round_year: int, rules: Rules) -> list[dict]:
    """The units a district or city is judged on, with their stored levels under ``rules``."""
    tier = rules.district if area.kind == AreaKind.DISTRICT else rules.province
    if tier.units == "communes":
        units = list(communes_in(area=area, round_year=round_year))
    else:
        units = list(children_units(area=area, round_year=round_year))
    stored = storage.levels_read(area_ids=[u.pk for u in units], round_year=round_year, rules=rules)
    zero = dict.fromkeys(storage.LEVEL_COLUMNS, 0)
    return [
        {"code": u.code, "name": u.name, "kind": u.kind, "levels": stored.get(u.pk, zero)}
        for u in units
    ]


def _children_sum(*, area: Area, round_year: int) -> list[dict]:
    children = children_units(area=area, round_year=round_year).values("pk")
    sums = (
        AreaCohort.objects.filter(area_id__in=children, round_id=round_year)
        .values(*KEYS)
        .annotate(**{f"sum_{c}": Sum(c) for c in COUNTS})
        .order_by()
    )
    return [{**{k: row[k] for k in KEYS}, **{c: row[f"sum_{c}"] for c in COUNTS}} for row in sums]


def area_rollup(
    *, area: Area, round_year: int, rules_list: list[Rules], delta: dict | None = None
) -> None:
    """Bring a district's or city's cells up to date and judge its units (children must be current).

    With ``delta`` (the change of the cells of the communes below it) the stored cells are
    adjusted; without one, or when the area was never rolled up, they are summed from its
    children's cells. Residents are never read here.
    """
    with transaction.atomic():
        storage.lock(area.pk, round_year)
        if (
            delta is not None
            and AreaFigures.objects.filter(area=area, round_id=round_year).exists()
        ):
            storage.cells_add(area_id=area.pk, round_year=round_year, delta=delta)
            cells = storage.cells_read(area_id=area.pk, round_year=round_year)
        else:
            cells = _children_sum(area=area, round_year=round_year)
            storage.cells_replace(area_id=area.pk, round_year=round_year, cells=cells)
        docs = []
        for rules in rules_list:
            tier = rules.district if area.kind == AreaKind.DISTRICT else rules.province
            units = _units(area=area, round_year=round_year, rules=rules)
            docs.append(
                (
                    area.pk,
                    rules,
                    fig.document(
                        area=area,
                        round_year=round_year,
                        rules=rules,
                        cells=cells,
                        units=units,
                        tier=tier,
                    ),
                )
            )
        storage.figures_replace(docs=docs, round_year=round_year)


def communes_refresh(*, communes: list[Area], round_year: int) -> list[Area]:
    """Recount these communes, roll up every area above them, announce it; returns the areas rolled up."""
    if not communes:
        return []
    rules_list = rules_active()
    with transaction.atomic():
        above = rollup_areas(communes)
        communes = communes + _never_counted(above=above, round_year=round_year, besides=communes)
        deltas = communes_recount(communes=communes, round_year=round_year, rules_list=rules_list)
        for area in above:
            below = [deltas[c.pk] for c in communes if c.path.startswith(area.path)]
            area_rollup(
                area=area,
                round_year=round_year,
                rules_list=rules_list,
                delta=storage.merge_deltas(below),
            )
        _announce(communes=communes, above=above, round_year=round_year)
    return above


def _never_counted(*, above: list[Area], round_year: int, besides: list[Area]) -> list[Area]:
    """Communes under the same roots that were never counted for the round (a roll-up needs them all)."""
    ids = {a.pk for a in above}
    roots = [a for a in above if a.parent_id not in ids]
    counted = AreaFigures.objects.filter(round_id=round_year, area__kind=AreaKind.COMMUNE).values(
        "area_id"
    )
    found = []
    for root in roots:
        found += (
            communes_in(area=root, round_year=round_year)
            .exclude(pk__in=counted)
            .exclude(pk__in=[c.pk for c in besides])
        )
    return found


def _announce(*, communes: list[Area], above: list[Area], round_year: int) -> None:
    codes = [a.code for a in communes] + [a.code for a in above]
    event = {
        "type": REFRESHED,
        "round": round_year,
        "communes": sorted(a.code for a in communes),
        "areas": codes,
    }
    publish_on_commit(codes, event)


def area_refresh(*, area: Area, round_year: int, batch: int = 1) -> dict:
    """Recount every commune of an area from scratch and roll up (the command, the bench).

    Each commune is recounted in its own transaction (``batch`` communes per
    transaction), then the districts and cities are rolled up in one.
    """
    rules_list = rules_active()
    communes = list(communes_in(area=area, round_year=round_year))
    marks = list(StaleCommune.objects.filter(commune__in=communes, round_id=round_year))
    for start in range(0, len(communes), batch):
        communes_recount(
            communes=communes[start : start + batch], round_year=round_year, rules_list=rules_list
        )
    targets = communes or [area]
    above = rollup_areas(targets)
    if area.kind != AreaKind.COMMUNE and area not in above:
        above.append(area)
    with transaction.atomic():
        for target in above:
            area_rollup(area=target, round_year=round_year, rules_list=rules_list)
        _announce(communes=communes, above=above, round_year=round_year)
    _clear(marks)
    return {"communes": len(communes), "rolled_up": len(above)}


def stale_refresh(*, commune_ids: list[int]) -> int:
    """Refresh the communes among these that are marked stale (any round); returns how many were.

    A mark is cleared only when it was not renewed meanwhile (same ``marked_at``),
    one row at a time after the refresh committed, so a write marking it again is
    never lost and never waits on the refresh.
    """
    marks = list(
        StaleCommune.objects.filter(commune_id__in=commune_ids)
        .select_related("commune")
        .order_by("round_id", "commune_id")
    )
    for round_year in sorted({m.round_id for m in marks}):
        communes = [
            m.commune
            for m in marks
            if m.round_id == round_year and m.commune.kind == AreaKind.COMMUNE
        ]
        communes_refresh(communes=communes, round_year=round_year)
    _clear(marks)
    return len(marks)


def _clear(marks: list[StaleCommune]) -> None:
    for mark in marks:
        StaleCommune.objects.filter(pk=mark.pk, marked_at=mark.marked_at).delete()


def area_ensure(*, area: Area, round_year: int, rules: Rules) -> None:
    """Compute what is missing for an area under ``rules``: communes never counted, then the roll-ups."""
    communes = (
        [area]
        if area.kind == AreaKind.COMMUNE
        else list(communes_in(area=area, round_year=round_year))
    )
    have = set(
        AreaFigures.objects.filter(
            area__in=communes, round_id=round_year, rules_id=rules.pk
        ).values_list("area_id", flat=True)
    )
    missing = [c for c in communes if c.pk not in have]
    if missing:
        communes_refresh(communes=missing, round_year=round_year)
    if AreaFigures.objects.filter(area=area, round_id=round_year, rules_id=rules.pk).exists():
        return
    rules_list = rules_active()  # a district or city without figures yet: roll up from its children
    with transaction.atomic():
        for target in dict.fromkeys([*rollup_areas(communes or [area]), area]):
            if target.path.startswith(area.path):
                area_rollup(area=target, round_year=round_year, rules_list=rules_list)


def snapshot_create(*, user, area: Area, round_year: int, rules: Rules, note: str = "") -> Snapshot:
    """Freeze the area's current figures (stale communes are refreshed first). Snapshots are never changed."""
    marked = StaleCommune.objects.filter(round_id=round_year, commune__path__startswith=area.path)
    stale_refresh(commune_ids=list(marked.values_list("commune_id", flat=True)))
    area_ensure(area=area, round_year=round_year, rules=rules)
    row = AreaFigures.objects.get(area=area, round_id=round_year, rules_id=rules.pk)
    name = (user.get_full_name() or user.get_username()) if user is not None else "system"
    return Snapshot.objects.create(
        area=area,
        round_id=round_year,
        rules_id=rules.pk,
        figures=row.figures,
        note=note,
        frozen_at=timezone.now(),
        frozen_by=user,
        frozen_by_name=name[:150],
    )
