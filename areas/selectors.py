"""Reads of the area tree that are not access decisions."""

from areas.models import Area, AreaKind


class AreaLookupError(LookupError):
    pass


def area_by_code(*, code: str, village_first: bool = False) -> Area:
    """The area with this code, for commands and imports.

    Codes of cities, provinces, districts and communes are unique; a village code is
    unique only within its commune, so a village may be written ``COMMUNE/VILLAGE``.
    ``village_first`` looks among villages before the other kinds.
    """
    if "/" in code:
        commune, village = code.split("/", 1)
        found = Area.objects.filter(
            kind=AreaKind.VILLAGE, code=village, parent__code=commune
        ).first()
        if found is None:
            raise AreaLookupError(f"no village {village!r} in commune {commune!r}")
        return found
    other = Area.objects.exclude(kind=AreaKind.VILLAGE).filter(code=code).first()
    if other is not None and not village_first:
        return other
    villages = list(Area.objects.filter(kind=AreaKind.VILLAGE, code=code)[:2])
    if len(villages) > 1:
        raise AreaLookupError(
            f"village code {code!r} exists in several communes: write COMMUNE/VILLAGE"
        )
    if villages:
        return villages[0]
    if other is not None:
        return other
    raise AreaLookupError(f"no area with code {code!r}")
