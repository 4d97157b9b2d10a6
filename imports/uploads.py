"""Uploads kept between the dry run and the import (no model: a file and a JSON note under MEDIA_ROOT).

An upload is saved as ``MEDIA_ROOT/imports/<token>.xlsx`` with ``<token>.json`` (who, which
commune and round, the original file name, its sha256) and, after a dry run, the errors
workbook ``<token>-errors.xlsx``. The token is random (not guessable from the file); only
the user who uploaded it (or a superuser) can use it. Old uploads are removed by
``uploads_expire`` (called on each new upload).
"""

import json
import re
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from areas.access import area_for_user, user_can_manage
from areas.models import Area, AreaKind
from imports.survey import Result, file_digest, import_file, write_errors_workbook
from server.errors import NotFound, ValidationFailed
from surveys.models import Round

KEEP_SECONDS = 2 * 24 * 3600
MAX_BYTES = 50 * 1024 * 1024
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def upload_dir() -> Path:
    return Path(
        getattr(settings, "REPORTS_IMPORT_DIR", "") or Path(settings.MEDIA_ROOT) / "imports"
    )


def commune_for_import(*, user, code: str) -> Area:
    """The commune with this code if the user may import into it (commune officers and above), else NotFound."""
    area = area_for_user(user=user, code=code) if code else None
    if area is None or area.kind != AreaKind.COMMUNE or not user_can_manage(user=user, area=area):
        raise NotFound(_("No commune %(code)r you may import into.") % {"code": code})
    return area


def round_checked(round_year) -> int:
    if not Round.objects.filter(year=round_year).exists():
        raise ValidationFailed(
            errors={"round": [_("No survey round %(year)s.") % {"year": round_year}]}
        )
    return round_year


def uploads_expire(*, now: float | None = None) -> int:
    now = now or time.time()
    removed = 0
    directory = upload_dir()
    if not directory.exists():
        return 0
    for path in directory.iterdir():
        if path.is_file() and now - path.stat().st_mtime > KEEP_SECONDS:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def upload_save(*, user, uploaded, commune: Area, round_year: int) -> str:
    """Keep an uploaded file (a Django UploadedFile); returns its token."""
    if uploaded.size and uploaded.size > MAX_BYTES:
        raise ValidationFailed(
            errors={"file": [_("The file is larger than %(n)d MB.") % {"n": MAX_BYTES // 2**20}]}
        )
    uploads_expire()
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex
    path = directory / f"{token}.xlsx"
    with path.open("wb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    meta = {"user": user.pk, "commune": commune.code, "round": round_year,
            "filename": Path(uploaded.name or "upload.xlsx").name[:200], "sha256": file_digest(path)}  # fmt: skip
    (directory / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def upload_get(*, user, token: str) -> tuple[Path, dict]:
    """The stored file and its note, if the token is the user's; else NotFound."""
    if not _TOKEN.match(token or ""):
        raise NotFound()
    directory = upload_dir()
    path, note = directory / f"{token}.xlsx", directory / f"{token}.json"
    if not path.exists() or not note.exists():
        raise NotFound(_("This upload is no longer kept; upload the file again."))
    meta = json.loads(note.read_text(encoding="utf-8"))
    if meta.get("user") != user.pk and not user.is_superuser:
        raise NotFound()
    return path, meta


def errors_path(token: str) -> Path:
    return upload_dir() / f"{token}-errors.xlsx"


def run(
    *,
    user,
    token: str,
    commune: Area,
    round_year: int,
    dry_run: bool,
    reason: str = "",
    request=None,
) -> dict:
    """Dry run or import a kept upload; the summary, with the upload token and the errors workbook."""
    path, meta = upload_get(user=user, token=token)
    if meta["commune"] != commune.code or meta["round"] != round_year:
        raise ValidationFailed(
            errors={
                "upload": [
                    _("This upload was checked for another commune or round; upload it again.")
                ]
            }
        )
    result: Result = import_file(path, commune=commune, round_year=round_year, dry_run=dry_run, user=user,
                                 filename=meta["filename"], reason=reason, request=request)  # fmt: skip
    summary = result.summary()
    summary.update(
        upload=token,
        filename=meta["filename"],
        commune=commune.code,
        round=round_year,
        errors_file=False,
    )
    if result.errors:
        write_errors_workbook(result, errors_path(token))
        summary["errors_file"] = True
    return summary
