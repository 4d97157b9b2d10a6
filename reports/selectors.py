"""Reads of export jobs for the API and the page."""

from django.urls import reverse

from reports import services
from reports.models import ExportJob, JobStatus


def job_output(job: ExportJob) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "area": job.area.code,
        "area_name": job.area.name,
        "round": job.round,
        "params": job.params,
        "status": job.status,
        "status_display": str(job.get_status_display()),
        "progress": job.progress,
        "filename": job.filename,
        "size": job.size,
        "error": job.error,
        "created_by": job.created_by.get_username() if job.created_by_id else "",
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "expires_at": job.expires_at,
        "download_url": reverse("api-reports-download", args=[job.pk])
        if job.status == JobStatus.DONE
        else None,
    }


def job_list(*, user, limit: int = 100) -> list[ExportJob]:
    services.reap_stale_jobs()  # listing is also a chance to fail dead jobs
    return list(services.jobs_visible(user=user)[:limit])
