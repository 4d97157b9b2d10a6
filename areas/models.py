"""The area tree (city/province → district → commune → village) and memberships."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AreaKind(models.TextChoices):
    CITY = "city", _("City")
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")
    VILLAGE = "village", _("Village")


# Which kinds may stand directly above each kind (a commune under the city is the
# two-tier shape of 2025; a district is optional).
ALLOWED_PARENTS = {
    AreaKind.CITY: set(),
    AreaKind.PROVINCE: set(),
    AreaKind.DISTRICT: {AreaKind.CITY, AreaKind.PROVINCE},
    AreaKind.COMMUNE: {AreaKind.CITY, AreaKind.PROVINCE, AreaKind.DISTRICT},
    AreaKind.VILLAGE: {AreaKind.COMMUNE},
}


class Area(models.Model):
    """One unit of the tree.

    Codes are unique among cities, provinces, districts and communes; a village
    code is unique within its commune (village codes are local, DOMAIN.md §2).
    ``path`` is the chain of ids from the root (``/1/4/17/``) so a subtree is one
    indexed prefix match.
    """

    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=AreaKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    difficult = models.BooleanField(
        _("especially difficult (ĐBKK)"),
        default=False,
        help_text=_("The current ĐBKK flag; per-year flags override it."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
    )

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~Q(kind="village"), name="area_code_unique"
            ),
            models.UniqueConstraint(
                fields=["parent", "code"],
                condition=Q(kind="village"),
                name="village_code_unique_in_commune",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in AreaKind]), name="area_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def is_within(self, other: "Area") -> bool:
        return self.path.startswith(other.path)


class AreaDifficulty(models.Model):
    """The ĐBKK flag of a commune for one school year (overrides Area.difficult)."""

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="difficulties"
    )
    year = models.PositiveSmallIntegerField(_("school year (start)"))
    difficult = models.BooleanField(_("especially difficult (ĐBKK)"))

    class Meta:
        verbose_name = _("ĐBKK flag per school year")
        verbose_name_plural = _("ĐBKK flags per school year")
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="difficulty_once_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.area} · {self.year}: {self.difficult}"


class Role(models.TextChoices):
    SURVEYOR = "surveyor", _("Surveyor")
    COMMUNE_OFFICER = "commune_officer", _("Commune officer")
    DISTRICT_SUPERVISOR = "district_supervisor", _("District supervisor")
    CITY_STAFF = "city_staff", _("City staff")


# The kind of area each role is attached to.
ROLE_AREA_KINDS = {
    Role.SURVEYOR: {AreaKind.VILLAGE},
    Role.COMMUNE_OFFICER: {AreaKind.COMMUNE},
    Role.DISTRICT_SUPERVISOR: {AreaKind.DISTRICT},
    Role.CITY_STAFF: {AreaKind.CITY, AreaKind.PROVINCE},
}


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "area", "role"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.area}"
