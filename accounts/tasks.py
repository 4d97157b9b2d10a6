"""Celery tasks of the accounts app: interfaces that call ``accounts.imports``."""

from celery import shared_task

from accounts.imports import import_apply, import_fail


@shared_task(name="accounts.import_apply")
def import_apply_task(job_id: int) -> dict:
    try:
        job = import_apply(job_id=job_id)
    except Exception as error:  # a job must never stay "running" forever
        import_fail(job_id=job_id, message=error.__class__.__name__)
        raise
    return job.summary
