"""Shapes of the sync protocol for the OpenAPI schema and query parsing."""

from rest_framework import serializers

from sync.ops import KINDS, MAX_OPS


class OpInput(serializers.Serializer):
    op_id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=KINDS)
    entity_id = serializers.UUIDField()
    base_version = serializers.IntegerField(allow_null=True, min_value=1)
    base = serializers.DictField(required=False, help_text="the fields as last pulled")
    data = serializers.DictField(help_text="the changed fields (wire format names)")
    at = serializers.IntegerField(
        required=False, help_text="device time of the edit (ms), orders one device's edits"
    )
    reason = serializers.CharField(
        required=False, max_length=500, help_text="why: needed after the commune's sign-off"
    )


class PushInput(serializers.Serializer):
    device = serializers.UUIDField()
    round = serializers.IntegerField(required=False, min_value=1900, max_value=2200)
    ops = serializers.ListField(child=OpInput(), max_length=MAX_OPS)


class OpResultOutput(serializers.Serializer):
    op_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["applied", "duplicate", "conflict", "rejected"])
    version = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    server = serializers.DictField(allow_null=True)
    conflict_id = serializers.UUIDField(required=False)
    warnings = serializers.DictField(required=False)
    retry = serializers.BooleanField(
        required=False, help_text="not recorded: send the same operation again later"
    )
    signed_off = serializers.BooleanField(
        required=False,
        help_text="the commune is signed off: kept on the phone until reopened or sent with a reason",
    )


class PushOutput(serializers.Serializer):
    results = OpResultOutput(many=True)
    cursor = serializers.IntegerField()


class PullParams(serializers.Serializer):
    cursor = serializers.IntegerField(required=False, min_value=0, default=0)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=500)
    device = serializers.UUIDField(required=False)
    round = serializers.IntegerField(required=False, min_value=1900, max_value=2200)


class ChangeOutput(serializers.Serializer):
    seq = serializers.IntegerField(required=False)
    entity = serializers.ChoiceField(choices=["household", "resident"])
    id = serializers.UUIDField()
    deleted = serializers.BooleanField()
    version = serializers.IntegerField(required=False)
    reason = serializers.CharField(required=False, help_text="scope: no longer in your villages")
    data = serializers.DictField(required=False, allow_null=True)


class PullOutput(serializers.Serializer):
    changes = ChangeOutput(many=True)
    cursor = serializers.IntegerField()
    more = serializers.BooleanField()
    reset = serializers.BooleanField()
    round = serializers.IntegerField()
    villages = serializers.ListField(child=serializers.CharField())


class ConflictOutput(serializers.Serializer):
    id = serializers.UUIDField()
    entity = serializers.CharField()
    entity_id = serializers.UUIDField()
    household_id = serializers.UUIDField()
    village = serializers.CharField(source="village.code")
    round = serializers.IntegerField(source="round_year")
    kind = serializers.CharField()
    fields = serializers.DictField()
    mine = serializers.DictField()
    op_id = serializers.UUIDField()
    user = serializers.CharField(source="user.username", allow_null=True, default=None)
    status = serializers.CharField()
    resolution = serializers.JSONField(allow_null=True)
    resolved_by = serializers.CharField(
        source="resolved_by.username", allow_null=True, default=None
    )
    resolved_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class ConflictFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=["open", "resolved"], required=False)


class ResolveInput(serializers.Serializer):
    fields = serializers.DictField(
        required=False, help_text='{field: "mine" | "theirs" | {"value": …}}'
    )
    choice = serializers.ChoiceField(
        choices=["mine", "theirs"], required=False, help_text="for delete conflicts"
    )
    reason = serializers.CharField(
        required=False, max_length=500, help_text="why: needed after the commune's sign-off"
    )
