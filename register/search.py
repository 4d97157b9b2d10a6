"""Finding people and households in the user's scope (docs/register.md, "Search").

Every filter maps onto an index (PostgreSQL, city scale):

- scope: ``Resident.commune`` / ``Household.commune`` in the communes the user sees
  (plus single villages for surveyors), the same areas as ``areas.access.scope_q``;
- name: each folded word is a substring of ``Resident.name_folded`` (trigram GIN);
- order: ``Resident.sort_key`` (the Vietnamese order as digits) with (commune, sort_key);
- birth year: (commune, birth_year); household number: (commune, number) unique;
- village: ``Household.village`` (village, number); national ID: ``national_id`` (B-tree).
"""

import re

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from areas.access import scope_q, user_sees_everything
from areas.models import Area, AreaKind
from server.errors import ValidationFailed
from surveys.models import Household, Resident, Status
from surveys.text import fold

PERSON_FILTERS = ("q", "birth_year", "household_number", "village", "national_id", "status")


def may_see_national_id(*, user) -> bool:
    from accounts.pii import may_see_national_id as allowed

    return allowed(user=user)


def mask_national_id(value: str) -> str:
    from accounts.pii import mask_national_id as mask

    return mask(value)


def scope_filter(
    *, user, commune_field: str = "commune_id", village_field: str = "household__village_id"
) -> Q:
    """The user's scope as commune ids (and village ids for a village-level membership).

    The same areas as ``scope_q`` on the area path: every commune whose path is in
    scope, and the villages in scope whose commune is not. Index-friendly (an IN list
    on the commune column) where ``scope_q`` would join to the areas.
    """
    if user_sees_everything(user=user):
        return Q()
    visible = Area.objects.filter(scope_q(user=user, path_field="path"))
    communes = list(visible.filter(kind=AreaKind.COMMUNE).values_list("pk", flat=True))
    villages = list(
        visible.filter(kind=AreaKind.VILLAGE)
        .exclude(parent_id__in=communes)
        .values_list("pk", flat=True)
    )
    q = Q(pk__in=[])
    if communes:
        q |= Q(**{f"{commune_field}__in": communes})
    if villages:
        q |= Q(**{f"{village_field}__in": villages})
    return q


def name_words(text: str) -> list[str]:
    """The folded words of a name query (each must be part of the name)."""
    return [w for w in re.split(r"[\s,;]+", fold(text or "")) if w]


def clean_filters(params, *, user) -> dict:
    """The search filters from query parameters, or ``ValidationFailed`` naming the field."""
    errors: dict[str, list[str]] = {}
    out: dict = {}
    q = (params.get("q") or "").strip()
    if q:
        if len(q) > 100:
            errors["q"] = [_("At most 100 characters.")]
        out["q"] = q
    birth_year = (params.get("birth_year") or "").strip()
    if birth_year:
        if not birth_year.isdigit() or not 1900 <= int(birth_year) <= 2100:
            errors["birth_year"] = [_("Must be a year such as 2014.")]
        else:
            out["birth_year"] = int(birth_year)
    for key in ("household_number", "village"):
        value = (params.get(key) or "").strip()
        if value:
            if len(value) > 32:
                errors[key] = [_("At most 32 characters.")]
            out[key] = value
    national_id = (params.get("national_id") or "").strip()
    if national_id:
        if not may_see_national_id(user=user):
            errors["national_id"] = [_("Your role may not search by national ID number.")]
        elif not national_id.isdigit() or len(national_id) > 12:
            errors["national_id"] = [_("A national ID number has up to 12 digits.")]
        else:
            out["national_id"] = national_id
    status = (params.get("status") or "").strip()
    if status:
        if status not in Status.values:
            errors["status"] = [
                _("Unknown status; use one of: %(values)s.") % {"values": ", ".join(Status.values)}
            ]
        else:
            out["status"] = status
    if errors:
        raise ValidationFailed(errors=errors)
    return out


def _person_q(filters: dict, prefix: str = "") -> Q:
    q = Q()
    for word in name_words(filters.get("q", "")):
        q &= Q(**{f"{prefix}name_folded__contains": word})
    if "birth_year" in filters:
        q &= Q(**{f"{prefix}birth_year": filters["birth_year"]})
    if "national_id" in filters:
        q &= Q(**{f"{prefix}national_id": filters["national_id"]})
    if "status" in filters:
        q &= Q(**{f"{prefix}status": filters["status"]})
    return q


def people_search(*, user, filters: dict) -> QuerySet[Resident]:
    """Live residents in scope matching every filter, in the Vietnamese order."""
    people = Resident.objects.filter(scope_filter(user=user), deleted_at__isnull=True).filter(
        _person_q(filters)
    )
    if "household_number" in filters:
        # The scope on the household too (the same communes): the unique (commune, number) index.
        households = Household.objects.filter(
            scope_filter(user=user, village_field="village_id"),
            number=filters["household_number"],
            deleted_at__isnull=True,
        )
        people = people.filter(household__in=households)
    if "village" in filters:
        people = people.filter(
            household__village__code=filters["village"], household__village__kind=AreaKind.VILLAGE
        )
    return people.select_related("household__village", "commune").order_by("sort_key", "id")


def households_search(*, user, filters: dict) -> QuerySet[Household]:
    """Live households in scope; person filters mean "with a live member who matches"."""
    households = Household.objects.filter(
        scope_filter(user=user, village_field="village_id"), deleted_at__isnull=True
    )
    if "household_number" in filters:
        households = households.filter(number=filters["household_number"])
    if "village" in filters:
        households = households.filter(
            village__code=filters["village"], village__kind=AreaKind.VILLAGE
        )
    member_q = _person_q(filters)
    if member_q:
        # The matching people first (trigram / year / ID indexes), then their households.
        members = Resident.objects.filter(
            scope_filter(user=user), member_q, deleted_at__isnull=True
        )
        households = households.filter(pk__in=members.values("household_id"))
    return households.select_related("village", "commune").order_by("commune__path", "number", "id")
