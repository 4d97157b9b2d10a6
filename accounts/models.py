"""Surveyor profiles, first passwords waiting to be printed, the account audit and Excel imports."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from areas.models import Area


class Profile(models.Model):
    """What a commune officer knows of a surveyor beyond the login: phone, school, team."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="account_profile",
    )
    commune = models.ForeignKey(
        Area,
        verbose_name=_("team (commune)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "The commune whose officer manages this account, even while it has no village."
        ),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, default="")
    school = models.CharField(_("school"), max_length=200, blank=True, default="")
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set when someone else chose the password; cleared when the user changes it."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("surveyor profile")
        verbose_name_plural = _("surveyor profiles")
        # accounts.pii: district supervisors and city staff see masked national IDs unless given this.
        permissions = [("view_national_id", _("Can see national ID numbers in full"))]

    def __str__(self) -> str:
        return str(self.user)


class FirstPassword(models.Model):
    """A generated password waiting to be printed on a login card, encrypted, for a short time.

    Only the officer who issued it may read it; it is deleted when the user changes
    their password, when the officer says the cards are printed, or when it expires.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="first_password"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    secret = models.TextField()  # Fernet token, key derived from SECRET_KEY
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("first password")
        verbose_name_plural = _("first passwords")

    def __str__(self) -> str:
        return f"{self.user} · {self.expires_at:%d/%m/%Y %H:%M}"


class Action(models.TextChoices):
    CREATE = "create", _("Account created")
    UPDATE = "update", _("Account updated")
    ASSIGN = "assign", _("Village assigned")
    UNASSIGN = "unassign", _("Village unassigned")
    DEACTIVATE = "deactivate", _("Account deactivated")
    REACTIVATE = "reactivate", _("Account reactivated")
    PASSWORD_RESET = "password_reset", _("Password reset")
    PASSWORD_CHANGE = "password_change", _("Password changed by the user")
    BULK_IMPORT = "bulk_import", _("Excel import")


class AccountEvent(models.Model):
    """Who changed which account or assignment, when, and what (before/after)."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account_events",
    )
    target_username = models.CharField(_("username"), max_length=150, blank=True, default="")
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "The commune (or the area of an import) the change belongs to; decides who may read it."
        ),
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["area", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} · {self.get_action_display()} · {self.target_username}"

    def change_lines(self) -> list[tuple[str, str, str]]:
        """(field label, before, after) for display, empty values left out."""
        before, after = self.details.get("before") or {}, self.details.get("after") or {}
        return [
            (str(FIELD_LABELS.get(key, key)), _shown(before.get(key, "")), _shown(value))
            for key, value in after.items()
            if value not in ("", None) or before.get(key) not in ("", None)
        ]


FIELD_LABELS = {
    "full_name": _("Full name"),
    "phone": _("Phone"),
    "school": _("School"),
    "active": _("Active"),
}


def _shown(value) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return "" if value is None else str(value)


class ImportStatus(models.TextChoices):
    CHECKED = "checked", _("Checked, waiting for confirmation")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One uploaded sheet: checked (dry run), then applied in the background once confirmed.

    ``rows`` holds the parsed rows only until they are applied (personal data is not
    kept longer than needed); ``report`` keeps each row's outcome and problems.
    """

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    filename = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.CHECKED
    )
    rows = models.JSONField(default=list, blank=True)
    report = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("account import")
        verbose_name_plural = _("account imports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in ImportStatus]),
                name="import_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} · {self.get_status_display()}"
