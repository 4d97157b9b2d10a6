"""Pre-aggregated board figures and the recent activity feed.

``Counter`` holds one number per (area, round, key): ``expected`` (live
households), ``visited`` (households with a visit of the round), ``day:<iso
date>`` (visits dated that day) and ``user:<id>`` (households the user visited).
A village's rows are recounted from its households (a few hundred rows) under a
lock on the village; the difference goes up to every ancestor with
``value = value + delta``. Boards read these rows, never the register.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from areas.models import Area


class Counter(models.Model):
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    round = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=32)
    value = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("board counter")
        verbose_name_plural = _("board counters")
        constraints = [
            models.UniqueConstraint(fields=["area", "round", "key"], name="board_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.area_id} · {self.round} · {self.key}={self.value}"


class Activity(models.Model):
    """A recent board event (bounded: the oldest are pruned), for the activity feed of a snapshot."""

    at = models.DateTimeField()
    codes = models.CharField(max_length=255)  # ",31,303,11311," the boards it went to
    type = models.CharField(max_length=40)
    event = models.JSONField()

    class Meta:
        verbose_name = _("board activity")
        verbose_name_plural = _("board activity")

    def __str__(self) -> str:
        return f"{self.at} {self.type}"
