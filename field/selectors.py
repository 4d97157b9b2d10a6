"""Reads for the field app, scoped to the user like every other interface."""

from areas.access import scope_q
from areas.models import Area, AreaKind
from field.models import FormPhoto
from server.errors import NotFound
from surveys.models import Household, Resident
from surveys.selectors import household_get

MAX_VILLAGES = 2000  # the field app is for surveyors; a city account gets its first villages only


def villages_for(*, user) -> list[dict]:
    """The villages the user works in, with their commune, in tree order."""
    villages = (
        Area.objects.filter(scope_q(user=user, path_field="path"), kind=AreaKind.VILLAGE)
        .select_related("parent")
        .order_by("path")[:MAX_VILLAGES]
    )
    return [
        {
            "code": v.code,
            "name": v.name,
            "commune": v.parent.code if v.parent else "",
            "commune_name": v.parent.name if v.parent else "",
        }
        for v in villages
    ]


def roster_size(*, user) -> dict:
    """How many records a first pull (cursor 0) brings: the denominator of the download progress."""
    households = Household.objects.filter(scope_q(user=user, path_field="village__path")).count()
    residents = Resident.objects.filter(
        scope_q(user=user, path_field="household__village__path")
    ).count()
    return {"households": households, "residents": residents}


def photos_of(*, user, household_id) -> list[FormPhoto]:
    household = household_get(user=user, household_id=household_id)
    return list(FormPhoto.objects.filter(household=household).order_by("created_at"))


def photo_get(*, user, household_id, photo_id) -> FormPhoto:
    household = household_get(user=user, household_id=household_id)
    photo = FormPhoto.objects.filter(household=household, pk=photo_id).first()
    if photo is None:
        raise NotFound()
    return photo
