"""What the forms read: per-unit cells (the indicators' cohort cells) and a few extra counts.

A form row is a :class:`Row`: a label and the cells it sums, in the shape of
``indicators.models.AreaCohort`` (age, female, minority, disability and the
numerator counts). Where the rows are communes, districts or the area itself,
the cells are the **stored** indicator cells (``indicators.storage.cells_read``),
never residents. Villages have no stored cells: a commune's village rows come
from **one aggregate query per commune** grouped by village, with the same
conditions the indicators count with (``indicators.cells.population`` and
``CONDITIONS``), and the commune's total row is the commune's stored cells.

Three counts the cells do not carry (enrolled per grade 6–9, dropped out,
disabled people accessing education) are counted by one aggregate query per
area (grouped by village or commune), only for the forms that need them.
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.utils import timezone

from areas.models import Area, AreaKind
from indicators import figures as fig
from indicators import selectors as ind_selectors
from indicators import services as ind_services
from indicators import storage
from indicators.cells import CONDITIONS, COUNTS, KEYS, KINH, MAX_AGE, population
from indicators.models import AreaFigures
from indicators.rules import Rules
from indicators.tree import children_units, communes_in, valid_in
from surveys.models import Level, StaleCommune

EXTRA_CONDITIONS: dict[str, Q] = {
    **{
        f"grade{g}": Q(round_level=Level.LOWER_SECONDARY, round_enrollment__grade=g)
        for g in (6, 7, 8, 9)
    },
    # dropped out: a drop-out year recorded and not enrolled this round
    "dropped_out": Q(dropped_out_year__isnull=False) & Q(round_level=Level.NONE),
    # accessing education: enrolled at any level this round
    "enrolled": ~Q(round_level=Level.NONE),
}
EXTRAS = tuple(EXTRA_CONDITIONS)
EXTRA_AGES = (6, 18)  # the forms using the extra counts (TH-02, THCS-M1) read only these ages


def _key(cell: dict) -> tuple:
    return (cell["age"], bool(cell["female"]), bool(cell["minority"]), cell["disability"])


@dataclass
class Row:
    """One row of a form: a label and the cells it sums (optionally restricted to some ages)."""

    label: str
    cells: list[dict]
    rules: Rules
    code: str = ""
    kind: str = ""
    birth_year: int | None = None
    ages: tuple[int, int] | None = None  # a per-age row: only these ages count by default
    standards: dict | None = None
    is_total: bool = False

    def _ages(self, ages):
        return ages or self.ages

    def n(
        self,
        column: str = "total",
        ages: tuple[int, int] | None = None,
        *,
        female: bool | None = None,
        minority: bool | None = None,
        ppc: bool = False,
        disability: str | tuple | None = None,
    ) -> int:
        """Sum of ``column`` over the cells matching the filters."""
        ages = self._ages(ages)
        if isinstance(disability, str):
            disability = (disability,)
        total = 0
        for cell in self.cells:
            if ages and not ages[0] <= cell["age"] <= ages[1]:
                continue
            if female is not None and bool(cell["female"]) != female:
                continue
            if minority is not None and bool(cell["minority"]) != minority:
                continue
            if ppc and cell["disability"] in self.rules.ppc_excludes:
                continue
            if disability is not None and cell["disability"] not in disability:
                continue
            total += cell.get(column, 0)
        return total

    @cached_property
    def indicators(self) -> dict:
        values, _flags = fig.indicators(self.cells, self.rules)
        return values

    def level(self, programme: str) -> int | None:
        if self.standards is None:
            return None
        return fig.levels_of(self.standards).get(programme)


@dataclass
class FormData:
    area: Area
    round_year: int
    rules: Rules
    units: list[Row]  # per-unit rows (villages, communes or districts)
    total: Row  # the area itself
    computed_at: object
    unit_kind: str

    def age_rows(self, first: int, last: int) -> list[Row]:
        return [
            Row(
                label=str(age),
                cells=self.total.cells,
                rules=self.rules,
                birth_year=self.round_year - age,
                ages=(age, age),
            )
            for age in range(first, last + 1)
        ]


def _refresh_stale(area: Area, round_year: int) -> None:
    marked = StaleCommune.objects.filter(round_id=round_year, commune__path__startswith=area.path)
    ids = list(marked.values_list("commune_id", flat=True))
    if ids:
        ind_services.stale_refresh(commune_ids=ids)


def _minority():
    return Case(
        When(ethnicity=KINH, then=Value(False)), default=Value(True), output_field=BooleanField()
    )


def _aggregate(
    *, commune_ids: list[int], round_year: int, group: str, counts: dict[str, Q], ages=(0, MAX_AGE)
) -> dict:
    """One aggregate query: ``{group value: [cell dicts]}`` with these counts."""
    rows = (
        population(round_year=round_year, ages=ages)
        .filter(commune_id__in=commune_ids, household__commune_id__in=commune_ids)
        .annotate(minority=_minority())
        .values(group, "birth_year", "sex", "minority", "disability")
        .annotate(total=Count("pk"), **{name: Count("pk", filter=q) for name, q in counts.items()})
        .order_by()
    )
    out: dict = defaultdict(list)
    for row in rows:
        cell = {
            "age": round_year - row["birth_year"],
            "female": row["sex"] == "female",
            "minority": bool(row["minority"]),
            "disability": row["disability"],
            "total": row["total"],
            **{name: row[name] for name in counts},
        }
        out[row[group]].append(cell)
    return out


def _merge_extras(cells: list[dict], extras: list[dict]) -> list[dict]:
    """The cells with the extra counts added (cells without extras get zeros)."""
    by_key = {_key(c): {**c, **dict.fromkeys(EXTRAS, 0)} for c in cells}
    for extra in extras:
        target = by_key.get(_key(extra))
        if (
            target is None
        ):  # an extra without its cell cannot happen when both are current; keep it visible
            target = by_key[_key(extra)] = {
                **dict.fromkeys(COUNTS, 0),
                **{k: extra[k] for k in KEYS},
                **dict.fromkeys(EXTRAS, 0),
            }
        for name in EXTRAS:
            target[name] += extra[name]
    return list(by_key.values())


def form_data(
    *, area: Area, round_year: int, rules: Rules, extras: bool = False, villages: bool = True
) -> FormData:
    """Rows for the forms of an area: villages of a commune, communes of a district, units of a city.

    ``villages=False``: a commune without its village rows (no aggregate query unless ``extras``).
    """
    if area.kind not in (AreaKind.COMMUNE, AreaKind.DISTRICT, AreaKind.CITY, AreaKind.PROVINCE):
        raise ValueError(f"no forms for a {area.kind}")
    _refresh_stale(area, round_year)
    stored = ind_selectors.stored_figures(area=area, round_year=round_year, rules=rules)
    total_cells = storage.cells_read(area_id=area.pk, round_year=round_year)
    communes = list(communes_in(area=area, round_year=round_year))
    commune_ids = [c.pk for c in communes]

    if area.kind == AreaKind.COMMUNE:
        rows = Area.objects.filter(valid_in(round_year), parent=area, kind=AreaKind.VILLAGE)
        village_list = list(rows.order_by("code")) if villages else []
        counts = {**(CONDITIONS if villages else {}), **(EXTRA_CONDITIONS if extras else {})}
        by_village = (
            {}
            if not counts
            else _aggregate(
                commune_ids=[area.pk],
                round_year=round_year,
                group="household__village_id",
                counts=counts,
                ages=(0, MAX_AGE) if villages else EXTRA_AGES,
            )
        )
        units = [
            Row(label=v.name, code=v.code, kind=v.kind, cells=by_village.get(v.pk, []), rules=rules)
            for v in village_list
        ]
        if extras:
            total_cells = _merge_extras(
                total_cells, [c for cells in by_village.values() for c in cells]
            )
        total = Row(
            label=area.name,
            code=area.code,
            kind=area.kind,
            cells=total_cells,
            rules=rules,
            standards=stored.figures["standards"],
            is_total=True,
        )
        return FormData(
            area=area,
            round_year=round_year,
            rules=rules,
            units=units,
            total=total,
            computed_at=stored.computed_at,
            unit_kind=AreaKind.VILLAGE,
        )

    children = list(children_units(area=area, round_year=round_year))
    if area.kind != AreaKind.DISTRICT and not children:
        children = communes
    figures = {
        row.area_id: row
        for row in AreaFigures.objects.filter(
            area__in=children, round_id=round_year, rules_id=rules.pk
        )
    }
    for child in children:
        if child.pk not in figures:
            figures[child.pk] = ind_selectors.stored_figures(
                area=child, round_year=round_year, rules=rules
            )
    unit_extras: dict[int, list] = defaultdict(list)
    if extras:
        by_commune = _aggregate(
            commune_ids=commune_ids,
            round_year=round_year,
            group="commune_id",
            counts=EXTRA_CONDITIONS,
            ages=EXTRA_AGES,
        )
        for commune in communes:
            owner = next((c for c in children if commune.path.startswith(c.path)), None)
            if owner is not None:
                unit_extras[owner.pk] += by_commune.get(commune.pk, [])
        total_cells = _merge_extras(
            total_cells, [c for cells in by_commune.values() for c in cells]
        )
    units = []
    for child in children:
        cells = storage.cells_read(area_id=child.pk, round_year=round_year)
        if extras:
            cells = _merge_extras(cells, unit_extras[child.pk])
        units.append(
            Row(
                label=child.name,
                code=child.code,
                kind=child.kind,
                cells=cells,
                rules=rules,
                standards=figures[child.pk].figures["standards"],
            )
        )
    total = Row(
        label=area.name,
        code=area.code,
        kind=area.kind,
        cells=total_cells,
        rules=rules,
        standards=stored.figures["standards"],
        is_total=True,
    )
    kinds = {c.kind for c in children}
    return FormData(
        area=area,
        round_year=round_year,
        rules=rules,
        units=units,
        total=total,
        computed_at=stored.computed_at or timezone.now(),
        unit_kind=kinds.pop() if len(kinds) == 1 else "units",
    )
