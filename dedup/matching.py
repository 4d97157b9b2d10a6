"""Scoring a pair of residents: how much the evidence says "same person".

A score is a sum of weights in bits (log₂ of a likelihood ratio, Fellegi–Sunter
style, set by hand and checked on the synthetic truth): agreement on something
rare adds many bits, agreement on something common adds few, and a
disagreement a careful surveyor would not make (another birth month, another
national ID, another guardian) subtracts many. Every weight that applies leaves
a *reason* code, so a reviewer sees why a pair was suggested.

Nothing here touches the database: :class:`Profile` is built from plain values
(``profile_from_values``), so the batch command, the per-change check, the tests
and the benchmark all score the same way.
"""

import math
from dataclasses import dataclass

from rapidfuzz.distance import OSA
from rapidfuzz.fuzz import token_sort_ratio

from dedup.normalize import fold_name, is_plain, mark_name

NATIONAL_ID_LENGTH = 12
COUNTING = ("present", "moved_in")  # statuses counted in the population (DOMAIN.md §5)

# --- weights, in bits ----------------------------------------------------------
W = {
    # name (exactly one applies)
    "name_exact": 8.0,  # same letters and marks
    "name_plain": 7.0,  # one written without diacritics, the same once folded
    "name_marks_differ": 4.0,  # same once folded, both marked, marks differ (Hùng/Hưng)
    "name_order": 5.0,  # same words in another order
    "middle_missing": 4.0,  # family and given name agree, one has no middle name
    "middle_differs": -1.0,
    "given_typo": 2.0,  # one letter off in the given name (Hùng/Dũng are two real names…)
    "rare_spelling": 3.5,  # …and that spelling is nobody else's of the same year and sex
    "family_typo": 4.0,  # one letter off in the family name
    "name_similar": 0.0,  # token_sort_ratio ≥ 90 otherwise
    # a common name says less: minus log2(1 + other namesakes of the same year and sex)
    "common_name": -1.5,
    # birth date (year equal or within blocking)
    "date_exact": 7.0,
    "date_swapped": 6.0,
    "month_same": 2.5,  # a day missing on one side
    "month_unknown": 0.0,  # month missing on both sides
    "month_one_side": -3.0,
    "day_differs": -5.0,
    "month_differs": -8.0,
    "year_differs": -6.0,  # only through the national-ID or exact-date keys
    "sex_differs": -10.0,
    # national ID
    "national_id_same": 15.0,
    "national_id_differs": -12.0,
    # guardian (parent's) name
    "guardian_same": 4.0,
    "guardian_similar": 2.0,
    "guardian_differs": -4.0,
    # place
    "same_household": 1.0,
    "same_village": 5.0,
    "same_commune": 1.5,
    "other_commune": -2.0,
    # status
    "move_pair": 2.0,  # a moved-out record and one that counts
    "deceased_vs_living": -4.0,
    # the rest of the record
    "school_agrees": 0.1,  # per agreeing schooling field, at most 5 (same-year people mostly agree)
    "school_differs": -3.0,  # per disagreeing schooling field, at most 2
    "ethnicity_differs": -4.0,
    "ethnicity_minority": 2.0,
    "disability_differs": -2.0,
    "disability_same": 2.0,
}
SCHOOL_AGREE_MAX = 5
SCHOOL_DIFFER_MAX = 2


@dataclass(slots=True)
class Profile:
    """What matching needs of one resident, normalised once."""

    id: str
    household_id: str
    village_id: int
    commune_id: int
    sex: str
    year: int
    month: int | None
    day: int | None
    folded: str
    family: str
    middle: str
    given: str
    given_raw: str  # the given name folded without the spelling variants (for the edit distance)
    marked: str
    plain: bool
    national_id: str
    guardian: str
    status: str
    ethnicity: str
    disability: str
    school: tuple
    namesakes: int = (
        0  # people of the same folded name, year and sex in the run (this one included)
    )
    given_count: int = 0  # people of the same given name, year and sex in the run
    full_name: str = ""


def valid_national_id(value: str) -> str:
    value = (value or "").strip()
    return value if len(value) == NATIONAL_ID_LENGTH and value.isdigit() else ""


def profile_from_values(v: dict) -> Profile:
    """A profile from resident values: wire field names plus id, household_id, village_id, commune_id."""
    folded = fold_name(v["full_name"])
    words = folded.split()
    raw = fold_name(v["full_name"], variants=False).split()
    family, given = (words[0], words[-1]) if len(words) > 1 else ("", words[0] if words else "")
    school = (
        v.get("highest_grade_completed"), v.get("literacy_stage"), v.get("preschool_completed_year"),
        v.get("primary_completed_year"), v.get("lower_secondary_graduated_year"),
        v.get("upper_secondary_graduated_year"), v.get("dropped_out_grade"),
    )  # fmt: skip
    return Profile(
        id=str(v["id"]), household_id=str(v["household_id"]), village_id=v["village_id"],
        commune_id=v["commune_id"], sex=v["sex"], year=v["birth_year"], month=v.get("birth_month"),
        day=v.get("birth_day"), folded=folded, family=family, middle=" ".join(words[1:-1]), given=given,
        given_raw=raw[-1] if raw else "",
        marked=mark_name(v["full_name"]), plain=is_plain(v["full_name"]),
        national_id=valid_national_id(v.get("national_id", "")), guardian=fold_name(v.get("guardian_name") or ""),
        status=v.get("status") or "present", ethnicity=v.get("ethnicity") or "", disability=v.get("disability") or "none",
        school=school, full_name=v["full_name"],
    )  # fmt: skip


@dataclass(slots=True)
class Match:
    score: float
    reasons: list[str]


def _name(a: Profile, b: Profile) -> str | None:
    """The reason code of the name comparison, or None when the names are too different."""
    if a.folded == b.folded:
        if a.marked == b.marked:
            return "name_exact"
        return "name_plain" if a.plain or b.plain else "name_marks_differ"
    if a.family == b.family and a.given == b.given:
        return "middle_missing" if not a.middle or not b.middle else "middle_differs"
    if (
        a.family == b.family
        and a.middle == b.middle
        and (
            OSA.distance(a.given_raw, b.given_raw, score_cutoff=1) <= 1
            or OSA.distance(a.given, b.given, score_cutoff=1) <= 1
        )
    ):
        return "given_typo"
    if (
        a.middle == b.middle
        and a.given == b.given
        and OSA.distance(a.family, b.family, score_cutoff=1) <= 1
    ):
        return "family_typo"
    if sorted(a.folded.split()) == sorted(b.folded.split()):
        return "name_order"
    if token_sort_ratio(a.folded, b.folded, score_cutoff=90):
        return "name_similar"
    return None


def _date(a: Profile, b: Profile) -> str:
    if a.year != b.year:
        return "year_differs"
    if a.month is None or b.month is None:
        return "month_unknown" if a.month is None and b.month is None else "month_one_side"
    if a.day is not None and b.day is not None:
        if a.month == b.month:
            return "date_exact" if a.day == b.day else "day_differs"
        if a.month == b.day and a.day == b.month:
            return "date_swapped"
        return "month_differs"
    if a.month == b.month:
        return "month_same"
    # one day missing: a swap may hide behind it (13/4 recorded as month 4 vs month 13 is impossible)
    return "month_differs"


def _school(a: Profile, b: Profile, features: dict[str, float]) -> None:
    agree = differ = 0
    for x, y in zip(a.school, b.school, strict=True):
        if x == y:
            agree += 1
        else:
            differ += 1
    if differ:
        features["school_differs"] = min(differ, SCHOOL_DIFFER_MAX)
    elif agree:
        features["school_agrees"] = min(agree, SCHOOL_AGREE_MAX)


def _guardian(a: Profile, b: Profile) -> str | None:
    if not a.guardian or not b.guardian:
        return None
    if a.guardian == b.guardian:
        return "guardian_same"
    if token_sort_ratio(a.guardian, b.guardian, score_cutoff=90):
        return "guardian_similar"
    return "guardian_differs"


def _place(a: Profile, b: Profile) -> str:
    if a.household_id == b.household_id:
        return "same_household"
    if a.village_id == b.village_id:
        return "same_village"
    return "same_commune" if a.commune_id == b.commune_id else "other_commune"


def _status(a: Profile, b: Profile) -> str | None:
    statuses = {a.status, b.status}
    if "deceased" in statuses and statuses & set(COUNTING):
        return "deceased_vs_living"
    if "moved_out" in statuses and statuses & set(COUNTING):
        return "move_pair"
    return None


def features(a: Profile, b: Profile) -> dict[str, float] | None:
    """The evidence codes of a pair with their multiplicity; None when the names rule it out."""
    name = _name(a, b)
    if name is None:
        return None
    found: dict[str, float] = {name: 1}
    if name == "given_typo" and min(a.given_count, b.given_count) == 1:
        found["rare_spelling"] = (
            1  # one of the two spellings is nobody else's: a slip, not another name
        )
    if name in ("name_exact", "name_plain", "name_marks_differ"):
        others = (
            max(a.namesakes, b.namesakes) - 2
        )  # namesakes of the same year and sex besides these two
        if others > 0:
            found["common_name"] = math.log2(1 + others)
    for code in (_date(a, b), _guardian(a, b), _place(a, b), _status(a, b)):
        if code is not None:
            found[code] = 1
    if a.sex != b.sex:
        found["sex_differs"] = 1
    if a.national_id and b.national_id:
        found["national_id_same" if a.national_id == b.national_id else "national_id_differs"] = 1
    _school(a, b, found)
    _others(a, b, found)
    return found


def score_of(found: dict[str, float]) -> float:
    return round(sum(W[code] * times for code, times in found.items()), 2)


def compare(a: Profile, b: Profile) -> Match | None:
    """Score two profiles; None when the names alone rule the pair out."""
    found = features(a, b)
    if found is None:
        return None
    return Match(score=score_of(found), reasons=list(found))


def _others(a: Profile, b: Profile, found: dict[str, float]) -> None:
    if a.ethnicity != b.ethnicity:
        found["ethnicity_differs"] = 1
    elif a.ethnicity not in ("", "01"):
        found["ethnicity_minority"] = 1
    if a.disability != b.disability:
        found["disability_differs"] = 1
    elif a.disability != "none":
        found["disability_same"] = 1


def national_id_link(a: Profile, b: Profile) -> bool:
    """The one case that links without review: the same valid 12-digit national ID, the same
    sex and birth year, birth date parts that do not disagree, and names that match."""
    if not (
        a.national_id and a.national_id == b.national_id and a.sex == b.sex and a.year == b.year
    ):
        return False
    if _date(a, b) in ("day_differs", "month_differs", "year_differs"):
        return False
    return _name(a, b) not in (None, "name_similar", "middle_differs")
