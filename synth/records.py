"""The in-memory records of the generator: plain slotted objects, cheap to make by the million.

Field names are those of ``surveys.models`` (and so of the wire format). A person's
enrollment in the round is ``level``/``grade``/``school`` (``level`` None: no row).
"""

import datetime
import uuid

MALE, FEMALE = "male", "female"
PRESENT, MOVED_IN, MOVED_OUT, DECEASED = "present", "moved_in", "moved_out", "deceased"
INACTIVE = (MOVED_OUT, DECEASED)  # kept in the register, never enrolled
NO_DISABILITY, CAN_STUDY, CANNOT_STUDY = "none", "can_study", "cannot_study"


class Person:
    __slots__ = (
        "id", "household", "position", "full_name", "name_folded", "sex",
        "birth_year", "birth_month", "birth_day", "ethnicity", "relation", "national_id",
        "guardian_name", "status", "status_year", "disability",
        "preschool_completed_year", "primary_completed_year",
        "lower_secondary_graduated_year", "upper_secondary_graduated_year",
        "highest_grade_completed", "literacy_stage", "dropped_out_grade", "dropped_out_year",
        "level", "grade", "school", "seq", "duplicate_of",
    )  # fmt: skip

    def __init__(
        self, pid: uuid.UUID, household: "Household", sex: str, birth_year: int, relation: str
    ):
        self.id = pid
        self.household = household
        self.position = 0
        self.full_name = self.name_folded = ""
        self.sex = sex
        self.birth_year = birth_year
        self.birth_month = self.birth_day = None
        self.ethnicity = "01"
        self.relation = relation
        self.national_id = self.guardian_name = ""
        self.status, self.status_year, self.disability = PRESENT, None, NO_DISABILITY
        self.preschool_completed_year = self.primary_completed_year = None
        self.lower_secondary_graduated_year = self.upper_secondary_graduated_year = None
        self.highest_grade_completed = self.literacy_stage = 0
        self.dropped_out_grade = self.dropped_out_year = None
        self.level = self.grade = None
        self.school = ""
        self.seq = 0
        self.duplicate_of = None  # the original Person when this record is an injected duplicate

    def __repr__(self) -> str:
        return f"<Person {self.full_name} {self.birth_year} {self.relation}>"


class Household:
    __slots__ = (
        "id",
        "village",
        "number",
        "address",
        "residence",
        "phone",
        "visit_date",
        "members",
        "seq",
    )

    def __init__(self, hid: uuid.UUID, village, number: str):
        self.id = hid
        self.village = village  # a places.VillagePlan
        self.number = number
        self.address = ""
        self.residence = "permanent"
        self.phone = ""
        self.visit_date: datetime.date | None = None
        self.members: list[Person] = []
        self.seq = 0

    def __repr__(self) -> str:
        return f"<Household {self.number} ({len(self.members)})>"
