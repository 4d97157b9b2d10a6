from django.contrib import admin

from surveys.models import Round


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["year", "is_open", "created_at"]
    list_editable = ["is_open"]
