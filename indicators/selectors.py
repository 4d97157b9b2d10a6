"""Reads of the figures, drill-down lists and snapshots, always through areas.access."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from areas.access import area_for_user
from areas.models import Area, AreaKind
from indicators import services
from indicators.cells import CONDITIONS, population, ppc
from indicators.models import AreaFigures, Snapshot
from indicators.rules import Rules
from indicators.texts import explained
from indicators.tree import FIGURE_KINDS, communes_in
from server.errors import NotFound
from surveys.models import Resident, Round, StaleCommune
from surveys.text import vi_name_sort_key

PERSON_FIELDS = (
    "id",
    "full_name",
    "birth_year",
    "sex",
    "household_id",
    "household__number",
    "household__village__code",
    "household__village__name",
    "commune__code",
)


def area_visible_or_404(*, user, code: str, kinds=FIGURE_KINDS) -> Area:
    """The area with this code if the user may see it (and it has figures), else NotFound."""
    area = area_for_user(user=user, code=code)
    if area is None or area.kind not in kinds:
        raise NotFound()
    return area


def round_or_404(round_year: int) -> int:
    if not Round.objects.filter(year=round_year).exists():
        raise NotFound(_("No survey round %(year)d.") % {"year": round_year})
    return round_year


def is_stale(*, area: Area, round_year: int) -> bool:
    """Whether a commune of the area changed since its figures were computed."""
    return StaleCommune.objects.filter(
        round_id=round_year, commune__path__startswith=area.path
    ).exists()


def stored_figures(*, area: Area, round_year: int, rules: Rules) -> AreaFigures:
    """The stored figures, computing what is missing first (a commune never counted, a new rule set)."""
    row = AreaFigures.objects.filter(area=area, round_id=round_year, rules_id=rules.pk).first()
    if row is None:
        services.area_ensure(area=area, round_year=round_year, rules=rules)
        row = AreaFigures.objects.get(area=area, round_id=round_year, rules_id=rules.pk)
    return row


def figures_get(*, area: Area, round_year: int, rules: Rules) -> dict:
    """The area's figures as ``manage.py indicators --json`` prints them, with the reasons and freshness."""
    row = stored_figures(area=area, round_year=round_year, rules=rules)
    figures = explained(row.figures)
    figures["computed_at"] = row.computed_at.isoformat()
    figures["stale"] = is_stale(area=area, round_year=round_year)
    return figures


def _people_in(area: Area, round_year: int, queryset: QuerySet[Resident]) -> QuerySet[Resident]:
    if area.kind == AreaKind.VILLAGE:
        return queryset.filter(household__village=area)
    if area.kind == AreaKind.COMMUNE:
        return queryset.filter(commune=area)
    return queryset.filter(commune__in=communes_in(area=area, round_year=round_year))


def drilldown_ids(*, area: Area, round_year: int, rules: Rules, key: str) -> list:
    """The ids of the people in the indicator's denominator but not in its numerator, in Vietnamese name order.

    For a flag (``th_11_rest_in_primary``) the people who break it.
    """
    spec = rules.indicators[key]
    people = population(round_year=round_year, ages=spec.ages).filter(
        ppc(excludes=rules.ppc_excludes)
    )
    people = (
        people.filter(CONDITIONS[spec.gap]) if spec.gap else people.filter(~CONDITIONS[spec.count])
    )
    rows = _people_in(area, round_year, people).values_list("id", "full_name", "birth_year")
    return [row[0] for row in sorted(rows, key=lambda r: (vi_name_sort_key(r[1]), r[2], str(r[0])))]


def people_rows(*, ids: list, round_year: int) -> list[dict]:
    """The listed people's details, in the order of ``ids``."""
    by_id = {row["id"]: row for row in Resident.objects.filter(pk__in=ids).values(*PERSON_FIELDS)}
    return [
        {
            "id": str(pk),
            "full_name": by_id[pk]["full_name"],
            "birth_year": by_id[pk]["birth_year"],
            "age": round_year - by_id[pk]["birth_year"],
            "sex": by_id[pk]["sex"],
            "household": str(by_id[pk]["household_id"]),
            "household_number": by_id[pk]["household__number"],
            "village": by_id[pk]["household__village__code"],
            "village_name": by_id[pk]["household__village__name"],
            "commune": by_id[pk]["commune__code"],
        }
        for pk in ids
        if pk in by_id
    ]


def snapshots_of(*, area: Area, round_year: int | None) -> QuerySet[Snapshot]:
    snapshots = Snapshot.objects.filter(area=area).select_related("rules", "area")
    return snapshots.filter(round_id=round_year) if round_year else snapshots


def snapshot_get(*, area: Area, snapshot_id: int) -> Snapshot:
    snapshot = snapshots_of(area=area, round_year=None).filter(pk=snapshot_id).first()
    if snapshot is None:
        raise NotFound()
    return snapshot


def snapshot_changes(*, snapshot: Snapshot, current: dict) -> dict:
    """What moved since the snapshot: each indicator and level that differs now (frozen → current)."""
    frozen = snapshot.figures
    indicators = {
        key: {"frozen": value, "current": current["indicators"].get(key)}
        for key, value in frozen["indicators"].items()
        if current["indicators"].get(key) != value
    }
    levels = {}
    for programme, standard in frozen["standards"].items():
        now = current["standards"].get(programme, {})
        field = "met" if "met" in standard else "level"
        if now.get(field) != standard[field]:
            levels[programme] = {"frozen": standard[field], "current": now.get(field)}
    return {"indicators": indicators, "standards": levels}
