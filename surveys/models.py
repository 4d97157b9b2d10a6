"""Rounds, households, residents, per-round enrollments and visits, and their history.

The field names follow the wire format v1 (DOMAIN.md §4). Every household and
resident carries ``version`` (bumped on each change of its own fields) and ``seq``
(the global change sequence stamp of its last change, the sync feed's cursor).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from areas.models import Area


class Round(models.Model):
    """One survey round per school year: round Y is school year Y–(Y+1)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    is_open = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}–{self.year + 1}"


class Residence(models.TextChoices):
    PERMANENT = "permanent", _("Permanent residence")
    TEMPORARY = "temporary", _("Temporary residence (6 months or more)")


class Household(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    village = models.ForeignKey(
        Area, verbose_name=_("village"), on_delete=models.PROTECT, related_name="households"
    )
    commune = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    number = models.CharField(_("household number"), max_length=32)
    address = models.CharField(_("address"), max_length=255, blank=True, default="")
    residence = models.CharField(
        _("residence"), max_length=16, choices=Residence.choices, default=Residence.PERMANENT
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, default="")
    note = models.TextField(_("note"), blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    seq = models.BigIntegerField(db_index=True, default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "number"],
                condition=Q(deleted_at__isnull=True),
                name="household_number_unique_in_commune",
            ),
        ]
        indexes = [models.Index(fields=["village", "number"])]

    def __str__(self) -> str:
        return self.number


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    GRANDCHILD = "grandchild", _("Grandchild")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    PRESENT = "present", _("Present")
    MOVED_IN = "moved_in", _("Moved in")
    MOVED_OUT = "moved_out", _("Moved out")
    DECEASED = "deceased", _("Deceased")


class Disability(models.TextChoices):
    NONE = "none", _("None")
    CAN_STUDY = "can_study", _("Disabled, able to study")
    CANNOT_STUDY = "cannot_study", _("Disabled, unable to study")


class Level(models.TextChoices):
    NONE = "none", _("Not enrolled")
    PRESCHOOL = "preschool", _("Preschool")
    PRIMARY = "primary", _("Primary (grades 1–5)")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary (grades 6–9)")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary (grades 10–12)")
    CONTINUING_UPPER = "continuing_upper", _("Continuing education, upper secondary")
    VOCATIONAL = "vocational", _("Vocational")
    HIGHER = "higher", _("Higher education")


class Resident(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members"
    )
    commune = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    position = models.PositiveSmallIntegerField(default=0)
    full_name = models.CharField(_("full name"), max_length=100)
    name_folded = models.CharField(max_length=100, editable=False, default="")
    # The Vietnamese order as digits (surveys.text.vi_sort_key_text): the register sorts by it.
    sort_key = models.CharField(max_length=255, editable=False, default="")
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    birth_month = models.PositiveSmallIntegerField(_("birth month"), null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(_("birth day"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, default="01")
    relation = models.CharField(_("relation to the head"), max_length=16, choices=Relation.choices)
    national_id = models.CharField(_("national ID number"), max_length=12, blank=True, default="")
    guardian_name = models.CharField(_("guardian's name"), max_length=100, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PRESENT
    )
    status_year = models.PositiveSmallIntegerField(_("status year"), null=True, blank=True)
    disability = models.CharField(
        _("disability"), max_length=16, choices=Disability.choices, default=Disability.NONE
    )
    preschool_completed_year = models.PositiveSmallIntegerField(null=True, blank=True)
    primary_completed_year = models.PositiveSmallIntegerField(null=True, blank=True)
    lower_secondary_graduated_year = models.PositiveSmallIntegerField(null=True, blank=True)
    upper_secondary_graduated_year = models.PositiveSmallIntegerField(null=True, blank=True)
    highest_grade_completed = models.PositiveSmallIntegerField(default=0)
    literacy_stage = models.PositiveSmallIntegerField(default=0)
    dropped_out_grade = models.PositiveSmallIntegerField(null=True, blank=True)
    dropped_out_year = models.PositiveSmallIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    seq = models.BigIntegerField(db_index=True, default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__gte=1900), name="resident_birth_year_min"
            ),
            models.CheckConstraint(
                condition=Q(birth_month__isnull=True) | Q(birth_month__gte=1, birth_month__lte=12),
                name="resident_birth_month_range",
            ),
            models.CheckConstraint(
                condition=Q(birth_day__isnull=True) | Q(birth_day__gte=1, birth_day__lte=31),
                name="resident_birth_day_range",
            ),
            models.CheckConstraint(
                condition=Q(highest_grade_completed__lte=12), name="resident_grade_range"
            ),
            models.CheckConstraint(
                condition=Q(literacy_stage__lte=2), name="resident_literacy_range"
            ),
            models.CheckConstraint(
                condition=Q(status="present") | Q(status_year__isnull=False),
                name="resident_status_year_required",
            ),
        ]
        indexes = [
            models.Index(fields=["commune", "birth_year"]),
            # The register's search (register/search.py, docs/register.md); on PostgreSQL also a
            # trigram GIN index on name_folded (surveys/migrations/0007_register_search.py).
            # Live residents in the Vietnamese order, with what the search filters on included
            # (PostgreSQL): a page of a common name is an index-only walk, no table reads.
            models.Index(
                fields=["commune", "sort_key", "id"],
                include=["name_folded", "birth_year", "status"],
                condition=Q(deleted_at__isnull=True),
                name="resident_commune_sort",
            ),
            models.Index(
                fields=["sort_key", "id"],
                include=["name_folded", "commune", "birth_year", "status"],
                condition=Q(deleted_at__isnull=True),
                name="resident_sort",
            ),
            models.Index(
                fields=["national_id"], condition=~Q(national_id=""), name="resident_national_id"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


class Enrollment(models.Model):
    """Where a resident studies in one round."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="enrollments")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="enrollments")
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    school = models.CharField(_("school"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(fields=["resident", "round"], name="enrollment_once_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} · {self.round_id}: {self.level} {self.grade or ''}".strip()


class Visit(models.Model):
    """A household surveyed in a round (the latest visit of the round)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="visits")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="visits")
    date = models.DateField(_("visit date"))
    surveyor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.UniqueConstraint(fields=["household", "round"], name="visit_once_per_round")
        ]
        indexes = [models.Index(fields=["round", "household"])]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.round_id}: {self.date}"


class Change(models.Model):
    """The audit history and change feed: one row per change of a record.

    ``seq`` comes from one global sequence (surveys.sequence) and orders every
    change; ``fields`` maps each changed wire field to ``[old, new]``.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")

    seq = models.BigIntegerField(unique=True)
    entity = models.CharField(max_length=16)  # household | resident | visit
    entity_id = models.UUIDField()
    household_id = models.UUIDField(db_index=True)
    commune = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=8, choices=Action.choices)
    version = models.PositiveIntegerField()
    fields = models.JSONField(default=dict)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=64, default="api")
    op_id = models.UUIDField(null=True, blank=True)  # the sync operation that made it
    reason = models.CharField(
        max_length=500, blank=True, default=""
    )  # why, for a change after sign-off
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        indexes = [models.Index(fields=["entity_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.entity} {self.entity_id} {self.action}"


class SeqCounter(models.Model):
    """The change sequence where the database has no sequences (SQLite)."""

    name = models.CharField(max_length=32, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class StaleCommune(models.Model):
    """A commune whose figures for a round changed since they were last computed.

    Marked in the same transaction as the change (so it is never lost); the
    indicator refresh clears it after recomputing.
    """

    commune = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    marked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "round"], name="stale_commune_once_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.commune_id} · {self.round_id}"


class CommuneSignoff(models.Model):
    """A commune's round closed by its officer ("chốt số liệu"); edits then need a reason.

    Reopening keeps the row (``reopened_*`` set); at most one open sign-off per commune and round.
    """

    commune = models.ForeignKey(
        Area, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="signoffs"
    )
    round = models.ForeignKey(
        Round, verbose_name=_("survey round"), on_delete=models.PROTECT, related_name="signoffs"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed off at"))
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopen_reason = models.CharField(
        _("reason for reopening"), max_length=500, blank=True, default=""
    )

    class Meta:
        verbose_name = _("commune sign-off")
        verbose_name_plural = _("commune sign-offs")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "round"],
                condition=Q(reopened_at__isnull=True),
                name="signoff_open_once_per_round",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commune_id} · {self.round_id}"
