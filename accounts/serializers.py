"""Input and output shapes of the team API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class SurveyorOutput(serializers.Serializer):
    id = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    full_name = serializers.CharField(source="name")
    phone = serializers.CharField()
    school = serializers.CharField()
    active = serializers.BooleanField(source="user.is_active")
    must_change_password = serializers.BooleanField()
    villages = serializers.SerializerMethodField()

    def get_villages(self, member) -> list[str]:
        return [v.code for v in member.villages]


class VillageOutput(serializers.Serializer):
    code = serializers.CharField(source="village.code")
    name = serializers.CharField(source="village.name")
    visited = serializers.IntegerField()
    total = serializers.IntegerField()
    surveyors = serializers.SerializerMethodField()

    def get_surveyors(self, row) -> list[str]:
        return [m.user.username for m in row.surveyors]


class TeamOutput(serializers.Serializer):
    commune = serializers.CharField(source="commune.code")
    commune_name = serializers.CharField(source="commune.name")
    round = serializers.IntegerField()
    villages = VillageOutput(many=True)
    surveyors = SurveyorOutput(many=True, source="members")


class SurveyorCreateInput(serializers.Serializer):
    full_name = serializers.CharField(max_length=150)
    username = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    school = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    villages = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, default=list
    )


class SurveyorUpdateInput(serializers.Serializer):
    full_name = serializers.CharField(max_length=150, required=False)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    school = serializers.CharField(max_length=200, required=False, allow_blank=True)
    active = serializers.BooleanField(
        required=False, help_text=_("false deactivates the account, true reactivates it")
    )


class VillagesInput(serializers.Serializer):
    villages = serializers.ListField(child=serializers.CharField(max_length=32), allow_empty=True)


class SurveyorCreatedOutput(SurveyorOutput):
    password = serializers.CharField(help_text=_("The generated first password, shown this once."))


class PasswordOutput(serializers.Serializer):
    password = serializers.CharField(help_text=_("The generated password, shown this once."))


class EventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    action = serializers.CharField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    target = serializers.CharField(source="target_username")
    area = serializers.CharField(source="area.code", allow_null=True, default=None)
    details = serializers.JSONField()
