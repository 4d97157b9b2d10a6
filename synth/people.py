"""Households and their members, drawn from one seeded ``random.Random`` (no database).

Household types follow the Vietnamese census shape (≈3.3 people per household):
couples with children, three generations, couples whose children left, single
elderly, single adults and single parents. Ages come from the parents' ages, which
gives an age pyramid with ≈23 % aged 0–14 and ≈14 % aged 60+.
"""

import datetime
import random
import uuid

from synth.details import (
    ETHNICITIES,
    PHONE_PREFIXES,
    STREETS,
    NationalIds,
    birth_date,
    pick,
    table,
)
from synth.names import pick_family, pick_name
from synth.records import (
    CAN_STUDY,
    CANNOT_STUDY,
    DECEASED,
    FEMALE,
    INACTIVE,
    MALE,
    MOVED_IN,
    MOVED_OUT,
    Household,
    Person,
)
from synth.schooling import Schooling

KINDS = (
    ("nuclear", 50.0), ("three_generations", 21.0), ("couple", 12.0), ("elderly_single", 8.0),
    ("adult_single", 5.0), ("single_parent", 5.0),
)  # fmt: skip
MAX_AGE = 100
_KINDS = table(KINDS)
_ETHNICITIES = table(ETHNICITIES)


class PopulationGenerator:
    """Make households one at a time for round ``year``; everything comes from ``rng``."""

    def __init__(
        self,
        *,
        rng: random.Random,
        year: int,
        province_code: str,
        visit_window: tuple[datetime.date, int],
    ):
        self.rng = rng
        self.year = year
        self.ids = NationalIds(rng, f"0{province_code}")
        self.schooling = Schooling(rng, year)
        self.visit_start, self.visit_days = visit_window

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def household(self, village, serial: int, schools: dict[str, str]) -> Household:
        """One household of ``village`` with its members, numbered ``T<village>-<serial>``."""
        hh = Household(self.uuid(), village, f"T{village.number:02d}-{serial:03d}")
        self._describe(hh)
        ethnicity = pick(self.rng, _ETHNICITIES)
        getattr(self, f"_{pick(self.rng, _KINDS)}")(hh)
        if self.rng.random() < 0.04:
            self._extra(hh)
        for position, person in enumerate(hh.members):
            person.position = position
            self._finish(person, ethnicity, schools)
        return hh

    # --- the household itself -----------------------------------------------------

    def _describe(self, hh: Household) -> None:
        rng, village = self.rng, hh.village
        if village.commune.urban:
            hh.address = f"Số {1 + int(rng.random() * 120)}, ngõ {1 + int(rng.random() * 40)}, {village.name}"
            if rng.random() < 0.3:
                hh.address = (
                    f"Số {1 + int(rng.random() * 300)}, đường {rng.choice(STREETS)}, {village.name}"
                )
        else:
            hh.address = (
                village.name
                if rng.random() < 0.5
                else f"Xóm {1 + int(rng.random() * 6)}, {village.name}"
            )
        hh.residence = "permanent" if rng.random() < 0.95 else "temporary"
        if rng.random() < 0.85:
            hh.phone = f"{rng.choice(PHONE_PREFIXES)}{int(rng.random() * 10_000_000):07d}"
        if rng.random() < 0.40:
            hh.visit_date = self.visit_start + datetime.timedelta(
                days=int(rng.random() * self.visit_days)
            )

    # --- household types ----------------------------------------------------------

    def _nuclear(self, hh: Household) -> None:
        mother_age = 22 + int(self.rng.random() * 32)
        father, mother = self._couple(hh, husband_age=mother_age + self._gap(), wife_age=mother_age)
        self._children(hh, father, mother, mother_age, "child")

    def _three_generations(self, hh: Household) -> None:
        if self.rng.random() < 0.5:  # the grandparents head the household
            grandmother_age = 52 + int(self.rng.random() * 30)
            family = pick_family(self.rng)
            if self.rng.random() < 0.7:
                self._couple(
                    hh,
                    husband_age=grandmother_age + self._gap(),
                    wife_age=grandmother_age,
                    family=family,
                )
            else:
                self._add(hh, FEMALE, grandmother_age, "head")
            son_age = grandmother_age - 22 - int(self.rng.random() * 10)
            son = self._add(hh, MALE, son_age, "child", family=family)
            wife_age = max(20, son_age - int(self.rng.random() * 6))
            wife = self._add(hh, FEMALE, wife_age, "other")
            self._children(hh, son, wife, wife_age, "grandchild")
        else:  # a couple with children, and one or both of the husband's parents
            mother_age = 24 + int(self.rng.random() * 20)
            father, mother = self._couple(
                hh, husband_age=mother_age + self._gap(), wife_age=mother_age
            )
            self._children(hh, father, mother, mother_age, "child")
            head = hh.members[0]
            grandmother_age = min(
                MAX_AGE, self.year - head.birth_year + 22 + int(self.rng.random() * 10)
            )
            if self.rng.random() < 0.5:
                self._add(
                    hh,
                    MALE,
                    min(MAX_AGE, grandmother_age + self._gap()),
                    "parent",
                    family=self._family(head),
                )
            self._add(hh, FEMALE, grandmother_age, "parent")

    def _couple(
        self,
        hh: Household,
        *,
        husband_age: int | None = None,
        wife_age: int | None = None,
        family=None,
    ):
        if wife_age is None:
            wife_age = (
                (22 + int(self.rng.random() * 12))
                if self.rng.random() < 0.3
                else (48 + int(self.rng.random() * 35))
            )
            husband_age = wife_age + self._gap()
        husband_age = min(MAX_AGE, husband_age)
        if self.rng.random() < 0.88:
            husband = self._add(hh, MALE, husband_age, "head", family=family)
            wife = self._add(hh, FEMALE, wife_age, "spouse")
        else:
            wife = self._add(hh, FEMALE, wife_age, "head")
            husband = self._add(hh, MALE, husband_age, "spouse", family=family)
        return husband, wife

    def _elderly_single(self, hh: Household) -> None:
        sex = FEMALE if self.rng.random() < 0.7 else MALE
        self._add(hh, sex, min(MAX_AGE, 60 + int(self.rng.triangular(0, 36, 6))), "head")

    def _adult_single(self, hh: Household) -> None:
        self._add(
            hh,
            MALE if self.rng.random() < 0.55 else FEMALE,
            20 + int(self.rng.random() * 40),
            "head",
        )

    def _single_parent(self, hh: Household) -> None:
        parent_age = 25 + int(self.rng.random() * 25)
        if self.rng.random() < 0.85:
            mother = self._add(hh, FEMALE, parent_age, "head")
            self._children(hh, None, mother, parent_age, "child", family=pick_family(self.rng))
        else:
            father = self._add(hh, MALE, parent_age, "head")
            self._children(hh, father, None, parent_age - self._gap(), "child")

    def _extra(self, hh: Household) -> None:
        head = hh.members[0]
        head_age = self.year - head.birth_year
        if head_age < 70 and self.rng.random() < 0.6:
            age = max(15, min(MAX_AGE, head_age - 8 + int(self.rng.random() * 17)))
            self._add(
                hh,
                MALE if self.rng.random() < 0.5 else FEMALE,
                age,
                "sibling",
                family=self._family(head),
            )
        else:
            self._add(
                hh,
                MALE if self.rng.random() < 0.5 else FEMALE,
                15 + int(self.rng.random() * 50),
                "other",
            )

    def _children(self, hh, father, mother, mother_age: int, relation: str, family=None) -> None:
        """Children of a couple (or a single parent) from the mother's age: 1–3, 2–6 years apart."""
        family = family or self._family(father)
        guardian = (father or mother).full_name
        count = 1 + (self.rng.random() < 0.78) + (self.rng.random() < 0.26)
        age = mother_age - 20 - int(self.rng.random() * 11)
        for _ in range(count):
            if age < 0:
                break
            if age < 18 or self.rng.random() < (0.75 if age <= 22 else 0.3):
                child = self._add(
                    hh, MALE if self.rng.random() < 0.512 else FEMALE, age, relation, family=family
                )
                if age < 18:
                    child.guardian_name = guardian
            age -= 2 + int(self.rng.random() * 5)

    # --- one person -----------------------------------------------------------------

    def _gap(self) -> int:
        """How much older a husband is than his wife."""
        return int(self.rng.triangular(-2, 9, 2))

    def _family(self, person: Person | None) -> tuple[str, str]:
        if person is None:
            return pick_family(self.rng)
        return person.full_name.split(" ", 1)[0], person.name_folded.split(" ", 1)[0]

    def _add(self, hh: Household, sex: str, age: int, relation: str, family=None) -> Person:
        birth_year = self.year - max(0, age)
        person = Person(self.uuid(), hh, sex, birth_year, relation)
        person.full_name, person.name_folded = pick_name(
            self.rng, family or pick_family(self.rng), sex, birth_year
        )
        hh.members.append(person)
        return person

    def _finish(self, p: Person, ethnicity: str, schools: dict[str, str]) -> None:
        rng, year = self.rng, self.year
        age = year - p.birth_year
        p.ethnicity = (
            ethnicity if p.relation not in ("spouse", "other") else pick(rng, _ETHNICITIES)
        )
        p.birth_month, p.birth_day = birth_date(rng, p.birth_year)
        self._status(p, age)
        r = rng.random()
        if r < 0.019:
            p.disability = CAN_STUDY if r < 0.015 else CANNOT_STUDY
        if age >= 14 and rng.random() < 0.80:
            p.national_id = self.ids.issue(p.sex, p.birth_year)
        self.schooling.apply(p, schools)

    def _status(self, p: Person, age: int) -> None:
        """≈96 % present, 2 % moved in, 1.5 % moved out, 0.5 % deceased (mostly the old)."""
        r = self.rng.random()
        dead = 0.03 if age >= 60 else 0.001
        if r >= dead + 0.035:
            return
        p.status = DECEASED if r < dead else MOVED_OUT if r < dead + 0.015 else MOVED_IN
        if p.relation == "head" and p.status in INACTIVE:
            p.status = MOVED_IN  # a household keeps a living, resident head
        back = self.rng.random()
        p.status_year = max(p.birth_year, self.year - (0 if back < 0.5 else 1 if back < 0.8 else 2))
