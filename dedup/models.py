"""Duplicate candidates, the decisions taken on them, and the blocking index.

A *pair* is two resident records that may be one person. It waits in the review
queue (``open``) until a commune officer or district supervisor decides:

- ``same``: merged. The ``survivor`` keeps the chosen values; the ``absorbed``
  record is soft-deleted (``Resident.deleted_at``) through ``surveys.services``,
  so the change feed carries a tombstone to the phones and the history shows it.
- ``different``: two people; the pair stays so it is never suggested again.
- ``moved``: the ``absorbed`` record is the moved-out one, the ``survivor`` the
  record where the person lives now.

Every decision (and undo) leaves a :class:`Decision` row: who, when, what, and
both records before and after.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from surveys.models import Resident


class PairStatus(models.TextChoices):
    OPEN = "open", _("Waiting for review")
    SAME = "same", _("Same person (merged)")
    DIFFERENT = "different", _("Different people")
    MOVED = "moved", _("Moved (linked)")


class DuplicatePair(models.Model):
    left = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    right = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=PairStatus.choices, default=PairStatus.OPEN
    )
    auto = models.BooleanField(_("decided automatically"), default=False)
    no_auto = models.BooleanField(
        default=False, help_text="An automatic link was undone: never link it automatically again."
    )
    survivor = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    absorbed = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveSmallIntegerField(_("round"))
    found_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("duplicate pair")
        verbose_name_plural = _("duplicate pairs")
        constraints = [
            models.UniqueConstraint(fields=["left", "right"], name="dedup_pair_once"),
            models.CheckConstraint(condition=~Q(left=F("right")), name="dedup_pair_two_records"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in PairStatus]),
                name="dedup_pair_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "-score"])]

    def __str__(self) -> str:
        return f"{self.left_id} ~ {self.right_id} ({self.status})"


class DecisionKind(models.TextChoices):
    SAME = "same", _("Same person (merged)")
    DIFFERENT = "different", _("Different people")
    MOVED = "moved", _("Moved (linked)")
    UNDO = "undo", _("Undone")


class Decision(models.Model):
    """The audit trail of the review queue: one row per decision or undo."""

    pair = models.ForeignKey(DuplicatePair, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=16, choices=DecisionKind.choices)
    auto = models.BooleanField(default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    round = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True, default="")
    fields = models.JSONField(
        default=dict
    )  # same: the side chosen per field; moved: which record moved out
    before = models.JSONField(default=dict)  # {"left": wire, "right": wire}
    after = models.JSONField(default=dict)
    undone = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("duplicate decision")
        verbose_name_plural = _("duplicate decisions")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.pair_id}: {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class MatchKey(models.Model):
    """The blocking index (``dedup.blocking.keys``) of live residents, for the per-change check.

    Rebuilt for an area by ``manage.py dedup``; kept current by the change listener.
    Plain columns, no foreign keys: it is an index, loaded in bulk.
    """

    key = models.CharField(max_length=128)
    resident_id = models.UUIDField()
    commune_id = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["key", "commune_id"], name="dedup_key_lookup"),
            models.Index(fields=["resident_id"], name="dedup_key_resident"),
            models.Index(fields=["commune_id"], name="dedup_key_commune"),
        ]

    def __str__(self) -> str:
        return self.key
