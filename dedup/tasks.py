"""Celery tasks of the dedup app: interfaces that call ``dedup.detect``."""

from celery import shared_task

from dedup.detect import residents_check
from surveys.selectors import round_current


@shared_task(name="dedup.check_residents")
def check_residents(resident_ids: list[str]) -> dict:
    return residents_check(resident_ids=resident_ids, round_year=round_current())
