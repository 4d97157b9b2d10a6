"""Indicators and standards computed from cells (pure functions, no database).

Rates are percentages (0–100) as unrounded floats: ``numerator × 100 / denominator``.
Every comparison with a threshold is exact (``numerator × 100 ≥ min × denominator``
on integers and fractions), so 19 of 20 meets 95% and 18 of 19 does not. An empty
denominator gives ``rate: null`` and never meets a threshold.
"""

from collections import Counter, defaultdict
from fractions import Fraction

from indicators.cells import COUNTS, MAX_AGE
from indicators.rules import FLAG_KEYS, Condition, Rules, Tier


def number(value: Fraction | None) -> int | float | None:
    """A threshold as JSON: 95 rather than 95.0, 95.5 when it has decimals."""
    if value is None:
        return None
    return int(value) if value.denominator == 1 else float(value)


def rate(numerator: int, denominator: int) -> float | None:
    return numerator * 100 / denominator if denominator else None


def meets(numerator: int, denominator: int, minimum: Fraction) -> bool:
    return denominator > 0 and numerator * 100 >= minimum * denominator


def _ppc_sums(cells: list[dict], rules: Rules) -> dict[int, Counter]:
    sums: dict[int, Counter] = defaultdict(Counter)
    for cell in cells:
        if cell["disability"] not in rules.ppc_excludes:
            row = sums[cell["age"]]
            for column in COUNTS:
                row[column] += cell[column]
    return sums


def cohorts(cells: list[dict], rules: Rules) -> dict[str, dict]:
    """Per single age 0–60: total, female, minority, female minority, disabled and PPC."""
    out = {
        age: dict.fromkeys(("total", "female", "minority", "female_minority", "disabled", "ppc"), 0)
        for age in range(MAX_AGE + 1)
    }
    for cell in cells:
        row, n = out[cell["age"]], cell["total"]
        row["total"] += n
        row["female"] += n if cell["female"] else 0
        row["minority"] += n if cell["minority"] else 0
        row["female_minority"] += n if cell["female"] and cell["minority"] else 0
        row["disabled"] += n if cell["disability"] != "none" else 0
        row["ppc"] += n if cell["disability"] not in rules.ppc_excludes else 0
    return {str(age): row for age, row in out.items()}


def indicators(cells: list[dict], rules: Rules) -> tuple[dict, dict]:
    """``(indicators, flags)``: each rate as numerator/denominator/rate; each flag as a boolean
    in ``indicators`` and with its gap (the people who break it) in ``flags``."""
    sums = _ppc_sums(cells, rules)
    values, flags = {}, {}
    for key, spec in rules.indicators.items():
        ages = range(spec.ages[0], spec.ages[1] + 1)
        denominator = sum(sums[age]["total"] for age in ages if age in sums)
        if spec.gap:
            gap = sum(sums[age][spec.gap] for age in ages if age in sums)
            values[key] = gap == 0
            flags[key] = {
                "value": gap == 0,
                "gap": gap,
                "denominator": denominator,
                "ages": list(spec.ages),
            }
        else:
            numerator = sum(sums[age][spec.count] for age in ages if age in sums)
            values[key] = {
                "numerator": numerator,
                "denominator": denominator,
                "rate": rate(numerator, denominator),
            }
    return values, flags


def _condition(condition: Condition, *, values: dict, flags: dict, difficult: bool) -> dict:
    key, minimum = condition.for_commune(difficult=difficult)
    if key in FLAG_KEYS:
        return {
            "flag": key,
            "value": flags[key]["value"],
            "gap": flags[key]["gap"],
            "met": flags[key]["value"],
        }
    value = values[key]
    return {
        "indicator": key,
        **value,
        "min": number(minimum),
        "met": meets(value["numerator"], value["denominator"], minimum),
    }


def commune_standards(*, values: dict, flags: dict, rules: Rules, difficult: bool) -> dict:
    """Each programme's level, with every level's conditions (the decisive figures)."""
    reached: dict[str, int] = {}
    out = {}
    for programme, levels in rules.commune.items():
        results, level_reached = [], 0
        for level in levels:
            conditions = [
                _condition(c, values=values, flags=flags, difficult=difficult)
                for c in level.conditions
            ]
            so_far = {**reached, programme: level_reached}
            requires = [
                {"programme": other, "level": needed, "met": so_far.get(other, 0) >= needed}
                for other, needed in level.requires.items()
            ]
            met = all(c["met"] for c in conditions) and all(r["met"] for r in requires)
            results.append(
                {"level": level.level, "met": met, "conditions": conditions, "requires": requires}
            )
            if met and level_reached == level.level - 1:
                level_reached = level.level
        reached[programme] = level_reached
        out[programme] = _programme(programme, level_reached, results)
    return out


def _programme(programme: str, level: int, results: list[dict]) -> dict:
    if programme == "mn5":
        return {"met": level >= 1, "levels": results}
    return {"level": level, "levels": results}


def tier_standards(*, units: list[dict], tier: Tier) -> dict:
    """A district's or province's levels from the share of its units (communes or districts) meeting each level."""
    out = {}
    for programme, shares in tier.min_share.items():
        results, level_reached = [], 0
        for level, minimum in sorted(shares.items()):
            met_count = sum(1 for unit in units if unit["levels"][programme] >= level)
            met = meets(met_count, len(units), minimum)
            results.append(
                {
                    "level": level,
                    "met": met,
                    "units": len(units),
                    "units_met": met_count,
                    "share": rate(met_count, len(units)),
                    "min": number(minimum),
                }
            )
            if met and level_reached == level - 1:
                level_reached = level
        out[programme] = _programme(programme, level_reached, results)
    return out


def levels_of(standards: dict) -> dict[str, int]:
    """``{programme: level}`` (mn5: 1 when met) from a standards block."""
    return {p: (int(s["met"]) if "met" in s else s["level"]) for p, s in standards.items()}


def document(
    *,
    area,
    round_year: int,
    rules: Rules,
    cells: list[dict],
    difficult: bool | None = None,
    units: list[dict] | None = None,
    tier: Tier | None = None,
) -> dict:
    """The figures of one area: a commune's standards from its indicators, a larger area's from its units."""
    values, flags = indicators(cells, rules)
    if units is None:
        standards = commune_standards(
            values=values, flags=flags, rules=rules, difficult=bool(difficult)
        )
    else:
        standards = tier_standards(units=units, tier=tier)
    doc = {
        "area": area.code,
        "area_name": area.name,
        "kind": area.kind,
        "round": round_year,
        "rules": rules.name,
        "rules_version": rules.version,
        "difficult": difficult,
        "cohorts": cohorts(cells, rules),
        "indicators": values,
        "flags": flags,
        "bands": {key: list(spec.ages) for key, spec in rules.indicators.items()},
        "standards": standards,
    }
    if units is not None:
        doc["units_kind"] = tier.units
        doc["units"] = units
    return doc
