"""Export jobs: create, run (in the worker), beat, fail, reap, expire.

A job row is created ``pending`` and queued (``reports.tasks.run_export``); the
worker sets ``running`` and ``heartbeat_at``, beats while it writes (every
progress step, and at least every ``HEARTBEAT_EVERY`` seconds through a
background thread), writes the file to a temporary name, moves it into place and
ends ``done``; any exception ends it ``failed`` with the reason. A worker that dies
leaves a job ``running`` with an old heartbeat (or ``pending`` for ever):
``reap_stale_jobs`` fails those with a reason. Files older than the retention
are deleted by ``expire_jobs`` and their jobs marked ``expired``.
"""

import datetime as dt
import logging
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.access import user_can_manage, user_roles, user_sees_everything
from areas.models import Area, AreaKind, Role
from audit.services import record
from indicators.rulebook import rules_named
from reports.forms import FORMS
from reports.models import ExportJob, JobKind, JobStatus
from server.errors import NotFound, ValidationFailed
from server.events import area_codes_up, publish_on_commit
from surveys.models import Round

logger = logging.getLogger(__name__)

EXPORT_AREA_KINDS = (AreaKind.COMMUNE, AreaKind.DISTRICT, AreaKind.CITY, AreaKind.PROVINCE)
FORMATS = ("xlsx", "csv")


def export_dir() -> Path:
    return Path(
        getattr(settings, "REPORTS_EXPORT_DIR", "") or Path(settings.MEDIA_ROOT) / "exports"
    )


def retention() -> dt.timedelta:
    return dt.timedelta(days=float(getattr(settings, "REPORTS_RETENTION_DAYS", 7)))


def heartbeat_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(settings, "REPORTS_HEARTBEAT_TIMEOUT", 120)))


def pending_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(settings, "REPORTS_PENDING_TIMEOUT", 900)))


HEARTBEAT_EVERY = 10.0  # seconds between background beats while a job runs


# --- who may do what -------------------------------------------------------------------------


def user_may_export(*, user, area: Area) -> bool:
    """Commune officers (their commune), district supervisors, city staff: the managing roles."""
    return user_can_manage(user=user, area=area)


def jobs_visible(*, user):
    """The user's own jobs; city staff (and superusers) also see every job of their scope."""
    jobs = ExportJob.objects.select_related("area", "created_by")
    if user_sees_everything(user=user):
        return jobs
    own = Q(created_by=user)
    if Role.CITY_STAFF in user_roles(user=user):
        from areas.access import scope_q

        return jobs.filter(own | scope_q(user=user, path_field="area__path"))
    return jobs.filter(own)


def job_get(*, user, job_id: int) -> ExportJob:
    job = jobs_visible(user=user).filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    return job


# --- events ---------------------------------------------------------------------------------


def _publish(job: ExportJob) -> None:
    event = {
        "type": "export.progress",
        "job": job.pk,
        "kind": job.kind,
        "area": job.area.code,
        "status": job.status,
        "progress": job.progress,
        "error": job.error,
        "user": job.created_by.get_username() if job.created_by_id else "",
    }
    try:
        publish_on_commit(area_codes_up(job.area), event)
    except Exception:  # noqa: BLE001 - a board that cannot be told must not fail the export
        logger.exception("export.progress not published for job %s", job.pk)


# --- create ---------------------------------------------------------------------------------


def _validate(*, kind: str, area: Area, round_year, params: dict) -> dict:
    errors: dict[str, list[str]] = {}
    if kind not in JobKind.values:
        errors["kind"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(JobKind.values)}]
    if area.kind not in EXPORT_AREA_KINDS:
        errors["area"] = [_("Exports are made for a commune, a district or a city.")]
    if not isinstance(round_year, int) or not Round.objects.filter(year=round_year).exists():
        errors["round"] = [_("No survey round %(year)s.") % {"year": round_year}]
    fmt = params.get("format") or "xlsx"
    if fmt not in FORMATS:
        errors["format"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(FORMATS)}]
    clean = {"format": fmt}
    if kind == JobKind.FORM:
        form = params.get("form")
        if form not in FORMS:
            errors["form"] = [
                _("Unknown form %(code)s; choose one of: %(choices)s.")
                % {"code": form, "choices": ", ".join(FORMS)}
            ]
        elif fmt != "xlsx":
            errors["format"] = [_("Forms are made as xlsx only.")]
        clean["form"] = form
    elif kind == JobKind.FORMS_ZIP:
        clean["format"] = "zip"
    elif kind == JobKind.LIST:
        lists = _lists()
        code = params.get("list")
        if lists is None:
            errors["list"] = [_("Lists are not available on this server.")]
        elif code not in lists:
            errors["list"] = [
                _("Unknown list %(code)s; choose one of: %(choices)s.")
                % {"code": code, "choices": ", ".join(lists)}
            ]
        if area.kind != AreaKind.COMMUNE:
            errors["area"] = [_("Lists are made per commune.")]
        clean["list"] = code
    if errors:
        raise ValidationFailed(errors=errors)
    return clean


def _lists():
    try:
        from reports.lists import LISTS
    except ImportError:
        return None
    return LISTS


def job_create(
    *,
    user,
    kind: str,
    area: Area,
    round_year: int,
    params: dict,
    request=None,
    enqueue: bool = True,
) -> ExportJob:
    """Create a pending job and queue it (after commit). The caller checked the user may export the area."""
    clean = _validate(kind=kind, area=area, round_year=round_year, params=params or {})
    with transaction.atomic():
        job = ExportJob.objects.create(
            created_by=user, area=area, round=round_year, kind=kind, params=clean
        )
        _publish(job)
        record(
            user=user,
            action="export.created",
            area=area,
            target=f"export:{job.pk}",
            details={"kind": kind, "round": round_year, **clean},
            request=request,
        )
        if enqueue:
            transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from reports.tasks import run_export

    try:
        run_export.delay(job_id)
    except Exception as exc:  # noqa: BLE001 - no broker: the job must not stay pending
        logger.exception("export job %s could not be queued", job_id)
        _fail(job_id, _("The job could not be queued: %(error)s") % {"error": exc})


# --- run ------------------------------------------------------------------------------------


def _beat(job_id: int, **fields) -> None:
    ExportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        heartbeat_at=timezone.now(), **fields
    )


def _fail(job_id: int, reason: str, *, only=None) -> int:
    now = timezone.now()
    jobs = ExportJob.objects.filter(pk=job_id, status__in=[JobStatus.PENDING, JobStatus.RUNNING])
    if only is not None:
        jobs = jobs.filter(only)
    updated = jobs.update(
        status=JobStatus.FAILED,
        error=str(reason)[:4000],
        finished_at=now,
        heartbeat_at=now,
    )
    if updated:
        _publish(ExportJob.objects.select_related("area", "created_by").get(pk=job_id))
    return updated


class _Heart:
    """Beats in a thread while the job runs, so a long write step does not look dead."""

    def __init__(self, job_id: int):
        self.job_id, self.stop = job_id, threading.Event()
        self.thread = threading.Thread(
            target=self._run, daemon=True, name=f"export-heartbeat-{job_id}"
        )

    def _run(self) -> None:
        try:
            while not self.stop.wait(HEARTBEAT_EVERY):
                _beat(self.job_id)
        finally:
            close_old_connections()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=5)


def _filename(job: ExportJob) -> str:
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M")
    if job.kind == JobKind.FORM:
        return f"{job.params['form']}_{job.area.code}_{job.round}_{stamp}.xlsx"
    if job.kind == JobKind.FORMS_ZIP:
        return f"bieu-mau_{job.area.code}_{job.round}_{stamp}.zip"
    return f"{job.params.get('list')}_{job.area.code}_{job.round}_{stamp}.{job.params.get('format', 'xlsx')}"


def produce(
    *, kind: str, area: Area, round_year: int, params: dict, path: Path, progress=None
) -> dict:
    """Write the file of a job (or of the command) to ``path``; returns a summary."""
    from reports.workbook import write_form_file, write_forms_zip

    rules = rules_named(params.get("rules"))
    if kind == JobKind.FORM:
        write_form_file(
            form_code=params["form"], area=area, round_year=round_year, rules=rules, path=path
        )
        if progress:
            progress(1, 1)
        return {"forms": [params["form"]]}
    if kind == JobKind.FORMS_ZIP:
        names = write_forms_zip(
            area=area, round_year=round_year, rules=rules, path=path, progress=progress
        )
        return {"forms": list(FORMS), "files": names}
    from reports.lists import export_list

    rows = export_list(
        commune=area,
        round_year=round_year,
        list_code=params["list"],
        fmt=params.get("format", "xlsx"),
        path=path,
        progress=progress,
    )
    return {"rows": rows}


def job_run(*, job_id: int) -> ExportJob | None:
    """Run a pending job (the worker's task). Never leaves it pending or running."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        progress=0,
    )
    if not claimed:
        return None  # done, failed, reaped or taken by another worker
    job = ExportJob.objects.select_related("area", "created_by").get(pk=job_id)
    _publish(job)
    directory = export_dir()
    last = {"progress": 0}

    def progress(done: int, total: int) -> None:
        value = min(99, int(done * 100 / total)) if total else 0
        if value != last["progress"]:
            last["progress"] = value
            _beat(job_id, progress=value)
            job.progress = value
            _publish(job)
        else:
            _beat(job_id)

    try:
        directory.mkdir(parents=True, exist_ok=True)
        filename = _filename(job)
        final = directory / f"{job.pk}-{uuid.uuid4().hex[:8]}-{filename}"
        partial = final.with_name(final.name + ".part")
        with _Heart(job_id):
            produce(
                kind=job.kind,
                area=job.area,
                round_year=job.round,
                params=job.params,
                path=partial,
                progress=progress,
            )
        partial.replace(final)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
        logger.exception("export job %s failed", job_id)
        _fail(job_id, f"{type(exc).__name__}: {exc}")
        return ExportJob.objects.get(pk=job_id)
    end = timezone.now()
    updated = ExportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        status=JobStatus.DONE,
        progress=100,
        file=str(final),
        filename=filename,
        size=final.stat().st_size,
        finished_at=end,
        heartbeat_at=end,
        expires_at=end + retention(),
    )
    if (
        not updated
    ):  # reaped meanwhile (the heartbeat stopped for too long): the file is not offered
        final.unlink(missing_ok=True)
    job = ExportJob.objects.select_related("area", "created_by").get(pk=job_id)
    _publish(job)
    return job


# --- reaper and retention -------------------------------------------------------------------


def reap_stale_jobs(*, now=None) -> int:
    """Fail the jobs whose worker died: running with an old heartbeat, or pending too long.

    Each job is failed by a conditional update (still running with the old heartbeat),
    so a job that beat meanwhile is left alone.
    """
    now = now or timezone.now()
    beat_limit, pending_limit = now - heartbeat_timeout(), now - pending_timeout()
    dead_running = Q(status=JobStatus.RUNNING) & (
        Q(heartbeat_at__lt=beat_limit) | Q(heartbeat_at__isnull=True, started_at__lt=beat_limit)
    )
    dead_pending = Q(status=JobStatus.PENDING, created_at__lt=pending_limit)
    seconds = int(heartbeat_timeout().total_seconds())
    minutes = max(1, int(pending_timeout().total_seconds() // 60))
    reaped = 0
    for job_id in ExportJob.objects.filter(dead_running).values_list("pk", flat=True):
        reason = _(
            "The worker stopped answering (no heartbeat for %(seconds)d s); create the export again."
        ) % {"seconds": seconds}
        reaped += _fail(job_id, reason, only=dead_running)
    for job_id in ExportJob.objects.filter(dead_pending).values_list("pk", flat=True):
        reason = _(
            "No worker took the job within %(minutes)d minutes; create the export again."
        ) % {"minutes": minutes}
        reaped += _fail(job_id, reason, only=dead_pending)
    return reaped


def expire_jobs(*, now=None) -> int:
    """Delete the files past their retention and mark their jobs expired; returns how many."""
    now = now or timezone.now()
    count = 0
    for job in ExportJob.objects.filter(status=JobStatus.DONE, expires_at__lt=now):
        if job.file:
            Path(job.file).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk, status=JobStatus.DONE).update(
            status=JobStatus.EXPIRED, file=""
        )
        count += 1
    return count


def job_download(*, user, job: ExportJob, request=None) -> Path:
    """The file of a done job in the user's scope (records ``export.download``), else NotFound."""
    if job.status != JobStatus.DONE or not job.file or not Path(job.file).exists():
        raise NotFound(
            _("This export has no file (status: %(status)s).")
            % {"status": job.get_status_display()}
        )
    record(
        user=user,
        action="export.download",
        area=job.area,
        target=f"export:{job.pk}",
        details={"kind": job.kind, "filename": job.filename, **job.params},
        request=request,
    )
    return Path(job.file)
