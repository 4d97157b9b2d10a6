from django.contrib import admin

from reports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "area",
        "round",
        "status",
        "progress",
        "created_by",
        "created_at",
        "expires_at",
    )
    list_filter = ("status", "kind", "round")
    search_fields = ("area__code", "area__name", "created_by__username", "filename")
    readonly_fields = [f.name for f in ExportJob._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
