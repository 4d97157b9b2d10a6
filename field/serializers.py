"""Shapes of the field app's API for the OpenAPI schema and input parsing."""

from rest_framework import serializers


class RulesParams(serializers.Serializer):
    lang = serializers.ChoiceField(
        choices=["vi", "en"], required=False, help_text="language of messages and labels"
    )


class RulesOutput(serializers.Serializer):
    version = serializers.IntegerField()
    round = serializers.CharField(
        help_text='the placeholder that stands for the survey round\'s year ("round")'
    )
    messages = serializers.DictField(
        child=serializers.CharField(), help_text="message templates by key"
    )
    choices = serializers.DictField(help_text="value/label lists by choice name")
    extra_keys = serializers.ListField(child=serializers.CharField())
    household = serializers.DictField()
    visit = serializers.DictField()
    member = serializers.DictField()
    dropped_out = serializers.DictField()
    enrollment = serializers.DictField()
    form = serializers.DictField(help_text="what the form offers by age")


class RosterSizeOutput(serializers.Serializer):
    households = serializers.IntegerField()
    residents = serializers.IntegerField()


class PhotoInput(serializers.Serializer):
    id = serializers.UUIDField(
        help_text="made on the phone: the same id again returns the stored photo"
    )
    photo = serializers.FileField(help_text="JPEG, PNG or WebP, at most 8 MB")
    round = serializers.IntegerField(required=False, min_value=1900, max_value=2200)


class PhotoOutput(serializers.Serializer):
    id = serializers.UUIDField()
    household = serializers.UUIDField(source="household_id")
    round = serializers.IntegerField(source="round_year")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    size = serializers.IntegerField()
    uploaded_by = serializers.CharField(
        source="uploaded_by.username", allow_null=True, default=None
    )
    created_at = serializers.DateTimeField()
