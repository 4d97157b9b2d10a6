"""Writes of the field app: storing a form photo."""

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from field.models import FormPhoto
from field.photos import photo_clean
from server.errors import NotFound
from surveys.selectors import household_get


def photo_store(
    *, user, household_id, photo_id, data: bytes, round_year: int
) -> tuple[FormPhoto, bool]:
    """Store a cleaned photo for a visible household; the same photo id again returns the first.

    Returns ``(photo, created)``. Out of scope is NotFound, like a missing household.
    """
    household = household_get(user=user, household_id=household_id)
    existing = FormPhoto.objects.filter(pk=photo_id).first()
    if existing is not None:
        if existing.household_id != household.pk:
            raise NotFound()
        return existing, False
    clean = photo_clean(data=data)
    photo = FormPhoto(
        id=photo_id,
        household=household,
        round_year=round_year,
        width=clean.width,
        height=clean.height,
        size=len(clean.data),
        uploaded_by=user,
    )
    photo.image.save("photo.jpg", ContentFile(clean.data), save=False)
    try:
        with transaction.atomic():
            photo.save(force_insert=True)
    except IntegrityError:  # the same upload raced in: keep the first, drop our file
        photo.image.delete(save=False)
        return FormPhoto.objects.get(pk=photo_id), False
    return photo, True
