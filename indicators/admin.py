from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from indicators.models import AreaFigures, RuleSet, Snapshot
from indicators.rules import RulesInvalid, rules_parse


class RuleSetForm(forms.ModelForm):
    class Meta:
        model = RuleSet
        fields = ["name", "version", "description", "params"]

    def clean(self):
        data = super().clean()
        params = data.get("params")
        if isinstance(params, dict):
            if params.get("name") != data.get("name") or params.get("version") != data.get(
                "version"
            ):
                raise forms.ValidationError(_("The document's name and version must be the row's."))
            try:
                rules_parse(params)
            except RulesInvalid as exc:
                raise forms.ValidationError(str(exc)) from None
        return data


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    """New versions may be added; a stored version is never changed (figures and snapshots name it)."""

    form = RuleSetForm
    list_display = ["name", "version", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AreaFigures)
class AreaFiguresAdmin(ReadOnlyAdmin):
    list_display = [
        "area",
        "round",
        "rules",
        "mn5_level",
        "primary_level",
        "lower_secondary_level",
        "literacy_level",
        "computed_at",
    ]
    list_filter = ["round", "rules"]
    list_select_related = ["area", "rules"]
    search_fields = ["area__code", "area__name"]


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ["area", "round", "rules", "frozen_at", "frozen_by_name", "note"]
    list_filter = ["round"]
    list_select_related = ["area", "rules"]
    search_fields = ["area__code", "area__name"]
