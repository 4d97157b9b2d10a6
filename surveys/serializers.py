"""Serializers that describe the wire format v1 for the OpenAPI schema.

Validation itself lives in surveys.validation (one set of rules for the API,
imports and sync); these classes document shapes and parse query parameters.
"""

from rest_framework import serializers

from surveys.models import Disability, Level, Relation, Residence, Sex, Status


class VisitWire(serializers.Serializer):
    round = serializers.IntegerField()
    date = serializers.DateField()


class EnrollmentWire(serializers.Serializer):
    round = serializers.IntegerField()
    level = serializers.ChoiceField(choices=Level.choices)
    grade = serializers.IntegerField(allow_null=True, required=False)
    school = serializers.CharField(allow_blank=True, required=False)


class DroppedOutWire(serializers.Serializer):
    grade = serializers.IntegerField()
    year = serializers.IntegerField()


class MemberWire(serializers.Serializer):
    id = serializers.UUIDField()
    full_name = serializers.CharField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    birth_year = serializers.IntegerField()
    birth_month = serializers.IntegerField(allow_null=True, required=False)
    birth_day = serializers.IntegerField(allow_null=True, required=False)
    ethnicity = serializers.CharField(help_text="2-digit GSO code")
    relation = serializers.ChoiceField(choices=Relation.choices)
    national_id = serializers.CharField(allow_blank=True, required=False)
    guardian_name = serializers.CharField(allow_blank=True, required=False)
    status = serializers.ChoiceField(choices=Status.choices)
    status_year = serializers.IntegerField(allow_null=True, required=False)
    disability = serializers.ChoiceField(choices=Disability.choices)
    preschool_completed_year = serializers.IntegerField(allow_null=True, required=False)
    primary_completed_year = serializers.IntegerField(allow_null=True, required=False)
    lower_secondary_graduated_year = serializers.IntegerField(allow_null=True, required=False)
    upper_secondary_graduated_year = serializers.IntegerField(allow_null=True, required=False)
    highest_grade_completed = serializers.IntegerField()
    literacy_stage = serializers.IntegerField()
    dropped_out = DroppedOutWire(allow_null=True, required=False)
    enrollment = EnrollmentWire(allow_null=True, required=False)
    version = serializers.IntegerField(read_only=True)


class HouseholdWire(serializers.Serializer):
    id = serializers.UUIDField()
    village = serializers.CharField(help_text="village code")
    number = serializers.CharField()
    address = serializers.CharField(allow_blank=True, required=False)
    residence = serializers.ChoiceField(choices=Residence.choices)
    phone = serializers.CharField(allow_blank=True, required=False)
    note = serializers.CharField(allow_blank=True, required=False)
    visit = VisitWire(allow_null=True, required=False)
    members = MemberWire(many=True)
    version = serializers.IntegerField(
        required=False, help_text="send the version you edited; a stale one is a 409"
    )


class HouseholdListFilter(serializers.Serializer):
    round = serializers.IntegerField(required=False, min_value=1900, max_value=2200)
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)
    village = serializers.CharField(required=False, allow_blank=True, max_length=32)
    not_visited = serializers.BooleanField(required=False, default=False)


class RoundParam(serializers.Serializer):
    round = serializers.IntegerField(required=False, min_value=1900, max_value=2200)
