"""Schooling histories consistent with age (DOMAIN.md §3–4).

The model: a child enters grade 1 at 6 (``delay`` years later when behind), finishes
grade ``k`` in the school year that ends in ``birth_year + 6 + k + delay`` and stops
at a ``final`` grade drawn by cohort (older cohorts studied less). So, for a person
still at school in round Y, the current grade is ``Y − birth_year − 5 − delay`` and

- preschool completed: ``birth_year + 6 + delay`` (≈97 % of the young);
- primary completed (grade 5): ``birth_year + 11 + delay``;
- lower secondary (grade 9): ``birth_year + 15 + delay``;
- upper secondary (grade 12): ``birth_year + 18 + delay``.

Moved-out and deceased people keep the history they had when they left, and are
not enrolled. ≈1.5 % of 11–18-year-olds dropped out (then not enrolled).
"""

import random

from synth.records import CANNOT_STUDY, INACTIVE, Person

# Final grade by age for people past school age (weights in ‰).
_COHORTS = (
    (35, ((12, 720), (9, 190), (7, 30), (5, 30), (4, 10), (2, 10), (0, 10))),
    (49, ((12, 550), (9, 280), (7, 60), (5, 60), (3, 20), (2, 15), (0, 15))),
    (60, ((12, 350), (9, 330), (7, 100), (5, 120), (3, 40), (2, 30), (0, 30))),
    (75, ((12, 200), (9, 300), (7, 120), (5, 180), (3, 80), (2, 60), (0, 60))),
    (200, ((12, 100), (9, 200), (7, 100), (5, 250), (3, 120), (2, 100), (0, 130))),
)
# Where 15–22-year-olds went after grade 9: (track, final grade, weight ‰).
_TRACKS = (("general", 12, 780), ("continuing", 12, 70), ("vocational", 9, 60), ("none", 9, 90))
_UPPER_LEVEL = {"general": "upper_secondary", "continuing": "continuing_upper"}
_LEVEL_OF_GRADE = {g: "primary" for g in range(1, 6)} | {g: "lower_secondary" for g in range(6, 10)}
HIGHER_SHARE = 0.375  # of 18–22-year-old upper-secondary graduates (≈30 % of the age group)
DROPOUT_SHARE = 0.015


def _draw(rng: random.Random, table: tuple) -> tuple:
    """One row of a (…, weight) table, by weight."""
    x = rng.random() * sum(row[-1] for row in table)
    for row in table:
        x -= row[-1]
        if x < 0:
            return row
    return table[-1]


class Schooling:
    """Fill a person's milestones, grade, literacy, dropout and enrollment for round ``year``."""

    def __init__(self, rng: random.Random, year: int):
        self.rng = rng
        self.year = year

    def apply(self, p: Person, schools: dict[str, str]) -> None:
        age = self.year - p.birth_year
        r = self.rng.random()
        delay = 0 if r >= 0.028 else (1 if r >= 0.003 else 2)
        final, track = self._final(age, p)
        as_of = p.status_year if p.status in INACTIVE else self.year
        studying = p.status not in INACTIVE and p.disability != CANNOT_STUDY
        if (
            studying
            and 11 <= age <= 18
            and age - 5 - delay >= 6
            and self.rng.random() < DROPOUT_SHARE
        ):
            final = self._drop_out(p, age, delay, final)
            studying = False
        done = max(0, min(final, as_of - p.birth_year - 6 - delay))
        self._milestones(p, age, delay, done, as_of)
        if studying:
            self._enroll(p, age, delay, final, track, done, schools)

    def _final(self, age: int, p: Person) -> tuple[int, str]:
        if p.disability == CANNOT_STUDY:
            return 0, "none"
        if age < 15:
            return 12, "general"
        if age <= 22:
            if age > 18 and self.rng.random() < 0.02:
                return (5 if self.rng.random() < 0.5 else 7), "none"
            track, final, _w = _draw(self.rng, _TRACKS)
            return final, track
        for max_age, table in _COHORTS:
            if age <= max_age:
                return _draw(self.rng, table)[0], "none"
        return 0, "none"

    def _drop_out(self, p: Person, age: int, delay: int, final: int) -> int:
        """Stop in the current (or previous) grade ≥ 6; returns the last grade completed."""
        current = age - 5 - delay
        grade = current - 1 if current > 6 and self.rng.random() < 0.5 else current
        grade = min(grade, final + 1, 12)  # the last general-education grade is 12
        year = p.birth_year + 5 + delay + grade
        if grade < current and self.rng.random() < 0.5:
            year += 1  # left during the school year, after new year
        p.dropped_out_grade, p.dropped_out_year = grade, year
        return grade - 1

    def _milestones(self, p: Person, age: int, delay: int, done: int, as_of: int) -> None:
        by = p.birth_year
        if (
            age <= 25
            and by + 6 + delay <= as_of
            and p.disability != CANNOT_STUDY
            and self.rng.random() < 0.97
        ):
            p.preschool_completed_year = by + 6 + delay
        if done >= 5:
            p.primary_completed_year = by + 11 + delay
        if done >= 9:
            p.lower_secondary_graduated_year = by + 15 + delay
        if done >= 12:
            p.upper_secondary_graduated_year = by + 18 + delay
        p.highest_grade_completed = done
        if age >= 15 and done < 5 and p.disability != CANNOT_STUDY:
            r = self.rng.random()
            p.literacy_stage = 2 if r < 0.25 else (1 if r < 0.40 else 0)

    def _enroll(
        self, p: Person, age: int, delay: int, final: int, track: str, done: int, schools: dict
    ) -> None:
        grade = age - 5 - delay
        if age < 3:
            return
        if grade <= 0:
            if self.rng.random() < (0.90 if age < 5 else 0.98):
                p.level, p.grade = "preschool", min(age, 5)
        elif grade <= final:
            p.level, p.grade = _LEVEL_OF_GRADE.get(grade) or _UPPER_LEVEL[track], grade
        elif track == "vocational" and age <= 18:
            p.level = "vocational"
        elif 18 <= age <= 22 and done == 12 and self.rng.random() < HIGHER_SHARE:
            p.level = "higher"
        if p.level is not None:
            p.school = schools[p.level]
