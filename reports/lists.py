"""Person lists (danh sách) of one commune: the people behind each gap, and the dossier lists.

A list is a queryset of the counted population (``indicators.cells.population``) with
the same PPC and ``CONDITIONS`` the indicators count with, so a gap list is exactly
the indicator's drill-down (denominator − numerator) and a dossier list its numerator.

Writing is streamed in constant memory: the rows come from the database already in the
Vietnamese order (``Resident.sort_key``, the digits of ``surveys.text.vi_sort_key_text``,
then birth year and id, as the drill-down sorts) through a server-side cursor, as
compact tuples (``values_list``, no model objects), and go straight to the file:
xlsxwriter in ``constant_memory`` mode (each row is flushed when the next begins) or
CSV (UTF-8 with a BOM so Excel reads the Vietnamese letters). A list longer than a
sheet continues on the next sheet (``rows_per_sheet``; Excel allows 1,048,576 rows).
See docs/reports-lists.md.
"""

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db.models import F, FilteredRelation, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.pii import mask_national_id, may_see_national_id
from areas.models import Area
from indicators.cells import CONDITIONS, MAX_AGE, population, ppc
from indicators.rulebook import rules_named
from indicators.rules import Rules
from reports.data import EXTRA_AGES, EXTRA_CONDITIONS
from surveys.models import Disability, Level, Relation, Resident, Sex, Status
from surveys.rules import ethnic_groups

EXCEL_MAX_ROWS = 1_048_576
TITLE_ROWS = 4  # unit, school year, list title, count; then the header row
CHUNK = 2000  # rows fetched per round trip of the server-side cursor


@dataclass(frozen=True)
class ListSpec:
    """One list: ``indicator`` (a gap list or, with ``numerator``, a dossier list of that
    indicator), or ``ages`` with a ``condition`` (a Q on the population)."""

    code: str
    title: object  # lazy text
    kind: str  # "gap" | "dossier" | "all"
    indicator: str | None = None
    numerator: bool = False
    ages: tuple[int, int] | None = None
    condition: Q | None = None
    year_field: str | None = None  # a dossier list shows the year of the milestone
    counted_only: bool = True  # the counted population (present or moved in) with the PPC


GAP_TITLES = {
    "mn5_attending": gettext_lazy("Five-year-old children not attending preschool"),
    "mn5_completed": gettext_lazy("Six-year-old children who have not completed preschool"),
    "th_grade1_at6": gettext_lazy("Six-year-old children not in grade 1"),
    "th_completed_at11": gettext_lazy(
        "Eleven-year-old children who have not completed primary school"
    ),
    "th_11_rest_in_primary": gettext_lazy(
        "Eleven-year-old children neither completed nor in primary school"
    ),
    "th_completed_11_14": gettext_lazy("Children aged 11–14 who have not completed primary school"),
    "thcs_graduated_15_18": gettext_lazy(
        "Young people aged 15–18 without the lower-secondary diploma"
    ),
    "thcs_upper_track_15_18": gettext_lazy(
        "Young people aged 15–18 not in upper secondary or vocational training"
    ),
    "lit1_15_25": gettext_lazy("People aged 15–25 not literate (level 1)"),
    "lit1_15_35": gettext_lazy("People aged 15–35 not literate (level 1)"),
    "lit2_15_35": gettext_lazy("People aged 15–35 not literate (level 2)"),
    "lit2_15_60": gettext_lazy("Illiterate people aged 15–60 (not literate at level 2)"),
}


def _specs() -> dict[str, ListSpec]:
    specs = {
        f"gap_{key}": ListSpec(code=f"gap_{key}", title=title, kind="gap", indicator=key)
        for key, title in GAP_TITLES.items()
    }
    specs["dropped_out"] = ListSpec(
        code="dropped_out",
        title=gettext_lazy("Children aged 6–18 who dropped out of school"),
        kind="gap",
        ages=EXTRA_AGES,
        condition=EXTRA_CONDITIONS["dropped_out"],
    )
    specs["completed_preschool"] = ListSpec(
        code="completed_preschool",
        title=gettext_lazy("Six-year-old children who completed preschool"),
        kind="dossier",
        indicator="mn5_completed",
        numerator=True,
        year_field="preschool_completed_year",
    )
    specs["completed_primary"] = ListSpec(
        code="completed_primary",
        title=gettext_lazy("Children aged 11–14 who completed primary school"),
        kind="dossier",
        indicator="th_completed_11_14",
        numerator=True,
        year_field="primary_completed_year",
    )
    specs["graduated_lower_secondary"] = ListSpec(
        code="graduated_lower_secondary",
        title=gettext_lazy("Young people aged 15–18 with the lower-secondary diploma"),
        kind="dossier",
        indicator="thcs_graduated_15_18",
        numerator=True,
        year_field="lower_secondary_graduated_year",
    )
    specs["literate"] = ListSpec(
        code="literate",
        title=gettext_lazy("People aged 15–60 recognised literate by the literacy programme"),
        kind="dossier",
        ages=(15, MAX_AGE),
        condition=Q(literacy_stage__gte=1),
    )
    specs["all_people"] = ListSpec(
        code="all_people",
        title=gettext_lazy("Everybody registered in the commune"),
        kind="all",
        ages=(0, 200),
        counted_only=False,
    )
    return specs


LISTS: dict[str, ListSpec] = _specs()

VALUE_FIELDS = (
    "id", "full_name", "birth_day", "birth_month", "birth_year", "sex", "ethnicity", "relation",
    "household__village__name", "household__number", "household__address", "guardian_name",
    "round_level", "round_enrollment__grade", "round_enrollment__school", "disability", "status",
    "national_id", "highest_grade_completed", "dropped_out_grade", "dropped_out_year",
)  # fmt: skip


class UnknownList(ValueError):
    pass


def list_queryset(
    *, commune: Area, round_year: int, list_code: str, rules: Rules | None = None
) -> QuerySet[Resident]:
    """The people of the list in the commune, in the Vietnamese name order (then birth year, id)."""
    spec = LISTS.get(list_code)
    if spec is None:
        raise UnknownList(list_code)
    rules = rules or rules_named(None)
    if spec.indicator:
        indicator = rules.indicators[spec.indicator]
        people = population(round_year=round_year, ages=indicator.ages).filter(
            ppc(excludes=rules.ppc_excludes)
        )
        if indicator.gap:  # a flag: the people who break it
            people = people.filter(CONDITIONS[indicator.gap])
        elif spec.numerator:
            people = people.filter(CONDITIONS[indicator.count])
        else:
            people = people.filter(~CONDITIONS[indicator.count])
    else:
        if spec.counted_only:
            people = population(round_year=round_year, ages=spec.ages).filter(
                ppc(excludes=rules.ppc_excludes)
            )
        else:  # every live member, whatever the status or disability
            people = Resident.objects.filter(
                deleted_at__isnull=True, household__deleted_at__isnull=True
            ).annotate(
                round_enrollment=FilteredRelation(
                    "enrollments", condition=Q(enrollments__round_id=round_year)
                ),
                round_level=Coalesce(F("round_enrollment__level"), Value(Level.NONE)),
            )
        if spec.condition is not None:
            people = people.filter(spec.condition)
    # the household filter lets PostgreSQL use the commune's live households (as the indicators do)
    people = people.filter(commune=commune, household__commune=commune)
    return people.order_by("sort_key", "birth_year", "id")


def birth_date_text(day: int | None, month: int | None, year: int) -> str:
    """dd/mm/yyyy; a partial date as mm/yyyy or yyyy."""
    if day and month:
        return f"{day:02d}/{month:02d}/{year}"
    if month:
        return f"{month:02d}/{year}"
    return str(year)


def _class_text(level: str, grade: int | None) -> str:
    if level == Level.NONE:
        return ""
    if level == Level.PRESCHOOL:
        return _("Preschool, %(n)s-year-olds") % {"n": grade or ""}
    if grade:
        return _("Grade %(n)d") % {"n": grade}
    return str(Level(level).label)


def columns(spec: ListSpec) -> list[str]:
    headers = [
        _("No."), _("Full name"), _("Date of birth"), _("Age"), _("Sex"), _("Ethnic group"),
        _("Village"), _("Household no."), _("Address"), _("Relation to the head"), _("Parent or guardian"),
        _("School"), _("Grade"), _("Highest grade completed"), _("Dropped out (grade/year)"),
        _("Disability"), _("Residence status"), _("National ID"),
    ]  # fmt: skip
    if spec.year_field:
        headers.append(_("Year completed"))
    return headers


def _rows(queryset: QuerySet, *, spec: ListSpec, round_year: int, show_id: bool) -> Iterator[list]:
    ethnic = ethnic_groups()
    sexes = {k: str(v) for k, v in Sex.choices}
    relations = {k: str(v) for k, v in Relation.choices}
    disabilities = {k: ("" if k == Disability.NONE else str(v)) for k, v in Disability.choices}
    statuses = {k: str(v) for k, v in Status.choices}
    fields = list(VALUE_FIELDS) + ([spec.year_field] if spec.year_field else [])
    for number, r in enumerate(queryset.values_list(*fields).iterator(chunk_size=CHUNK), start=1):
        (_pk, name, day, month, year, sex, ethnicity, relation, village, household, address, guardian,
         level, grade, school, disability, status, national_id, highest, d_grade, d_year) = r[:21]  # fmt: skip
        row = [
            number, name, birth_date_text(day, month, year), round_year - year, sexes.get(sex, sex),
            ethnic.get(ethnicity, ethnicity), village, household, address, relations.get(relation, relation),
            guardian, school or "", _class_text(level, grade), highest or "",
            f"{d_grade or ''}/{d_year or ''}" if (d_grade or d_year) else "",
            disabilities.get(disability, disability), statuses.get(status, status),
            national_id if show_id else mask_national_id(national_id),
        ]  # fmt: skip
        if spec.year_field:
            row.append(r[21] or "")
        yield row


def _titles(*, commune: Area, round_year: int, spec: ListSpec, total: int) -> list[str]:
    parent = f" – {commune.parent.name}" if commune.parent_id else ""
    return [
        _("Unit: %(name)s") % {"name": f"{commune.name}{parent}"},
        _("School year %(a)d–%(b)d") % {"a": round_year, "b": round_year + 1},
        str(spec.title).upper(),
        _("Total: %(n)d people") % {"n": total},
    ]


def _write_csv(path: Path, headers: list[str], rows: Iterator[list], progress, total: int) -> int:
    written = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(row)
            written += 1
            if progress and written % CHUNK == 0:
                progress(written, total)
    return written


def _write_xlsx(
    path: Path,
    titles: list[str],
    headers: list[str],
    rows: Iterator[list],
    progress,
    total: int,
    rows_per_sheet: int,
) -> int:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "in_memory": False})
    base = {"font_name": "Times New Roman", "font_size": 11}
    title_fmt = book.add_format({**base, "bold": True, "font_size": 13, "align": "center"})
    plain_title = book.add_format({**base, "italic": True})
    head_fmt = book.add_format({**base, "bold": True, "border": 1, "text_wrap": True, "align": "center", "valign": "vcenter", "bg_color": "#EEEEEE"})  # fmt: skip
    cell_fmt = book.add_format({**base, "border": 1})
    widths = [5, 26, 11, 5, 6, 10, 18, 10, 24, 12, 24, 22, 10, 8, 10, 12, 12, 14, 10]
    last_col = len(headers) - 1
    written, sheet, sheet_rows = 0, None, 0
    capacity = rows_per_sheet

    def new_sheet(index: int):
        name = _("List") if index == 1 else f"{_('List')} ({index})"
        ws = book.add_worksheet(name[:31])
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(TITLE_ROWS, TITLE_ROWS)
        for col, width in enumerate(widths[: last_col + 1]):
            ws.set_column(col, col, width)
        for row, text in enumerate(titles):
            if row == 2:
                ws.merge_range(row, 0, row, last_col, text, title_fmt)
            else:
                ws.write_string(row, 0, text, plain_title)
        for col, text in enumerate(headers):
            ws.write_string(TITLE_ROWS, col, text, head_fmt)
        ws.freeze_panes(TITLE_ROWS + 1, 2)
        return ws

    sheet_index = 0
    for row in rows:
        if sheet is None or sheet_rows >= capacity:
            sheet_index += 1
            sheet, sheet_rows = new_sheet(sheet_index), 0
        line = TITLE_ROWS + 1 + sheet_rows
        for col, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(line, col, value, cell_fmt)
            elif value:  # empty cells are not written: a third fewer cells (bench/reports_lists.py)
                sheet.write_string(line, col, value, cell_fmt)
        sheet_rows += 1
        written += 1
        if progress and written % CHUNK == 0:
            progress(written, total)
    if sheet is None:
        new_sheet(1)
    book.close()
    return written


def export_list(
    *,
    commune: Area,
    round_year: int,
    list_code: str,
    fmt: str,
    path: Path,
    progress: Callable[[int, int], None] | None = None,
    user=None,
    rules: Rules | None = None,
    rows_per_sheet: int | None = None,
    language: str = "vi",
    request=None,
    limit: int | None = None,
) -> int:
    """Write the list to ``path`` as "xlsx" or "csv"; returns the rows written.

    ``user``: who reads it (national IDs in full only if ``accounts.pii`` allows; None: masked).
    ``rows_per_sheet``: data rows per sheet (default: as many as Excel allows).
    ``limit``: at most this many rows (the benchmark's growing sizes).
    Records ``person_list.read`` in the audit log.
    """
    from audit.services import record

    if fmt not in ("xlsx", "csv"):
        raise ValueError(f"unknown format {fmt!r}")
    spec = LISTS.get(list_code)
    if spec is None:
        raise UnknownList(list_code)
    path = Path(path)
    capacity = rows_per_sheet or EXCEL_MAX_ROWS - TITLE_ROWS - 1
    queryset = list_queryset(
        commune=commune, round_year=round_year, list_code=list_code, rules=rules
    )
    if limit is not None:
        queryset = queryset[:limit]
    total = queryset.count()
    show_id = user is not None and may_see_national_id(user=user)
    with translation.override(language):
        headers = columns(spec)
        rows = _rows(queryset, spec=spec, round_year=round_year, show_id=show_id)
        if fmt == "csv":
            written = _write_csv(path, headers, rows, progress, total)
        else:
            titles = _titles(commune=commune, round_year=round_year, spec=spec, total=total)
            written = _write_xlsx(path, titles, headers, rows, progress, total, capacity)
    if progress:
        progress(written, written or 1)
    record(
        user=user,
        action="person_list.read",
        area=commune,
        target=f"list:{list_code}",
        count=written,
        details={"round": round_year, "format": fmt, "national_id": "full" if show_id else "masked",
                 "at": dt.datetime.now(dt.UTC).isoformat()},
        request=request,
    )  # fmt: skip
    return written
