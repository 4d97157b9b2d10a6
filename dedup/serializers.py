"""Input and output shapes of the review-queue API (also the OpenAPI schema)."""

from rest_framework import serializers

from dedup.models import PairStatus
from dedup.selectors import STATUSES

STATUS_HELP = "open, same, different or moved"


def side_field(**kwargs) -> serializers.RegexField:
    """ "left" or "right" (a plain pattern: one choice set under many names upsets the schema's enums)."""
    return serializers.RegexField(r"^(left|right)$", **kwargs)


class PairListFilter(serializers.Serializer):
    status = serializers.CharField(default=PairStatus.OPEN, help_text=f"{STATUS_HELP}, or all")

    def validate_status(self, value: str) -> str:
        if value not in STATUSES:
            raise serializers.ValidationError(f"{STATUS_HELP}, or all")
        return value

    area = serializers.CharField(
        required=False, allow_blank=True, help_text="only pairs touching this area"
    )
    round = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class RoundParam(serializers.Serializer):
    round = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class RecordPlace(serializers.Serializer):
    id = serializers.UUIDField()
    full_name = serializers.CharField()
    birth_year = serializers.IntegerField()
    household_number = serializers.CharField()
    village = serializers.CharField()
    village_name = serializers.CharField()
    commune = serializers.CharField()
    commune_name = serializers.CharField()
    deleted = serializers.BooleanField()


class PairSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text=STATUS_HELP)
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    auto = serializers.BooleanField()
    left = RecordPlace()
    right = RecordPlace()


class DecisionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    auto = serializers.BooleanField()
    undone = serializers.BooleanField()
    user = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    note = serializers.CharField(allow_blank=True)
    fields = serializers.DictField()
    before = serializers.DictField()
    after = serializers.DictField()


class PairDetailOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text=STATUS_HELP)
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    auto = serializers.BooleanField()
    round = serializers.IntegerField()
    left = serializers.DictField(
        help_text="the record in wire format, with household_number, village, commune"
    )
    right = serializers.DictField()
    differences = serializers.ListField(child=serializers.CharField())
    suggested_survivor = side_field()
    survivor = serializers.UUIDField(allow_null=True)
    absorbed = serializers.UUIDField(allow_null=True)
    decisions = DecisionOutput(many=True)


class DecideInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=("same", "different", "moved"))
    survivor = side_field(required=False, help_text="same: the record that stays (left or right)")
    fields = serializers.DictField(
        child=side_field(),
        required=False,
        default=dict,
        help_text="same: the side whose value each field takes (default: the survivor's, blanks filled)",
    )
    moved_out = side_field(
        required=False, help_text="moved: the record the person left (left or right)"
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class UndoInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
