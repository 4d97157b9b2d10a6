"""Export jobs: one row per requested file (a form, all forms zipped, or a list).

A job is created ``pending``, picked up by the worker (``reports.tasks.run_export``)
which sets ``running`` and beats ``heartbeat_at`` while it writes, then ends
``done`` (with ``file``) or ``failed`` (with ``error``). ``reports.services.reap_stale_jobs``
fails jobs whose worker died, so nothing stays pending or running for ever.
Files are kept until ``expires_at``; then the cleanup deletes them and marks the job
``expired``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    FORM = "form", _("Form")
    FORMS_ZIP = "forms_zip", _("All forms (zip)")
    LIST = "list", _("List")


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired (file deleted)")


class ExportJob(models.Model):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveSmallIntegerField(_("round (school year start)"))
    kind = models.CharField(_("kind"), max_length=16, choices=JobKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.CharField(_("file"), max_length=500, blank=True, default="")
    filename = models.CharField(_("file name"), max_length=255, blank=True, default="")
    size = models.BigIntegerField(_("size (bytes)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="exportjob_status_hb"),
            models.Index(fields=["created_by", "-created_at"], name="exportjob_user_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in JobKind]), name="exportjob_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="exportjob_progress_le_100"
            ),
        ]

    def __str__(self) -> str:
        return f"export #{self.pk} {self.kind} {self.status}"
