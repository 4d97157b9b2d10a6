"""The parts of the area tree the figures are computed over."""

import datetime as dt

from django.db.models import Q, QuerySet

from areas.models import Area, AreaKind

ROLLUP_KINDS = (AreaKind.DISTRICT, AreaKind.CITY, AreaKind.PROVINCE)
FIGURE_KINDS = (AreaKind.COMMUNE, *ROLLUP_KINDS)


def valid_in(round_year: int) -> Q:
    """Areas that existed during the school year (validity dates of mergers, DOMAIN.md §2)."""
    start, end = dt.date(round_year, 9, 1), dt.date(round_year + 1, 8, 31)
    return (Q(valid_to__isnull=True) | Q(valid_to__gte=start)) & (
        Q(valid_from__isnull=True) | Q(valid_from__lte=end)
    )


def communes_in(*, area: Area, round_year: int) -> QuerySet[Area]:
    """The communes of an area's subtree (the area itself when it is a commune)."""
    return Area.objects.filter(
        valid_in(round_year), kind=AreaKind.COMMUNE, path__startswith=area.path
    ).order_by("code")


def children_units(*, area: Area, round_year: int) -> QuerySet[Area]:
    """The districts and communes directly under an area."""
    kinds = [AreaKind.DISTRICT, AreaKind.COMMUNE]
    return Area.objects.filter(valid_in(round_year), parent=area, kind__in=kinds).order_by(
        "-kind", "code"
    )


def depth(area: Area) -> int:
    return area.path.count("/") - 1


def ancestor_ids(area: Area) -> list[int]:
    return [int(part) for part in area.path.strip("/").split("/")[:-1]]


def rollup_areas(communes: list[Area]) -> list[Area]:
    """The districts, cities and provinces above these communes, deepest first."""
    ids = {pk for commune in communes for pk in ancestor_ids(commune)}
    areas = list(Area.objects.filter(pk__in=ids, kind__in=ROLLUP_KINDS))
    return sorted(areas, key=lambda a: (-depth(a), a.path))
