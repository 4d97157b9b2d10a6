"""Small tables and draws shared by the generator: ethnic groups, phones, streets, dates, IDs."""

import random

# Ethnic groups of Hải Phòng (2-digit GSO codes, ‰ of people): ≈99.7 % Kinh.
ETHNICITIES = (
    ("01", 997.0), ("02", 0.8), ("04", 0.8), ("06", 0.5), ("07", 0.5), ("03", 0.2), ("09", 0.2),
)  # fmt: skip
# Vietnamese mobile prefixes (10-digit numbers).
PHONE_PREFIXES = (
    "032 033 034 035 036 037 038 039 056 058 070 076 077 078 079 081 082 083 084 085 086 088 089 "
    "090 091 093 094 096 097 098"
).split()
STREETS = (
    "Lạch Tray",
    "Trần Nguyên Hãn",
    "Tô Hiệu",
    "Lê Lợi",
    "Đà Nẵng",
    "Chợ Hàng",
    "Văn Cao",
    "Lê Lai",
)
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
MONTH_MISSING = 0.10  # share of people without a birth month (and so without a day)
DAY_MISSING = 0.055  # share of the others without a birth day: ≈15 % without a day in all


def table(rows) -> tuple[list, list[float]]:
    """A (value, weight) table as values and cumulative shares, for ``pick``."""
    total, cumulative = 0.0, []
    for _value, weight in rows:
        total += weight
        cumulative.append(total)
    return [value for value, _w in rows], [c / total for c in cumulative]


def pick(rng: random.Random, prepared: tuple[list, list[float]]):
    """A value drawn by weight from a ``table``."""
    values, cumulative = prepared
    x = rng.random()
    for value, edge in zip(values, cumulative, strict=True):
        if x < edge:
            return value
    return values[-1]


def birth_date(rng: random.Random, year: int) -> tuple[int | None, int | None]:
    """Month and day of birth, often partial: a valid day only with a month."""
    if rng.random() < MONTH_MISSING:
        return None, None
    month = 1 + int(rng.random() * 12)
    if rng.random() < DAY_MISSING:
        return month, None
    days = 29 if month == 2 and _leap(year) else _DAYS[month - 1]
    return month, 1 + int(rng.random() * days)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


class NationalIds:
    """12-digit CCCD numbers, unique within a run: "0"+province, century/sex, yy, serial.

    The century/sex digit is 0 (man) / 1 (woman) for the 1900s, 2 / 3 for the 2000s.
    The serial walks a full cycle mod 10⁶ from a random start per (century/sex, yy),
    so no two people of one run share a number and no set of issued numbers is kept.
    """

    STEP = 7919  # prime, coprime with 10⁶

    def __init__(self, rng: random.Random, province: str):
        self.rng, self.province = rng, province
        self.buckets: dict[tuple[int, int], list[int]] = {}

    def issue(self, sex: str, birth_year: int) -> str:
        digit = (0 if sex == "male" else 1) + (2 if birth_year >= 2000 else 0)
        yy = birth_year % 100
        bucket = self.buckets.get((digit, yy))
        if bucket is None:
            bucket = self.buckets[digit, yy] = [int(self.rng.random() * 1_000_000), 0]
        serial = (bucket[0] + bucket[1] * self.STEP) % 1_000_000
        bucket[1] += 1
        return f"{self.province}{digit}{yy:02d}{serial:06d}"
