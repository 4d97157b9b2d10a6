"""Reading residents for matching, and the blocking index in the database."""

from collections.abc import Iterable

from django.db import connection, transaction

from areas.models import Area, AreaKind
from dedup.blocking import keys
from dedup.matching import Profile, profile_from_values
from dedup.models import MatchKey
from surveys.models import Resident

COLUMNS = (
    "id", "household_id", "household__village_id", "commune_id", "full_name", "sex", "birth_year",
    "birth_month", "birth_day", "national_id", "guardian_name", "status", "ethnicity", "disability",
    "highest_grade_completed", "literacy_stage", "preschool_completed_year", "primary_completed_year",
    "lower_secondary_graduated_year", "upper_secondary_graduated_year", "dropped_out_grade",
)  # fmt: skip
KEY_BATCH = 20_000


def live_residents():
    """Residents that count as records at all: not deleted, in a household that is not deleted."""
    return Resident.objects.filter(deleted_at__isnull=True, household__deleted_at__isnull=True)


def profiles_of(queryset) -> list[Profile]:
    profiles = []
    for row in queryset.values_list(*COLUMNS).iterator(chunk_size=10_000):
        values = dict(zip(COLUMNS, row, strict=True))
        values["village_id"] = values.pop("household__village_id")
        profiles.append(profile_from_values(values))
    return profiles


def residents_in_area(area: Area):
    if area.kind == AreaKind.VILLAGE:
        return live_residents().filter(household__village_id=area.pk)
    if area.kind == AreaKind.COMMUNE:
        return live_residents().filter(commune_id=area.pk)
    communes = Area.objects.filter(kind=AreaKind.COMMUNE, path__startswith=area.path).values("pk")
    return live_residents().filter(commune_id__in=communes)


def neighbour_communes(commune_ids: Iterable[int]) -> list[int]:
    """The communes and their neighbours: the communes sharing their parent (siblings in the tree)."""
    parents = Area.objects.filter(pk__in=list(commune_ids)).values("parent_id")
    siblings = Area.objects.filter(kind=AreaKind.COMMUNE, parent_id__in=parents).values_list(
        "pk", flat=True
    )
    return sorted(set(siblings) | set(commune_ids))


@transaction.atomic
def keys_replace(
    *,
    profiles: list[Profile],
    resident_ids: Iterable | None = None,
    communes: Iterable[int] | None = None,
) -> int:
    """Drop the keys of these residents (or of whole communes) and write the profiles' keys."""
    if communes is not None:
        MatchKey.objects.filter(commune_id__in=list(communes)).delete()
    if resident_ids is not None:
        MatchKey.objects.filter(resident_id__in=list(resident_ids)).delete()
    rows = [(key, p.id, p.commune_id) for p in profiles for key in keys(p)]
    if connection.vendor == "postgresql":
        _copy_keys(rows)
    else:
        MatchKey.objects.bulk_create(
            [MatchKey(key=k, resident_id=r, commune_id=c) for k, r, c in rows], batch_size=KEY_BATCH
        )
    return len(rows)


def _copy_keys(rows: list[tuple]) -> None:
    table = MatchKey._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {table} (key, resident_id, commune_id) FROM STDIN"  # noqa: S608 - our own table name
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)
