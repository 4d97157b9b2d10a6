"""Injected duplicates: a second record of a person in another household, and the truth.

For a share ``rate`` of the living people, a second record (new id, relation
``other``, same sex and birth year) is appended to a household generated a little
later (1–30 households on, so the same or the next commune), with one perturbation:

- ``typo``: one wrong letter in the given name;
- ``no_diacritics``: "Nguyen Thi Huong" or "NGUYEN THI HUONG";
- ``swapped_day_month``: birth day and month swapped (only when the day is ≤ 12);
- ``second_household``: the same name in a second household.

The duplicates come from their own RNG, so a run with duplicates holds exactly the
people of the run without them, plus the duplicates listed in the truth.
"""

import csv
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass, fields

from surveys.text import fold
from synth.names import with_typo, without_diacritics
from synth.records import DECEASED, MOVED_IN, MOVED_OUT, PRESENT, Household, Person

KINDS = (("typo", 30), ("no_diacritics", 25), ("swapped_day_month", 20), ("second_household", 25))
HORIZON = 30  # a duplicate lands 1..HORIZON households after its original
KEEP_NATIONAL_ID = 0.3  # share of duplicates that carry the original's ID number
_COPIED = (
    "ethnicity", "disability", "preschool_completed_year", "primary_completed_year",
    "lower_secondary_graduated_year", "upper_secondary_graduated_year", "highest_grade_completed",
    "literacy_stage", "dropped_out_grade", "dropped_out_year", "level", "grade", "school",
)  # fmt: skip


@dataclass(frozen=True)
class TruthRow:
    original_id: str
    duplicate_id: str
    kind: str
    original_household_id: str
    duplicate_household_id: str
    original_name: str
    duplicate_name: str
    birth_year: int
    sex: str


TRUTH_COLUMNS = tuple(f.name for f in fields(TruthRow))


class DuplicateInjector:
    """Wrap a stream of households; ``truth`` lists the duplicates injected so far."""

    def __init__(self, *, rng: random.Random, rate: float):
        self.rng, self.rate = rng, rate
        self.truth: list[TruthRow] = []

    def __call__(self, households: Iterable[Household]) -> Iterator[Household]:
        pending: list[tuple[int, Person]] = []
        held: Household | None = None
        for index, hh in enumerate(households):
            if pending:
                pending = self._place(hh, index, pending)
            if self.rate > 0:
                self._choose(hh, index, pending)
            if held is not None:
                yield held
            held = hh
        if held is not None:
            for _due, original in pending:
                if original.household is not held:  # the very last household cannot host its own
                    self._attach(held, original)
            yield held

    def _choose(self, hh: Household, index: int, pending: list) -> None:
        for person in hh.members:
            if (
                person.status != DECEASED
                and person.duplicate_of is None
                and self.rng.random() < self.rate
            ):
                pending.append((index + 1 + int(self.rng.random() * HORIZON), person))

    def _place(self, hh: Household, index: int, pending: list) -> list:
        waiting = []
        for due, original in pending:
            if due <= index:
                self._attach(hh, original)
            else:
                waiting.append((due, original))
        return waiting

    def _attach(self, host: Household, original: Person) -> None:
        rng = self.rng
        dup = Person(
            uuid.UUID(int=rng.getrandbits(128), version=4),
            host,
            original.sex,
            original.birth_year,
            "other",
        )
        for name in _COPIED:
            setattr(dup, name, getattr(original, name))
        dup.full_name, dup.name_folded = original.full_name, original.name_folded
        dup.birth_month, dup.birth_day = original.birth_month, original.birth_day
        dup.guardian_name = original.guardian_name  # set for children only
        if original.national_id and rng.random() < KEEP_NATIONAL_ID:
            dup.national_id = original.national_id
        if original.status == MOVED_OUT:  # the same move, recorded at the other end
            dup.status, dup.status_year = MOVED_IN, original.status_year
        else:
            dup.status = PRESENT
        kind = self._perturb(dup)
        dup.position, dup.duplicate_of = len(host.members), original
        host.members.append(dup)
        self.truth.append(_truth_row(original, dup, kind))

    def _perturb(self, dup: Person) -> str:
        x = self.rng.random() * sum(w for _k, w in KINDS)
        kind = next((k for k, w in _cumulative(KINDS) if x < w), KINDS[-1][0])
        if kind == "swapped_day_month":
            month, day = dup.birth_month, dup.birth_day
            if month is None or day is None or day > 12 or day == month:
                kind = "typo"
            else:
                dup.birth_month, dup.birth_day = day, month
        if kind == "typo":
            dup.full_name = with_typo(self.rng, dup.full_name)
            dup.name_folded = fold(dup.full_name)
        elif kind == "no_diacritics":
            dup.full_name = without_diacritics(dup.full_name, upper=self.rng.random() < 0.5)
        return kind


def _cumulative(rows):
    total = 0
    for kind, weight in rows:
        total += weight
        yield kind, total


def _truth_row(original: Person, dup: Person, kind: str) -> TruthRow:
    return TruthRow(
        original_id=str(original.id),
        duplicate_id=str(dup.id),
        kind=kind,
        original_household_id=str(original.household.id),
        duplicate_household_id=str(dup.household.id),
        original_name=original.full_name,
        duplicate_name=dup.full_name,
        birth_year=original.birth_year,
        sex=original.sex,
    )


def write_truth(path: str, rows: list[TruthRow]) -> None:
    """The truth file: a header and one row per injected duplicate (UTF-8, "\\n" line ends)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(TRUTH_COLUMNS)
        writer.writerows(astuple(row) for row in rows)
