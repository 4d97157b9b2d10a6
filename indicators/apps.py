from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Indicators and standards")

    def ready(self):
        from indicators.tasks import changes_committed
        from surveys.recording import on_changes_committed

        on_changes_committed(changes_committed)
