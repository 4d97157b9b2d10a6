"""Rule sets, pre-aggregated cells and figures per area and round, and frozen snapshots."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from areas.models import Area
from surveys.models import Round


class RuleSet(models.Model):
    """One version of a rule set (DOMAIN.md §7); a row is never edited, a change is a new version."""

    name = models.SlugField(_("name"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    description = models.TextField(_("description"), blank=True, default="")
    params = models.JSONField(_("parameters"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="ruleset_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


def _count():
    return models.IntegerField(default=0)  # a count; no CHECK, so a delta row may be upserted


class AreaCohort(models.Model):
    """People of an area and round with one age, sex, minority flag and disability (a *cell*).

    A commune's cells come from one aggregation over its residents; a district's or
    city's cells are sums of its children's cells. See ``indicators.cells``.
    """

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    age = models.PositiveSmallIntegerField()
    female = models.BooleanField()
    minority = models.BooleanField()
    disability = models.CharField(max_length=16)
    total = _count()
    preschool_enrolled = _count()
    preschool_completed = _count()
    primary_enrolled = _count()
    primary_completed = _count()
    primary_outside = _count()
    lower_secondary_graduated = _count()
    upper_track = _count()
    literate1 = _count()
    literate2 = _count()

    class Meta:
        verbose_name = _("cohort cell")
        verbose_name_plural = _("cohort cells")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "round", "age", "female", "minority", "disability"],
                name="area_cohort_cell_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} · {self.round_id} · {self.age}"


class AreaFigures(models.Model):
    """The indicators and standards of an area for a round under one rule set version.

    ``figures`` is the JSON of ``manage.py indicators --json`` without the texts
    (reasons are rendered when read, in the reader's language); the level columns
    let roll-ups read the children's standards without parsing JSON.
    """

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    rules = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="+")
    figures = models.JSONField()
    mn5_level = models.PositiveSmallIntegerField(default=0)
    primary_level = models.PositiveSmallIntegerField(default=0)
    literacy_level = models.PositiveSmallIntegerField(default=0)
    lower_secondary_level = models.PositiveSmallIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("area figures")
        verbose_name_plural = _("area figures")
        constraints = [
            models.UniqueConstraint(fields=["area", "round", "rules"], name="area_figures_once")
        ]

    def __str__(self) -> str:
        return f"{self.area_id} · {self.round_id} · {self.rules_id}"


class Snapshot(models.Model):
    """A round's figures for an area frozen at a moment (official reports, later comparison). Immutable."""

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    round = models.ForeignKey(
        Round, verbose_name=_("survey round"), on_delete=models.PROTECT, related_name="+"
    )
    rules = models.ForeignKey(
        RuleSet, verbose_name=_("rule set"), on_delete=models.PROTECT, related_name="+"
    )
    figures = models.JSONField(_("figures"))
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    frozen_at = models.DateTimeField(_("frozen at"))
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("frozen by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    frozen_by_name = models.CharField(_("frozen by (name)"), max_length=150)

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["-frozen_at", "-id"]
        indexes = [models.Index(fields=["area", "round", "frozen_at"])]

    def __str__(self) -> str:
        return f"{self.area_id} · {self.round_id} · {self.frozen_at:%Y-%m-%d %H:%M}"
