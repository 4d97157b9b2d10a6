"""Why a level is not met, in the reader's language ("tỷ lệ trẻ 6 tuổi vào lớp 1 đạt 93,10% < 95%").

Stored figures carry numbers only; the reasons are rendered when the figures are
read. A rate in a reason is shown with 2 decimals, rounded down only where rounding
up would make it read as the threshold it misses (94.996% shows as 94,99% < 95%).
"""

import copy
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.rules import INDICATOR_KEYS

LABELS = {
    "mn5_attending": gettext_lazy("rate of %(ages)s-year-olds attending preschool"),
    "mn5_completed": gettext_lazy("rate of %(ages)s-year-olds who completed preschool"),
    "th_grade1_at6": gettext_lazy("rate of %(ages)s-year-olds entering grade 1"),
    "th_completed_at11": gettext_lazy("rate of %(ages)s-year-olds who completed primary"),
    "th_completed_11_14": gettext_lazy("rate of %(ages)s-year-olds who completed primary"),
    "thcs_graduated_15_18": gettext_lazy(
        "rate of %(ages)s-year-olds with the lower-secondary diploma"
    ),
    "thcs_upper_track_15_18": gettext_lazy(
        "rate of %(ages)s-year-olds in upper-secondary, continuing or vocational education"
    ),
    "lit1_15_25": gettext_lazy("rate of people aged %(ages)s literate at level 1"),
    "lit1_15_35": gettext_lazy("rate of people aged %(ages)s literate at level 1"),
    "lit2_15_35": gettext_lazy("rate of people aged %(ages)s literate at level 2"),
    "lit2_15_60": gettext_lazy("rate of people aged %(ages)s literate at level 2"),
}
PROGRAMMES = {
    "mn5": gettext_lazy("universal preschool education for 5-year-olds"),
    "primary": gettext_lazy("universal primary education"),
    "lower_secondary": gettext_lazy("universal lower-secondary education"),
    "literacy": gettext_lazy("literacy"),
}
UNITS = {
    "communes": gettext_lazy("communes"),
    "districts": gettext_lazy("districts and communes directly under the city"),
}


def rate_text(value, *, missing=None) -> str:
    """A rate the local way with 2 decimals: 93,10% (vi), 93.10% (en).

    Next to a threshold it misses (``missing``), a rate that would round up to the
    threshold is rounded down instead, so 94.996% reads 94,99% < 95%, never 95,00% < 95%.
    """
    number = Decimal(str(value))
    shown = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if missing is not None and shown >= Decimal(str(missing)):
        shown = number.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return f"{number_format(shown, 2)}%"


def threshold_text(value) -> str:
    """A threshold without needless decimals: 95%, 81%, 95,5%."""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return f"{number_format(int(number))}%"
    return f"{number_format(number.normalize())}%"


def ages_text(ages: list[int]) -> str:
    first, last = ages
    return str(first) if first == last else f"{first}–{last}"


def indicator_label(key: str, ages: list[int]) -> str:
    return str(LABELS[key]) % {"ages": ages_text(ages)}


def _condition_reason(condition: dict, *, ages: dict) -> str:
    if "flag" in condition:
        first = ages[condition["flag"]][0]
        return _(
            "%(count)d children aged %(age)d have not completed primary and are not in primary school"
        ) % {
            "count": condition["gap"],
            "age": first,
        }
    label = indicator_label(condition["indicator"], ages[condition["indicator"]])
    if not condition["denominator"]:
        return _("%(label)s: nobody of that age") % {"label": label}
    return _("%(label)s is %(rate)s < %(min)s") % {
        "label": label,
        "rate": rate_text(condition["rate"], missing=condition["min"]),
        "min": threshold_text(condition["min"]),
    }


def _requirement_reason(requirement: dict) -> str:
    return _("needs %(programme)s level %(level)d") % {
        "programme": PROGRAMMES[requirement["programme"]],
        "level": requirement["level"],
    }


def _unit_reason(result: dict, *, programme: str, units_kind: str) -> str:
    if not result["units"]:
        return _("no %(units)s to judge") % {"units": UNITS[units_kind]}
    return _(
        "share of %(units)s meeting %(programme)s level %(level)d is %(share)s (%(met)d/%(total)d) < %(min)s"
    ) % {
        "units": UNITS[units_kind],
        "programme": PROGRAMMES[programme],
        "level": result["level"],
        "share": rate_text(result["share"], missing=result["min"]),
        "met": result["units_met"],
        "total": result["units"],
        "min": threshold_text(result["min"]),
    }


def _next_level(standard: dict) -> dict | None:
    reached = int(standard["met"]) if "met" in standard else standard["level"]
    return standard["levels"][reached] if reached < len(standard["levels"]) else None


def reasons(standard: dict, *, programme: str, ages: dict, units_kind: str | None) -> list[str]:
    """Why the next level (or mn5) is not met; empty at the top level."""
    result = _next_level(standard)
    if result is None:
        return []
    if units_kind is not None:
        return [_unit_reason(result, programme=programme, units_kind=units_kind)]
    found = [_requirement_reason(r) for r in result["requires"] if not r["met"]]
    return found + [_condition_reason(c, ages=ages) for c in result["conditions"] if not c["met"]]


TOP_ORDER = (
    "area",
    "area_name",
    "kind",
    "round",
    "rules",
    "rules_version",
    "difficult",
    "cohorts",
    "indicators",
    "flags",
    "bands",
    "standards",
    "units_kind",
    "units",
)
PROGRAMME_ORDER = ("mn5", "primary", "lower_secondary", "literacy")


def _ordered(figures: dict) -> dict:
    """The stored figures in a stable order (PostgreSQL's jsonb does not keep key order)."""
    out = {key: figures[key] for key in TOP_ORDER if key in figures}
    out["cohorts"] = {
        str(age): figures["cohorts"][str(age)] for age in sorted(map(int, figures["cohorts"]))
    }
    out["indicators"] = {
        key: figures["indicators"][key] for key in INDICATOR_KEYS if key in figures["indicators"]
    }
    out["standards"] = {
        p: figures["standards"][p] for p in PROGRAMME_ORDER if p in figures["standards"]
    }
    return out


def explained(figures: dict) -> dict:
    """A copy of stored figures, in a stable order, with ``reasons`` (and ``next_level``) on each programme."""
    out = _ordered(copy.deepcopy(figures))
    ages = out["bands"]
    for programme, standard in out["standards"].items():
        standard["reasons"] = reasons(
            standard, programme=programme, ages=ages, units_kind=out.get("units_kind")
        )
        if programme != "mn5":
            next_result = _next_level(standard)
            standard["next_level"] = next_result["level"] if next_result else None
    return out
