"""Reads of the survey register, always scoped to what the user may see."""

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from areas.access import scope_q
from server.errors import NotFound
from surveys.models import Enrollment, Household, Resident, Round, Visit
from surveys.text import fold


def school_year_of(day: dt.date) -> int:
    """Round Y is surveyed from 1 September of Y."""
    return day.year if day.month >= 9 else day.year - 1


def round_current() -> int:
    """The latest open round, or the school year of today when none is open."""
    latest = (
        Round.objects.filter(is_open=True).order_by("-year").values_list("year", flat=True).first()
    )
    return latest if latest is not None else school_year_of(timezone.localdate())


def households_visible(*, user) -> QuerySet[Household]:
    return Household.objects.filter(
        scope_q(user=user, path_field="village__path"), deleted_at__isnull=True
    )


def with_round_details(queryset: QuerySet[Household], *, round_year: int) -> QuerySet[Household]:
    members = (
        Resident.objects.filter(deleted_at__isnull=True)
        .order_by("position", "created_at")
        .prefetch_related(
            Prefetch(
                "enrollments",
                queryset=Enrollment.objects.filter(round_id=round_year),
                to_attr="round_enrollments",
            )
        )
    )
    return queryset.select_related("village").prefetch_related(
        Prefetch("members", queryset=members, to_attr="current_members"),
        Prefetch(
            "visits", queryset=Visit.objects.filter(round_id=round_year), to_attr="round_visits"
        ),
    )


def household_list(
    *, user, round_year: int, q: str = "", village: str = "", not_visited: bool = False
) -> QuerySet[Household]:
    households = households_visible(user=user)
    if village:
        households = households.filter(village__code=village, village__kind="village")
    if not_visited:
        households = households.exclude(visits__round_id=round_year)
    folded = fold(q)
    if folded:
        named = Resident.objects.filter(
            household=OuterRef("pk"), deleted_at__isnull=True, name_folded__contains=folded
        )
        households = households.filter(Q(number__icontains=q.strip()) | Exists(named))
    return with_round_details(households, round_year=round_year).order_by(
        "village__path", "number", "id"
    )


def household_get(*, user, household_id) -> Household:
    """The visible household, or NotFound (out of scope looks the same as missing)."""
    household = (
        households_visible(user=user)
        .select_related("village", "commune")
        .filter(pk=household_id)
        .first()
    )
    if household is None:
        raise NotFound()
    return household
