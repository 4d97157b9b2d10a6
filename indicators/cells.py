"""Who counts, and the one aggregation that counts them (DOMAIN.md §3, §5–6).

A *cell* is the number of people of one commune and round with the same age,
sex, minority flag and disability, with the count of each numerator condition
among them. Cells carry no rule: the PPC (which disabilities are left out) and
the cohorts (which ages) are applied when indicators are computed from them, so
one recount serves every rule set, and roll-ups are sums of cells.

The same ``CONDITIONS`` filter the drill-down lists, so a list is always exactly
denominator − numerator.
"""

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from surveys.models import Level, Resident, Status

KINH = "01"  # minority = any group but Kinh (DOMAIN.md §1)
COUNTED_STATUSES = (Status.PRESENT, Status.MOVED_IN)
DISABILITIES = ("none", "can_study", "cannot_study")
UPPER_TRACK = (Level.UPPER_SECONDARY, Level.CONTINUING_UPPER, Level.VOCATIONAL)
MAX_AGE = 60

# Numerator conditions, on a queryset annotated by ``population`` (``round_level`` is the
# level of the round's enrollment, "none" without one).
CONDITIONS: dict[str, Q] = {
    "preschool_enrolled": Q(round_level=Level.PRESCHOOL),
    "preschool_completed": Q(preschool_completed_year__isnull=False),
    "primary_enrolled": Q(round_level=Level.PRIMARY),
    "primary_completed": Q(primary_completed_year__isnull=False),
    # not completed primary and not enrolled in primary (th_11_rest_in_primary's gap)
    "primary_outside": Q(primary_completed_year__isnull=True) & ~Q(round_level=Level.PRIMARY),
    "lower_secondary_graduated": Q(lower_secondary_graduated_year__isnull=False),
    "upper_track": Q(round_level__in=UPPER_TRACK),
    "literate1": Q(highest_grade_completed__gte=3) | Q(literacy_stage__gte=1),
    "literate2": Q(primary_completed_year__isnull=False)
    | Q(highest_grade_completed__gte=5)
    | Q(literacy_stage=2),
}
COUNTS = ("total", *CONDITIONS)
KEYS = ("age", "female", "minority", "disability")


def population(*, round_year: int, ages: tuple[int, int] = (0, MAX_AGE)) -> QuerySet[Resident]:
    """The counted population of round Y aged ``ages`` (age = Y − birth year).

    Members of live households, not deleted, present or moved in; annotated with
    ``round_level``, the level of the round's enrollment ("none" without one).
    """
    first, last = ages
    return Resident.objects.filter(
        deleted_at__isnull=True,
        household__deleted_at__isnull=True,
        status__in=COUNTED_STATUSES,
        birth_year__gte=round_year - last,
        birth_year__lte=round_year - first,
    ).annotate(
        round_enrollment=FilteredRelation(
            "enrollments", condition=Q(enrollments__round_id=round_year)
        ),
        round_level=Coalesce(F("round_enrollment__level"), Value(Level.NONE)),
    )


def ppc(*, excludes) -> Q:
    """The PPC (số phải phổ cập): the population without the excluded disabilities."""
    return ~Q(disability__in=sorted(excludes))


def recount(*, commune_ids: list[int], round_year: int) -> list[dict]:
    """Count the cells of these communes in one query (grouped by commune, age, sex, minority, disability).

    Returns dicts with ``commune_id``, the ``KEYS`` and the ``COUNTS``.
    """
    rows = (
        population(round_year=round_year)
        # the household filter lets PostgreSQL read only the commune's live households (partial index)
        .filter(commune_id__in=commune_ids, household__commune_id__in=commune_ids)
        .annotate(
            minority=Case(
                When(ethnicity=KINH, then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            )
        )
        .values("commune_id", "birth_year", "sex", "minority", "disability")
        .annotate(
            total=Count("pk"), **{name: Count("pk", filter=q) for name, q in CONDITIONS.items()}
        )
        .order_by()
    )
    return [
        {
            "commune_id": row["commune_id"],
            "age": round_year - row["birth_year"],
            "female": row["sex"] == "female",
            "minority": bool(row["minority"]),
            "disability": row["disability"],
            **{name: row[name] for name in COUNTS},
        }
        for row in rows
    ]
