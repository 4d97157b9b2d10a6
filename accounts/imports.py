"""Surveyors and their villages from an Excel sheet: template, reading, dry run, apply.

Columns: ``username, full_name, phone, school, commune, villages, active``. A row
describes one surveyor as they should be: ``villages`` is the full list of their
villages in that commune (codes, comma-separated), so importing the same sheet
twice changes nothing the second time. Rows outside the importer's areas are
errors, never silently dropped. See docs/accounts.md.
"""

import io
import re
import zipfile
from dataclasses import asdict, dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from accounts.models import Action, ImportJob, ImportStatus
from accounts.selectors import communes_below, user_full_name
from accounts.services import (
    account_set_active,
    clean_phone,
    event_record,
    profile_errors,
    surveyor_create,
    surveyor_update,
    surveyor_villages_assign,
    username_error,
)
from areas.models import Area, AreaKind, Membership, Role
from server.errors import DomainError, ValidationFailed
from surveys.text import clean_name

User = get_user_model()
COLUMNS = ["username", "full_name", "phone", "school", "commune", "villages", "active"]
ALIASES = {  # headers people write in Vietnamese
    "tên đăng nhập": "username", "họ và tên": "full_name", "họ tên": "full_name", "điện thoại": "phone",
    "số điện thoại": "phone", "trường": "school", "xã": "commune", "mã xã": "commune", "thôn": "villages",
    "thôn/tổ": "villages", "hoạt động": "active",
}  # fmt: skip
MAX_ROWS = 20_000
TRUE = {"", "1", "x", "yes", "y", "true", "có", "co", "c"}
FALSE = {"0", "no", "n", "false", "không", "khong", "k"}


# --- the template ----------------------------------------------------------------


def template_workbook(*, area: Area) -> bytes:
    """An empty sheet with the headers, the instructions and the villages of the area."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Surveyors")
    sheet.append(COLUMNS)
    for column, width in zip("ABCDEFG", (20, 28, 14, 28, 10, 30, 8), strict=True):
        sheet.column_dimensions[column].width = width
        for cell in sheet[column][:2000]:
            cell.number_format = "@"  # text: phones keep their leading 0
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet(_("Instructions"))
    for line in _instructions(area=area):
        help_sheet.append(line)
    help_sheet.column_dimensions["A"].width = 14
    help_sheet.column_dimensions["B"].width = 100
    villages = book.create_sheet(_("Villages").replace("/", "-"))
    villages.append([_("Commune code"), _("Commune"), _("Village code"), _("Village")])
    rows = Area.objects.filter(
        kind=AreaKind.VILLAGE, parent__in=communes_below(area=area)
    ).select_related("parent")
    for village in rows.order_by("parent__code", "code"):
        villages.append([village.parent.code, village.parent.name, village.code, village.name])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _instructions(*, area: Area) -> list[list[str]]:
    commune_help = (
        _("Leave empty: every row belongs to %(name)s.") % {"name": area.name}
        if area.kind == AreaKind.COMMUNE
        else _("Code of the surveyor's commune (see the Villages sheet).")
    )
    return [
        [_("Column"), _("What to write")],
        ["username", _("Required. The sign-in name: lower-case letters without diacritics, digits, dot, dash or underscore. An existing username updates that account.")],
        ["full_name", _("Required for a new account, e.g. Nguyễn Thị Hoa.")],
        ["phone", _("Optional, e.g. 0912345678.")],
        ["school", _("Optional, the teacher's school.")],
        ["commune", commune_help],
        ["villages", _("Codes of the surveyor's villages in that commune, separated by commas. The list replaces the surveyor's villages there; empty removes them all.")],
        ["active", _("Empty or 1: active; 0: deactivated (cannot sign in).")],
        ["", _("New accounts get a generated first password, printed on the login cards; they must change it at first sign-in.")],
    ]  # fmt: skip


# --- reading -----------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


MAX_UNPACKED_BYTES = (
    200 * 1024 * 1024
)  # a .xlsx is a zip: refuse one that unpacks to more (a zip bomb)


def _xlsx_check(data: bytes) -> None:
    """A real .xlsx: a zip with the Office content-types part, not unpacking to more than the cap."""
    not_excel = ValidationFailed(errors={"file": [_("This is not an Excel .xlsx file.")]})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_excel from None
    if "[Content_Types].xml" not in {e.filename for e in entries}:
        raise not_excel
    if sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
        raise ValidationFailed(
            errors={"file": [_("The file unpacks to more than 200 MB: it is not a plain sheet.")]}
        )


def sheet_read(*, data: bytes) -> list[dict]:
    """The rows of the first sheet as dicts keyed by column, with their Excel row number."""
    _xlsx_check(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError):
        raise ValidationFailed(errors={"file": [_("This is not an Excel .xlsx file.")]}) from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [_text(h).lower() for h in next(rows, ())]
        keys = [ALIASES.get(h, h) for h in header]
        missing = [c for c in ("username", "villages") if c not in keys]
        if missing:
            raise ValidationFailed(
                errors={
                    "file": [
                        _("Missing columns: %(columns)s. Use the template.")
                        % {"columns": ", ".join(missing)}
                    ]
                }
            )
        found = []
        for number, values in enumerate(rows, start=2):
            row = {k: _text(v) for k, v in zip(keys, values, strict=False) if k in COLUMNS}
            if not any(row.values()):
                continue
            if len(found) >= MAX_ROWS:
                raise ValidationFailed(
                    errors={"file": [_("At most %(n)d rows per file.") % {"n": MAX_ROWS}]}
                )
            found.append({"row": number, **{c: row.get(c, "") for c in COLUMNS}})
        return found
    finally:
        book.close()


# --- checking (the dry run) ------------------------------------------------------------


@dataclass
class RowResult:
    row: int
    username: str
    action: str = "unchanged"  # create, update, unchanged, error
    problems: list[dict] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    def problem(self, column: str, message: str) -> None:
        self.problems.append({"field": column, "message": message})
        self.action = "error"


@dataclass
class Context:
    """Everything the rows are checked against, loaded in a few queries."""

    area: Area
    communes: dict[str, Area]
    villages: dict[tuple[int, str], Area]
    users: dict[str, object]
    assigned: dict[int, set[int]]  # user id → their surveyor village ids
    teams: dict[int, set[int]]  # user id → communes whose team they are on
    managers: set[int]  # users with other roles than surveyor
    village_communes: dict[int, int] = field(default_factory=dict)  # village id → commune id


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _context(*, area: Area, usernames: list[str]) -> Context:
    communes = {c.code: c for c in communes_below(area=area)}
    villages = {
        (v.parent_id, v.code): v
        for v in Area.objects.filter(kind=AreaKind.VILLAGE, parent__in=communes.values())
    }
    users = {}
    for chunk in _chunks(sorted(set(usernames))):
        users.update(
            {
                u.username: u
                for u in User.objects.filter(username__in=chunk).select_related("account_profile")
            }
        )
    assigned, teams, managers = {}, {}, set()
    for chunk in _chunks([u.pk for u in users.values()]):
        for user_id, role, area_id, parent_id in Membership.objects.filter(
            user_id__in=chunk
        ).values_list("user_id", "role", "area_id", "area__parent_id"):
            if role == Role.SURVEYOR:
                assigned.setdefault(user_id, set()).add(area_id)
                teams.setdefault(user_id, set()).add(parent_id)
            else:
                managers.add(user_id)
    for user in users.values():
        profile = getattr(user, "account_profile", None)
        if profile is not None and profile.commune_id:
            teams.setdefault(user.pk, set()).add(profile.commune_id)
        if user.is_staff or user.is_superuser:
            managers.add(user.pk)
    return Context(
        area=area,
        communes=communes,
        villages=villages,
        users=users,
        assigned=assigned,
        teams=teams,
        managers=managers,
        village_communes={v.pk: v.parent_id for v in villages.values()},
    )


def _commune_of(row: dict, result: RowResult, ctx: Context) -> Area | None:
    code = row["commune"]
    if not code:
        if ctx.area.kind == AreaKind.COMMUNE:
            return ctx.area
        result.problem("commune", _("The commune code is required."))
        return None
    commune = ctx.communes.get(code)
    if commune is None:
        result.problem("commune", _("No commune with code %(code)s in your area.") % {"code": code})
    return commune


def _villages_of(row: dict, commune: Area, result: RowResult, ctx: Context) -> list[Area]:
    villages = []
    for code in [c.strip() for c in re.split(r"[,;\n]", row["villages"]) if c.strip()]:
        village = ctx.villages.get((commune.pk, code))
        if village is None:
            result.problem(
                "villages",
                _("No village with code %(code)s in %(commune)s.")
                % {"code": code, "commune": commune.name},
            )
        elif village not in villages:
            villages.append(village)
    return villages


def _active_of(row: dict, result: RowResult) -> bool:
    value = row["active"].strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    result.problem("active", _("Write 1 (active) or 0 (deactivated)."))
    return True


def _existing_problem(user, commune: Area, ctx: Context) -> str | None:
    teams = ctx.teams.get(user.pk, set())
    if user.pk in ctx.managers or not teams & {c.pk for c in ctx.communes.values()}:
        return _("This username is already used; choose another.")
    if commune.pk not in teams:
        return _("This account is on the team of another commune; change it there.")
    return None


def _diff(
    user, row: dict, villages: list[Area], active: bool, ctx: Context, commune: Area
) -> list[str]:
    profile = getattr(user, "account_profile", None)
    changes = []
    if row["full_name"] and clean_name(row["full_name"]) != user_full_name(user):
        changes.append("full_name")
    if row["phone"] and clean_phone(row["phone"]) != (profile.phone if profile else ""):
        changes.append("phone")
    if row["school"] and " ".join(row["school"].split()) != (profile.school if profile else ""):
        changes.append("school")
    current = {
        pk for pk in ctx.assigned.get(user.pk, set()) if ctx.village_communes.get(pk) == commune.pk
    }
    if current != {v.pk for v in villages}:
        changes.append("villages")
    if user.is_active != active:
        changes.append("active")
    return changes


def row_check(row: dict, ctx: Context, seen: set[str]) -> tuple[RowResult, dict | None]:
    """One row's outcome, and what to apply (None for an error)."""
    username = row["username"].strip().lower()
    result = RowResult(row=row["row"], username=username)
    if not username:
        result.problem("username", _("The username is required."))
    elif username in seen:
        result.problem("username", _("This username appears twice in the file."))
    elif username_error(username):
        result.problem("username", username_error(username))
    seen.add(username)
    commune = _commune_of(row, result, ctx)
    villages = _villages_of(row, commune, result, ctx) if commune else []
    active = _active_of(row, result)
    user = ctx.users.get(username)
    name = row["full_name"] or (user_full_name(user) if user else "")
    for column, messages in profile_errors(
        full_name=name, phone=row["phone"], school=row["school"]
    ).items():
        result.problem(column, messages[0])
    if user is not None and commune is not None:
        problem = _existing_problem(user, commune, ctx)
        if problem:
            result.problem("username", problem)
    if result.action == "error":
        return result, None
    if user is None:
        result.action, result.changes = "create", ["account", *(["villages"] if villages else [])]
    else:
        result.changes = _diff(user, row, villages, active, ctx, commune)
        result.action = "update" if result.changes else "unchanged"
    plan = {
        "username": username,
        "commune": commune.pk,
        "villages": [v.pk for v in villages],
        "active": active,
        "full_name": name,
        "phone": row["phone"],
        "school": row["school"],
    }
    return result, plan


def rows_check(*, area: Area, rows: list[dict]) -> list[tuple[RowResult, dict | None]]:
    ctx = _context(area=area, usernames=[r["username"].strip().lower() for r in rows])
    seen: set[str] = set()
    return [row_check(row, ctx, seen) for row in rows]


def report_summary(results: list[RowResult]) -> dict:
    counts = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
    for result in results:
        counts[result.action] += 1
    return counts


# --- the job ---------------------------------------------------------------------------


def import_check(*, actor, area: Area, filename: str, data: bytes) -> ImportJob:
    """Read and check an uploaded sheet (nothing is changed): the dry run, kept as a job to confirm."""
    rows = sheet_read(data=data)
    if not rows:
        raise ValidationFailed(errors={"file": [_("The sheet has no rows.")]})
    results = [result for result, _plan in rows_check(area=area, rows=rows)]
    return ImportJob.objects.create(
        area=area,
        created_by=actor,
        filename=filename[:255],
        rows=rows,
        report=[asdict(r) for r in results],
        summary=report_summary(results),
    )


def import_confirm(*, actor, job: ImportJob) -> ImportJob:
    """Queue the checked sheet to be applied (in the background: new passwords take time to hash)."""
    from accounts.tasks import import_apply_task

    if job.created_by_id != actor.pk or job.status != ImportStatus.CHECKED:
        raise DomainError(_("This import was already confirmed."))
    job.status = ImportStatus.QUEUED
    job.save(update_fields=["status"])
    transaction.on_commit(lambda: import_apply_task.delay(job.pk))
    return job


def _apply_row(*, actor, area: Area, plan: dict, result: RowResult, source: str) -> None:
    commune = Area.objects.get(pk=plan["commune"])
    villages = list(Area.objects.filter(pk__in=plan["villages"]))
    user = User.objects.filter(username=plan["username"]).first()
    if user is None:
        surveyor_create(
            actor=actor,
            commune=commune,
            username=plan["username"],
            full_name=plan["full_name"],
            phone=plan["phone"],
            school=plan["school"],
            villages=villages,
            active=plan["active"],
            source=source,
        )
        return
    profile = getattr(user, "account_profile", None)
    surveyor_update(
        actor=actor,
        commune=commune,
        user=user,
        full_name=plan["full_name"],
        phone=plan["phone"] or (profile.phone if profile else ""),
        school=plan["school"] or (profile.school if profile else ""),
        source=source,
    )
    surveyor_villages_assign(
        actor=actor, commune=commune, user=user, villages=villages, source=source
    )
    account_set_active(
        actor=actor, commune=commune, user=user, active=plan["active"], source=source
    )


def import_apply(*, job_id: int) -> ImportJob:
    """Apply a confirmed sheet row by row (each row on its own), then forget the rows."""
    job = ImportJob.objects.select_related("area", "created_by").get(pk=job_id)
    if job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return job
    job.status = ImportStatus.RUNNING
    job.save(update_fields=["status"])
    source = f"import:{job.pk}"
    checked = rows_check(area=job.area, rows=job.rows)
    for index, (result, plan) in enumerate(checked, start=1):
        if plan is not None and result.action != "unchanged":
            try:
                with transaction.atomic():
                    _apply_row(
                        actor=job.created_by, area=job.area, plan=plan, result=result, source=source
                    )
            except DomainError as error:
                result.problem(
                    "username",
                    error.message
                    if not error.errors
                    else "; ".join(
                        f"{k}: {' '.join(map(str, v))}" for k, v in error.errors.items()
                    ),
                )
        if index % 50 == 0:
            ImportJob.objects.filter(pk=job.pk).update(summary={**job.summary, "progress": index})
    results = [result for result, _plan in checked]
    job.report, job.summary, job.rows = [asdict(r) for r in results], report_summary(results), []
    job.status, job.finished_at = ImportStatus.DONE, timezone.now()
    job.save(update_fields=["report", "summary", "rows", "status", "finished_at"])
    event_record(
        actor=job.created_by,
        action=Action.BULK_IMPORT,
        area=job.area,
        details={"job": job.pk, "file": job.filename, **job.summary},
    )
    return job


def import_fail(*, job_id: int, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportStatus.FAILED, error=message, finished_at=timezone.now(), rows=[]
    )
