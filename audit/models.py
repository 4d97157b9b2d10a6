"""Who read or took personal data out: person lists, exports, downloads, imports (docs/security.md)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from areas.models import Area


class AuditEvent(models.Model):
    """One read, export, download or bulk change of personal data.

    ``area`` is the area the data belongs to (it decides which city's staff may read
    the event); ``target`` names what was read (a household id, a list code, a job id);
    ``count`` is how many people/rows, when known.
    """

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("username"), max_length=150, blank=True, default="")
    action = models.CharField(_("action"), max_length=64, db_index=True)
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    area_path = models.CharField(
        max_length=255, blank=True, default="", db_index=True, editable=False
    )
    target = models.CharField(_("target"), max_length=255, blank=True, default="")
    count = models.PositiveIntegerField(_("count"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["area_path", "-at"]), models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} · {self.username} · {self.action}"
