"""The field app's own records: photos of the signed paper forms."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models import Household


def photo_path(photo: "FormPhoto", filename: str) -> str:
    """Scoped to the household: households/<commune code>/<household id>/<photo id>.jpg."""
    return f"households/{photo.household.commune.code}/{photo.household_id}/{photo.id}.jpg"


class FormPhoto(models.Model):
    """A photo of a household's signed paper form, re-encoded on the server (no location data).

    Its id is made on the phone, so an upload retried after a lost reply is stored once.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="form_photos")
    round_year = models.PositiveSmallIntegerField(_("survey round"))
    image = models.FileField(upload_to=photo_path, max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField(help_text="bytes of the stored JPEG")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("form photo")
        verbose_name_plural = _("form photos")
        indexes = [models.Index(fields=["household", "created_at"])]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.id}"
