"""Corrections made by officers in the register, single or in bulk, and their undo.

A correction is applied as a sync-style operation (``register.corrections``): its
``Change`` rows carry ``source`` "register:<id>" (a single correction) or
"bulk:<id>" (one bulk correction) and the operation's ``op_id``, so the timeline
and the phones' change feed show them like any other edit.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from areas.models import Area


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    APPLIED = "applied", _("applied")
    CONFLICT = "conflict", _("became a conflict")
    REJECTED = "rejected", _("rejected")
    UNCHANGED = "unchanged", _("nothing to change")


class BulkCorrection(models.Model):
    """One bulk correction (or the undo of one): a selection, one change, applied as one operation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    round_year = models.PositiveSmallIntegerField()
    selection = models.JSONField(default=dict)  # {"ids": [...]} or {"search": {...}}
    change = models.JSONField(default=dict)  # {"set": {field: value}}
    reason = models.CharField(max_length=500, blank=True, default="")
    total = models.PositiveIntegerField(default=0)
    applied = models.PositiveIntegerField(default=0)
    conflicts = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    report = models.JSONField(
        default=list
    )  # [{"resident", "status", "errors"}] for rows not applied
    undo_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="undone_by"
    )

    class Meta:
        verbose_name = _("bulk correction")
        verbose_name_plural = _("bulk corrections")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"bulk:{self.pk}"

    @property
    def source(self) -> str:
        return f"bulk:{self.pk}"


class Correction(models.Model):
    """One record corrected in the register: who, when, what was shown (base), what changed, the result."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    entity = models.CharField(max_length=16)  # household | resident
    entity_id = models.UUIDField(db_index=True)
    household_id = models.UUIDField()
    commune = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    round_year = models.PositiveSmallIntegerField()
    base_version = models.PositiveIntegerField()
    base = models.JSONField(default=dict)  # the values the officer saw, per changed field
    changes = models.JSONField(default=dict)  # the new values asked for
    applied = models.JSONField(default=dict)  # {field: [old, new]} actually written
    reason = models.CharField(max_length=500, blank=True, default="")
    op_id = models.UUIDField(unique=True, default=uuid.uuid4)
    status = models.CharField(
        max_length=16, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    errors = models.JSONField(default=dict)
    conflict_id = models.UUIDField(
        null=True, blank=True
    )  # sync.Conflict opened by a stale correction
    version_after = models.PositiveIntegerField(null=True, blank=True)
    bulk = models.ForeignKey(
        BulkCorrection, null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    undo_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="undone_by"
    )

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["household_id", "at"])]

    def __str__(self) -> str:
        return f"register:{self.pk} {self.entity} {self.entity_id} ({self.status})"

    @property
    def source(self) -> str:
        return self.bulk.source if self.bulk_id else f"register:{self.pk}"
