"""Admin: the audit read-only, the surveyor profile inside the user page (superusers and city staff)."""

from django.contrib import admin
from django.contrib.auth import get_user_model

from accounts.models import AccountEvent, ImportJob, Profile
from areas.admin import PcgdUserAdmin


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "target_username", "actor", "area"]
    list_filter = ["action"]
    search_fields = ["target_username", "actor__username", "area__code", "area__name"]
    list_select_related = ["actor", "area"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "filename", "area", "created_by", "status", "finished_at"]
    list_filter = ["status"]
    exclude = ["rows"]
    readonly_fields = [
        "area",
        "created_by",
        "filename",
        "status",
        "report",
        "summary",
        "error",
        "finished_at",
    ]

    def has_add_permission(self, request):
        return False


class ProfileInline(admin.StackedInline):
    model = Profile
    fk_name = "user"
    extra = 0
    max_num = 1
    fields = ["commune", "phone", "school", "must_change_password"]
    autocomplete_fields = ["commune"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AccountsUserAdmin(PcgdUserAdmin):
    inlines = [*PcgdUserAdmin.inlines, ProfileInline]
