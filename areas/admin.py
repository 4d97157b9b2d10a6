from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from areas.models import Area, AreaDifficulty, Membership

admin.site.site_header = _("PCGD-XMC survey administration")
admin.site.site_title = _("PCGD-XMC survey")
admin.site.index_title = _("Areas, users and rounds")


class AreaDifficultyInline(admin.TabularInline):
    model = AreaDifficulty
    extra = 0


class AreaForm(forms.ModelForm):
    class Meta:
        model = Area
        fields = [
            "code",
            "name",
            "kind",
            "parent",
            "difficult",
            "valid_from",
            "valid_to",
            "replaced_by",
        ]

    def clean(self):
        from areas.services import area_shape_error

        cleaned = super().clean()
        kind, parent = cleaned.get("kind"), cleaned.get("parent")
        if kind:
            error = area_shape_error(kind=kind, parent=parent)
            if error:
                self.add_error("parent", error)
        if parent is not None and self.instance.pk and parent.path.startswith(self.instance.path):
            self.add_error("parent", _("An area cannot stand under itself."))
        return cleaned


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    form = AreaForm
    list_display = ["code", "name", "kind", "parent", "difficult", "valid_from", "valid_to"]
    list_filter = ["kind", "difficult"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "replaced_by"]
    inlines = [AreaDifficultyInline]
    list_select_related = ["parent"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        from areas.services import area_refresh_path

        area_refresh_path(area=obj)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "area", "created_at"]
    list_filter = ["role"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "area__code",
        "area__name",
    ]
    autocomplete_fields = ["user", "area"]
    list_select_related = ["user", "area"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["area"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PcgdUserAdmin(UserAdmin):
    inlines = [MembershipInline]
