"""The worker's side of export jobs (Celery; eager in tests and without REDIS_URL)."""

from celery import shared_task

from reports import services


@shared_task(name="reports.run_export")
def run_export(job_id: int) -> str | None:
    job = services.job_run(job_id=job_id)
    return job.status if job is not None else None


@shared_task(name="reports.housekeeping")
def housekeeping() -> dict:
    """Fail dead jobs and delete expired files (run it periodically, e.g. every few minutes)."""
    return {"reaped": services.reap_stale_jobs(), "expired": services.expire_jobs()}
