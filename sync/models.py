"""Devices, the idempotency log of operations, and conflicts waiting for a decision."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from areas.models import Area


class Device(models.Model):
    """A phone (or browser profile) that syncs; its id is made on the device."""

    id = models.UUIDField(primary_key=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices"
    )
    user_agent = models.CharField(max_length=200, blank=True, default="")
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_push_at = models.DateTimeField(null=True, blank=True)
    last_pull_at = models.DateTimeField(null=True, blank=True)
    last_cursor = models.BigIntegerField(default=0)
    # The villages (ids) this device was last served: a village no longer in the
    # user's scope gets tombstones, a new one a full download.
    villages = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")

    def __str__(self) -> str:
        return f"{self.id} ({self.user})"


class OpStatus(models.TextChoices):
    APPLIED = "applied", _("applied")
    DUPLICATE = "duplicate", _("duplicate")
    CONFLICT = "conflict", _("conflict")
    REJECTED = "rejected", _("rejected")


class OpLog(models.Model):
    """Every operation received, with the result it got: a replay returns that result."""

    op_id = models.UUIDField(primary_key=True)
    device = models.ForeignKey(Device, null=True, on_delete=models.SET_NULL, related_name="ops")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=32)
    entity_id = models.UUIDField(null=True)
    status = models.CharField(max_length=16, choices=OpStatus.choices)
    result = models.JSONField()
    device_at = models.BigIntegerField(
        null=True
    )  # the op's "at" (device clock, ms), orders one device's edits
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sync operation")
        verbose_name_plural = _("sync operations")
        indexes = [models.Index(fields=["entity_id", "received_at"])]

    def __str__(self) -> str:
        return f"{self.op_id} {self.kind} {self.status}"


class ConflictKind(models.TextChoices):
    FIELDS = "fields", _("the same fields changed on both sides")
    DELETE_VS_EDIT = "delete_vs_edit", _("deleted on the phone, changed on the server")
    EDIT_VS_DELETE = "edit_vs_delete", _("changed on the phone, deleted on the server")


class Conflict(models.Model):
    """Both versions of what two people changed, kept until someone decides."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        RESOLVED = "resolved", _("resolved")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.CharField(max_length=16)  # household | resident
    entity_id = models.UUIDField()
    household_id = models.UUIDField()
    commune = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    round_year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=ConflictKind.choices)
    # {field: {"base", "mine", "theirs", "theirs_by", "theirs_at"}}
    fields = models.JSONField(default=dict)
    mine = models.JSONField(default=dict)  # the phone's whole change (data of the operation)
    op_id = models.UUIDField()
    device = models.ForeignKey(Device, null=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    resolution = models.JSONField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("conflict")
        verbose_name_plural = _("conflicts")
        indexes = [models.Index(fields=["status", "commune"]), models.Index(fields=["entity_id"])]

    def __str__(self) -> str:
        return f"{self.entity} {self.entity_id} {self.kind} ({self.status})"
