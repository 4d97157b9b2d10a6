"""Rule sets: the thresholds, cohorts and switches of DOMAIN.md §5–7 as versioned data.

A rule set is a JSON document (the built-in ones are ``indicators/rulesets/*.json``)
stored as a ``RuleSet`` row under its name and version; rows are never edited, a
change is a new version. :func:`rules_parse` checks a document and returns
:class:`Rules`; every figure stored or frozen names the row that produced it.
"""

import functools
import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from indicators.cells import COUNTS, DISABILITIES

BUILTIN_DIR = Path(__file__).resolve().parent / "rulesets"
DEFAULT_RULES = "nd20-2014"
PROGRAMMES = ("mn5", "primary", "literacy", "lower_secondary")
INDICATOR_KEYS = (
    "mn5_attending",
    "mn5_completed",
    "th_grade1_at6",
    "th_completed_at11",
    "th_11_rest_in_primary",
    "th_completed_11_14",
    "thcs_graduated_15_18",
    "thcs_upper_track_15_18",
    "lit1_15_25",
    "lit1_15_35",
    "lit2_15_35",
    "lit2_15_60",
)
FLAG_KEYS = ("th_11_rest_in_primary",)
UNIT_KINDS = ("communes", "districts")
MAX_AGE = 60


class RulesInvalid(ValueError):
    """A rule set document that cannot be used; the message names the place."""


@dataclass(frozen=True)
class Indicator:
    key: str
    ages: tuple[int, int]
    count: str | None  # the numerator column (rates)
    gap: str | None  # the column that must be zero (flags)


@dataclass(frozen=True)
class Condition:
    indicator: str  # an indicator key (a rate) or a flag key
    min: Fraction | None  # percent; None for a flag
    difficult_min: Fraction | None
    difficult_indicator: str | None

    def for_commune(self, *, difficult: bool) -> tuple[str, Fraction | None]:
        """The indicator and threshold that apply to an ordinary or an ĐBKK commune."""
        if not difficult:
            return self.indicator, self.min
        return (
            self.difficult_indicator or self.indicator,
            self.difficult_min if self.difficult_min is not None else self.min,
        )


@dataclass(frozen=True)
class Level:
    level: int
    requires: dict[str, int]
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Tier:
    units: str  # "communes" or "districts"
    min_share: dict[str, dict[int, Fraction]]  # programme → level → percent


@dataclass(frozen=True)
class Rules:
    name: str
    version: int
    ppc_excludes: frozenset[str]
    indicators: dict[str, Indicator]
    commune: dict[str, tuple[Level, ...]]  # programme → levels 1..n, in evaluation order
    district: Tier
    province: Tier
    pk: int | None = None

    def max_level(self, programme: str) -> int:
        return len(self.commune[programme])


def _fraction(value, where: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RulesInvalid(f"{where}: a percentage is a number")
    number = Fraction(str(value))
    if not 0 <= number <= 100:
        raise RulesInvalid(f"{where}: a percentage is between 0 and 100")
    return number


def _indicators(doc: dict) -> dict[str, Indicator]:
    raw = doc.get("indicators")
    if not isinstance(raw, dict) or set(raw) != set(INDICATOR_KEYS):
        raise RulesInvalid(f"indicators: exactly the keys {', '.join(INDICATOR_KEYS)}")
    out = {}
    for key in INDICATOR_KEYS:
        spec = raw[key]
        ages = spec.get("ages")
        if not (
            isinstance(ages, list)
            and len(ages) == 2
            and all(isinstance(a, int) for a in ages)
            and 0 <= ages[0] <= ages[1] <= MAX_AGE
        ):
            raise RulesInvalid(f"indicators.{key}.ages: [first, last] within 0–{MAX_AGE}")
        column = spec.get("gap" if key in FLAG_KEYS else "count")
        if column not in COUNTS:
            raise RulesInvalid(f"indicators.{key}: unknown column {column!r}")
        out[key] = Indicator(
            key=key,
            ages=(ages[0], ages[1]),
            count=None if key in FLAG_KEYS else column,
            gap=column if key in FLAG_KEYS else None,
        )
    return out


def _condition(raw: dict, where: str) -> Condition:
    if "flag" in raw:
        if raw["flag"] not in FLAG_KEYS:
            raise RulesInvalid(f"{where}.flag: one of {', '.join(FLAG_KEYS)}")
        return Condition(
            indicator=raw["flag"], min=None, difficult_min=None, difficult_indicator=None
        )
    key, other = raw.get("indicator"), raw.get("difficult_indicator")
    for name in (key, other):
        if name is not None and (name not in INDICATOR_KEYS or name in FLAG_KEYS):
            raise RulesInvalid(f"{where}: unknown rate indicator {name!r}")
    if key is None:
        raise RulesInvalid(f"{where}: an indicator or a flag is needed")
    difficult_min = raw.get("difficult_min")
    return Condition(
        indicator=key,
        min=_fraction(raw.get("min"), f"{where}.min"),
        difficult_min=None
        if difficult_min is None
        else _fraction(difficult_min, f"{where}.difficult_min"),
        difficult_indicator=other,
    )


def _levels(programme: str, raw, seen: set[str]) -> tuple[Level, ...]:
    if not isinstance(raw, list) or not raw:
        raise RulesInvalid(f"commune.{programme}: a list of levels")
    levels = []
    for number, spec in enumerate(raw, start=1):
        where = f"commune.{programme}[{number}]"
        if spec.get("level") != number:
            raise RulesInvalid(f"{where}.level: levels are numbered 1, 2, … in order")
        requires = spec.get("requires", {})
        for other, level in requires.items():
            if other not in seen and other != programme:
                raise RulesInvalid(f"{where}.requires: {other} must come earlier in the document")
            if other == programme and level != number - 1:
                raise RulesInvalid(f"{where}.requires: a level may only require the level below it")
        conditions = tuple(
            _condition(c, f"{where}.conditions[{i}]")
            for i, c in enumerate(spec.get("conditions", []))
        )
        levels.append(Level(level=number, requires=dict(requires), conditions=conditions))
    return tuple(levels)


def _tier(doc: dict, tier: str, commune: dict) -> Tier:
    raw = doc.get(tier) or {}
    if raw.get("units") not in UNIT_KINDS:
        raise RulesInvalid(f"{tier}.units: one of {', '.join(UNIT_KINDS)}")
    shares = {}
    for programme, levels in commune.items():
        given = (raw.get("min_share") or {}).get(programme) or {}
        if set(given) != {str(level.level) for level in levels}:
            raise RulesInvalid(f"{tier}.min_share.{programme}: one share per level")
        shares[programme] = {
            int(level): _fraction(value, f"{tier}.min_share.{programme}.{level}")
            for level, value in given.items()
        }
    return Tier(units=raw["units"], min_share=shares)


def rules_parse(doc: dict, *, pk: int | None = None) -> Rules:
    """Check a rule set document and return it parsed; RulesInvalid names what is wrong."""
    if not isinstance(doc, dict):
        raise RulesInvalid("a rule set is a JSON object")
    if not isinstance(doc.get("name"), str) or not doc["name"]:
        raise RulesInvalid("name: required")
    if not isinstance(doc.get("version"), int) or doc["version"] < 1:
        raise RulesInvalid("version: a positive integer")
    excludes = doc.get("ppc_excludes")
    if not isinstance(excludes, list) or not set(excludes) <= set(DISABILITIES) - {"none"}:
        raise RulesInvalid('ppc_excludes: ["cannot_study"] or ["can_study", "cannot_study"]')
    commune_raw = doc.get("commune")
    if (
        not isinstance(commune_raw, dict)
        or list(commune_raw) != [p for p in commune_raw if p in PROGRAMMES]
        or set(commune_raw) != set(PROGRAMMES)
    ):
        raise RulesInvalid(f"commune: the programmes {', '.join(PROGRAMMES)}")
    seen: set[str] = set()
    commune = {}
    for programme, raw in commune_raw.items():
        commune[programme] = _levels(programme, raw, seen)
        seen.add(programme)
    district = _tier(doc, "district", commune)
    if district.units != "communes":
        raise RulesInvalid("district.units: a district is judged on its communes")
    return Rules(
        name=doc["name"],
        version=doc["version"],
        ppc_excludes=frozenset(excludes),
        indicators=_indicators(doc),
        commune=commune,
        district=district,
        province=_tier(doc, "province", commune),
        pk=pk,
    )


@functools.cache
def builtin_documents() -> list[dict]:
    """The rule sets shipped with the code (``indicators/rulesets/*.json``)."""
    return [
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(BUILTIN_DIR.glob("*.json"))
    ]
