"""Write batches of generated households: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere.

A writer works in two steps so generation and the database overlap:

- ``prepare(batch)`` runs in the generating thread and does all the per-row Python
  work (on PostgreSQL: the text of the ``COPY`` rows, all but ``seq``);
- ``write(prepared)`` runs in the thread that owns the connection: it takes one block
  of the change sequence (``surveys.sequence.next_seqs``), stamps households and
  residents in generation order (so ``seq`` increases through the run) and sends
  the rows.

No ``surveys_change`` rows are written: the synthetic population is a baseline, not
an edit.
"""

import datetime
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection

from surveys.models import Enrollment, Household, Resident, Visit
from surveys.sequence import next_seqs
from surveys.text import vi_sort_key_text
from synth.records import Household as HouseholdRecord

# ``seq`` comes last: the COPY rows are prepared without it and finished in ``write``.
HOUSEHOLD_FIELDS = (
    "id", "village_id", "commune_id", "number", "address", "residence", "phone", "note",
    "version", "created_at", "updated_at", "seq",
)  # fmt: skip
RESIDENT_FIELDS = (
    "id", "household_id", "commune_id", "position", "full_name", "name_folded", "sort_key", "sex",
    "birth_year", "birth_month", "birth_day", "ethnicity", "relation", "national_id",
    "guardian_name", "status", "status_year", "disability", "preschool_completed_year",
    "primary_completed_year", "lower_secondary_graduated_year", "upper_secondary_graduated_year",
    "highest_grade_completed", "literacy_stage", "dropped_out_grade", "dropped_out_year",
    "version", "created_at", "updated_at", "seq",
)  # fmt: skip
# position … dropped_out_year: straight from the record (sort_key is computed: _sort_key)
PERSON_FIELDS = tuple(name for name in RESIDENT_FIELDS[3:-4] if name != "sort_key")
# The register's Vietnamese sort key; names repeat a lot, so it is remembered.
_sort_key = lru_cache(maxsize=262144)(vi_sort_key_text)
ENROLLMENT_FIELDS = ("resident_id", "round_id", "level", "grade", "school")
VISIT_FIELDS = ("household_id", "round_id", "date", "created_at")


class Counts:
    """Rows written so far, per table."""

    def __init__(self) -> None:
        self.households = self.residents = self.enrollments = self.visits = 0

    def add(self, households: int, residents: int, enrollments: int, visits: int) -> None:
        self.households += households
        self.residents += residents
        self.enrollments += enrollments
        self.visits += visits


def _seq_block(households: list[HouseholdRecord]) -> list[int]:
    return sorted(next_seqs(sum(1 + len(hh.members) for hh in households)))


# --- PostgreSQL -----------------------------------------------------------------

N = "\\N"  # NULL in COPY text format
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: str) -> str:
    """A string as a COPY text field."""
    return value.translate(_ESCAPES)


@dataclass
class CopyBatch:
    """One batch as COPY text; household and resident lines still lack their ``seq``."""

    households: list[str]
    residents: list[list[str]]  # per household, the lines of its members
    enrollments: str
    visits: str
    counts: tuple[int, int, int, int]


class CopyWriter:
    """PostgreSQL: one ``COPY … FROM STDIN`` per table and batch."""

    def __init__(self, *, round_year: int, now: datetime.datetime):
        self.year, self.now = round_year, now
        self.stamp = now.isoformat()
        self.counts = Counts()
        self.sql = {
            model: f"COPY {model._meta.db_table} ({', '.join(_columns(model, names))}) FROM STDIN"
            for model, names in (
                (Household, HOUSEHOLD_FIELDS), (Resident, RESIDENT_FIELDS),
                (Enrollment, ENROLLMENT_FIELDS), (Visit, VISIT_FIELDS),
            )
        }  # fmt: skip
        with connection.cursor() as cursor:
            # Check foreign keys as each COPY ends, not all at commit: the queue stays small.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def prepare(self, households: list[HouseholdRecord]) -> CopyBatch:
        stamp, year = self.stamp, self.year
        enrollments, visits, people = [], [], 0
        for hh in households:
            for p in hh.members:
                if p.level is not None:
                    enrollments.append(
                        f"{p.id}\t{year}\t{p.level}\t{N if p.grade is None else p.grade}\t{_text(p.school)}\n"
                    )
            people += len(hh.members)
            if hh.visit_date is not None:
                visits.append(f"{hh.id}\t{year}\t{hh.visit_date.isoformat()}\t{stamp}\n")
        return CopyBatch(
            households=[_household_line(hh, stamp) for hh in households],
            residents=[_resident_lines(hh, stamp) for hh in households],
            enrollments="".join(enrollments),
            visits="".join(visits),
            counts=(len(households), people, len(enrollments), len(visits)),
        )

    def finish(self) -> None:
        """Back to Django's default (foreign keys checked at commit) for the rest of the transaction."""
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def write(self, batch: CopyBatch) -> None:
        seqs = iter(sorted(next_seqs(batch.counts[0] + batch.counts[1])))
        household_text, resident_text = [], []
        for line, members in zip(batch.households, batch.residents, strict=True):
            household_text.append(f"{line}{next(seqs)}\n")
            resident_text.extend(f"{member}{next(seqs)}\n" for member in members)
        with connection.cursor() as cursor:
            raw = cursor.cursor
            for model, text in (
                (Household, household_text), (Resident, resident_text),
                (Enrollment, [batch.enrollments]), (Visit, [batch.visits]),
            ):  # fmt: skip
                with raw.copy(self.sql[model]) as copy:
                    copy.write("".join(text))
        self.counts.add(*batch.counts)


def _household_line(hh: HouseholdRecord, stamp: str) -> str:
    village = hh.village
    return (
        f"{hh.id}\t{village.pk}\t{village.commune.pk}\t{hh.number}\t{_text(hh.address)}\t"
        f"{hh.residence}\t{hh.phone}\t\t1\t{stamp}\t{stamp}\t"
    )


def _resident_lines(hh: HouseholdRecord, stamp: str) -> list[str]:
    commune = hh.village.commune.pk
    return [
        f"{p.id}\t{hh.id}\t{commune}\t{p.position}\t{_text(p.full_name)}\t{_text(p.name_folded)}\t{_sort_key(p.full_name)}\t{p.sex}\t"
        f"{p.birth_year}\t{N if p.birth_month is None else p.birth_month}\t{N if p.birth_day is None else p.birth_day}\t"
        f"{p.ethnicity}\t{p.relation}\t{p.national_id}\t{_text(p.guardian_name)}\t{p.status}\t"
        f"{N if p.status_year is None else p.status_year}\t{p.disability}\t"
        f"{N if p.preschool_completed_year is None else p.preschool_completed_year}\t"
        f"{N if p.primary_completed_year is None else p.primary_completed_year}\t"
        f"{N if p.lower_secondary_graduated_year is None else p.lower_secondary_graduated_year}\t"
        f"{N if p.upper_secondary_graduated_year is None else p.upper_secondary_graduated_year}\t"
        f"{p.highest_grade_completed}\t{p.literacy_stage}\t"
        f"{N if p.dropped_out_grade is None else p.dropped_out_grade}\t"
        f"{N if p.dropped_out_year is None else p.dropped_out_year}\t1\t{stamp}\t{stamp}\t"
        for p in hh.members
    ]


def _columns(model, names) -> list[str]:
    return [connection.ops.quote_name(model._meta.get_field(name).column) for name in names]


# --- Other databases (SQLite) ------------------------------------------------------


class BulkWriter:
    """``bulk_create`` in large batches (model instances are fine at SQLite sizes)."""

    def __init__(self, *, round_year: int, now: datetime.datetime):
        self.year, self.now = round_year, now
        self.counts = Counts()

    def prepare(self, households: list[HouseholdRecord]) -> list[HouseholdRecord]:
        return households

    def finish(self) -> None:
        pass

    def write(self, households: list[HouseholdRecord]) -> None:
        seqs = iter(_seq_block(households))
        rows, people = [], []
        for hh in households:
            rows.append(self._household(hh, next(seqs)))
            people.extend((p, next(seqs)) for p in hh.members)
        Household.objects.bulk_create(rows, batch_size=2000)
        Resident.objects.bulk_create([self._resident(p, seq) for p, seq in people], batch_size=2000)
        enrolled = [
            Enrollment(
                resident_id=p.id, round_id=self.year, level=p.level, grade=p.grade, school=p.school
            )
            for p, _seq in people
            if p.level is not None
        ]
        Enrollment.objects.bulk_create(enrolled, batch_size=5000)
        visits = [
            Visit(household_id=hh.id, round_id=self.year, date=hh.visit_date)
            for hh in households
            if hh.visit_date
        ]
        Visit.objects.bulk_create(visits, batch_size=5000)
        self.counts.add(len(households), len(people), len(enrolled), len(visits))

    def _household(self, hh: HouseholdRecord, seq: int) -> Household:
        return Household(
            id=hh.id, village_id=hh.village.pk, commune_id=hh.village.commune.pk, number=hh.number,
            address=hh.address, residence=hh.residence, phone=hh.phone, note="", version=1, seq=seq,
        )  # fmt: skip

    def _resident(self, p, seq: int) -> Resident:
        fields = {name: getattr(p, name) for name in PERSON_FIELDS}
        commune = p.household.village.commune.pk
        return Resident(
            id=p.id,
            household_id=p.household.id,
            commune_id=commune,
            version=1,
            seq=seq,
            sort_key=_sort_key(p.full_name),
            **fields,
        )


def make_writer(*, round_year: int, now: datetime.datetime):
    if connection.vendor == "postgresql":
        return CopyWriter(round_year=round_year, now=now)
    return BulkWriter(round_year=round_year, now=now)
