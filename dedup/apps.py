from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DedupConfig(AppConfig):
    name = "dedup"
    verbose_name = _("Duplicates and moves")

    def ready(self) -> None:
        from dedup.listeners import register

        register()
