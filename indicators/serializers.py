"""Shapes of the indicators API (they document the schema; the figures are built in indicators.figures)."""

from rest_framework import serializers

from indicators.rules import FLAG_KEYS, INDICATOR_KEYS
from surveys.models import Sex

RATE_HELP = (
    "percentage 0–100, unrounded (numerator × 100 / denominator); null when the denominator is 0. "
    "Thresholds are compared exactly on numerator and denominator; show it with 2 decimals."
)


class FiguresParams(serializers.Serializer):
    round = serializers.IntegerField(
        required=False,
        min_value=1900,
        max_value=2200,
        help_text="survey round; default: the current round",
    )
    rules = serializers.CharField(
        required=False, max_length=64, help_text="rule set name; default nd20-2014"
    )


class PageParams(FiguresParams):
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=500)


class IndicatorValueOutput(serializers.Serializer):
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField(help_text="the PPC of the cohort")
    rate = serializers.FloatField(allow_null=True, help_text=RATE_HELP)


IndicatorsOutput = type(
    "IndicatorsOutput",
    (serializers.Serializer,),
    {
        **{key: IndicatorValueOutput() for key in INDICATOR_KEYS if key not in FLAG_KEYS},
        **{key: serializers.BooleanField() for key in FLAG_KEYS},
        "__doc__": "Every indicator of DOMAIN.md §6; th_11_rest_in_primary is a boolean.",
    },
)


class CohortOutput(serializers.Serializer):
    total = serializers.IntegerField()
    female = serializers.IntegerField()
    minority = serializers.IntegerField()
    female_minority = serializers.IntegerField()
    disabled = serializers.IntegerField()
    ppc = serializers.IntegerField(
        help_text="số phải phổ cập: total minus the disabilities the rule set excludes"
    )


class FlagOutput(serializers.Serializer):
    value = serializers.BooleanField()
    gap = serializers.IntegerField(help_text="people who break the rule")
    denominator = serializers.IntegerField()
    ages = serializers.ListField(child=serializers.IntegerField())


class ConditionOutput(serializers.Serializer):
    indicator = serializers.CharField(required=False)
    flag = serializers.CharField(required=False)
    numerator = serializers.IntegerField(required=False)
    denominator = serializers.IntegerField(required=False)
    rate = serializers.FloatField(required=False, allow_null=True, help_text=RATE_HELP)
    min = serializers.FloatField(
        required=False, help_text="threshold in percent (the ĐBKK one for an ĐBKK commune)"
    )
    value = serializers.BooleanField(required=False)
    gap = serializers.IntegerField(required=False)
    met = serializers.BooleanField()


class RequirementOutput(serializers.Serializer):
    programme = serializers.CharField()
    level = serializers.IntegerField()
    met = serializers.BooleanField()


class LevelOutput(serializers.Serializer):
    level = serializers.IntegerField()
    met = serializers.BooleanField()
    conditions = ConditionOutput(many=True, required=False, help_text="a commune's conditions")
    requires = RequirementOutput(
        many=True, required=False, help_text="levels of other programmes needed"
    )
    units = serializers.IntegerField(
        required=False, help_text="a district's or city's units judged"
    )
    units_met = serializers.IntegerField(required=False)
    share = serializers.FloatField(
        required=False, allow_null=True, help_text="percent of units meeting the level"
    )
    min = serializers.FloatField(required=False)


class ProgrammeOutput(serializers.Serializer):
    met = serializers.BooleanField(required=False, help_text="mn5 only")
    level = serializers.IntegerField(
        required=False, help_text="0 = not met; every programme but mn5"
    )
    next_level = serializers.IntegerField(required=False, allow_null=True)
    levels = LevelOutput(many=True)
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="why the next level is not met"
    )


class StandardsOutput(serializers.Serializer):
    mn5 = ProgrammeOutput()
    primary = ProgrammeOutput()
    literacy = ProgrammeOutput()
    lower_secondary = ProgrammeOutput()


class UnitOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    levels = serializers.DictField(child=serializers.IntegerField())


class FiguresOutput(serializers.Serializer):
    area = serializers.CharField(help_text="area code")
    area_name = serializers.CharField()
    kind = serializers.CharField()
    round = serializers.IntegerField()
    rules = serializers.CharField(help_text="rule set name")
    rules_version = serializers.IntegerField()
    difficult = serializers.BooleanField(allow_null=True, help_text="ĐBKK (communes only)")
    cohorts = serializers.DictField(child=CohortOutput(), help_text="keyed by single age 0–60")
    indicators = IndicatorsOutput()
    flags = serializers.DictField(child=FlagOutput())
    bands = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="each indicator's ages",
    )
    standards = StandardsOutput()
    units_kind = serializers.CharField(
        required=False, help_text="districts and cities: what the shares are of"
    )
    units = UnitOutput(many=True, required=False)
    computed_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text="a commune changed since; a refresh is on its way")


class PersonOutput(serializers.Serializer):
    id = serializers.UUIDField()
    full_name = serializers.CharField()
    birth_year = serializers.IntegerField()
    age = serializers.IntegerField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    household = serializers.UUIDField()
    household_number = serializers.CharField()
    village = serializers.CharField()
    village_name = serializers.CharField()
    commune = serializers.CharField()


class PersonPage(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PersonOutput(many=True)


class SnapshotInput(serializers.Serializer):
    round = serializers.IntegerField(required=False, min_value=1900, max_value=2200)
    rules = serializers.CharField(required=False, max_length=64)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class SnapshotOutput(serializers.Serializer):
    id = serializers.IntegerField()
    area = serializers.CharField(source="area.code")
    round = serializers.IntegerField(source="round_id")
    rules = serializers.CharField(source="rules.name")
    rules_version = serializers.IntegerField(source="rules.version")
    note = serializers.CharField()
    frozen_at = serializers.DateTimeField()
    frozen_by = serializers.CharField(source="frozen_by_name")


class SnapshotPage(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SnapshotOutput(many=True)


class SnapshotChangeOutput(serializers.Serializer):
    indicators = serializers.DictField(
        child=serializers.DictField(), help_text="indicator → {frozen, current}"
    )
    standards = serializers.DictField(
        child=serializers.DictField(), help_text="programme → {frozen, current}"
    )


class SnapshotDetailOutput(SnapshotOutput):
    figures = FiguresOutput()
    changes = SnapshotChangeOutput(help_text="what differs in today's figures")


class RuleSetOutput(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.IntegerField()
    description = serializers.CharField()
    params = serializers.JSONField()
