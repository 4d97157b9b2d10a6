"""Shapes of the register's API (for the OpenAPI schema and input parsing)."""

from rest_framework import serializers

from surveys.models import Status


class RegisterSearchParams(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, help_text="name, or part of it; diacritics optional"
    )
    birth_year = serializers.IntegerField(required=False)
    household_number = serializers.CharField(
        required=False, allow_blank=True, help_text="exact household number"
    )
    village = serializers.CharField(required=False, allow_blank=True, help_text="village code")
    national_id = serializers.CharField(
        required=False, allow_blank=True, help_text="roles allowed to see IDs only"
    )
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    page = serializers.IntegerField(required=False)
    page_size = serializers.IntegerField(required=False)


class RegisterPlaceOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    village = serializers.CharField(help_text="village code")
    village_name = serializers.CharField()
    commune = serializers.CharField(help_text="commune code")
    commune_name = serializers.CharField()


class RegisterPersonOutput(serializers.Serializer):
    id = serializers.UUIDField()
    full_name = serializers.CharField()
    sex = serializers.CharField()
    birth_year = serializers.IntegerField()
    birth_date = serializers.CharField(help_text="dd/mm/yyyy, or mm/yyyy or yyyy when partly known")
    relation = serializers.CharField()
    status = serializers.CharField()
    national_id = serializers.CharField(
        help_text="masked unless the role may see national ID numbers"
    )
    version = serializers.IntegerField()
    household = RegisterPlaceOutput()


class RegisterPeoplePage(serializers.Serializer):
    count = serializers.IntegerField()
    count_capped = serializers.BooleanField(
        help_text="true: there are more matches than count; narrow the search"
    )
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = RegisterPersonOutput(many=True)


class RegisterHouseholdOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    address = serializers.CharField()
    village = serializers.CharField()
    village_name = serializers.CharField()
    commune = serializers.CharField()
    commune_name = serializers.CharField()
    version = serializers.IntegerField()


class RegisterHouseholdsPage(serializers.Serializer):
    count = serializers.IntegerField()
    count_capped = serializers.BooleanField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = RegisterHouseholdOutput(many=True)


class RegisterCorrectionInput(serializers.Serializer):
    entity = serializers.ChoiceField(choices=["resident", "household"])
    entity_id = serializers.UUIDField()
    base_version = serializers.IntegerField(min_value=1, help_text="the version shown")
    base = serializers.DictField(help_text="the values shown, for every changed field (wire names)")
    changes = serializers.DictField(help_text="the new values (wire names)")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="why; required after the commune's sign-off",
    )
    round = serializers.IntegerField(required=False, min_value=1900, max_value=2200)


class RegisterUndoInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class RegisterCorrectionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    entity = serializers.CharField()
    entity_id = serializers.UUIDField()
    household_id = serializers.UUIDField()
    round = serializers.IntegerField(source="round_year")
    base_version = serializers.IntegerField()
    base = serializers.DictField()
    changes = serializers.DictField()
    applied = serializers.DictField(help_text="{field: [old, new]} actually written")
    reason = serializers.CharField()
    status = serializers.CharField(help_text="applied | conflict | unchanged")
    conflict_id = serializers.UUIDField(allow_null=True)
    version_after = serializers.IntegerField(allow_null=True)
    op_id = serializers.UUIDField()
    source = serializers.CharField(
        help_text="Change.source of its changes: register:<id> or bulk:<id>"
    )
    undo_of = serializers.IntegerField(source="undo_of_id", allow_null=True)
    bulk = serializers.IntegerField(source="bulk_id", allow_null=True)


class RegisterBulkInput(serializers.Serializer):
    selection = serializers.DictField(
        help_text='{"ids": [uuid, …]} or {"search": {q, birth_year, village, …}}'
    )
    change = serializers.DictField(
        help_text='{"set": {"enrollment.school": "…"}} or {"set": {"status": "moved_out", "status_year": 2025}}'
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
    round = serializers.IntegerField(required=False, min_value=1900, max_value=2200)


class RegisterBulkRowOutput(serializers.Serializer):
    resident = serializers.UUIDField()
    full_name = serializers.CharField()
    household_number = serializers.CharField()
    state = serializers.CharField(help_text="ok | invalid | unchanged")
    changes = serializers.DictField(help_text="{field: [old, new]}")
    errors = serializers.DictField()


class RegisterBulkPreviewOutput(serializers.Serializer):
    total = serializers.IntegerField()
    ok = serializers.IntegerField()
    invalid = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    needs_reason = serializers.BooleanField()
    rows = RegisterBulkRowOutput(many=True)


class RegisterBulkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    round = serializers.IntegerField(source="round_year")
    selection = serializers.DictField()
    change = serializers.DictField()
    reason = serializers.CharField()
    total = serializers.IntegerField()
    applied = serializers.IntegerField()
    conflicts = serializers.IntegerField()
    skipped = serializers.IntegerField()
    report = serializers.ListField(child=serializers.DictField())
    source = serializers.CharField()
    undo_of = serializers.IntegerField(source="undo_of_id", allow_null=True)
