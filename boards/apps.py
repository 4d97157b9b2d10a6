from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardsConfig(AppConfig):
    name = "boards"
    verbose_name = _("Live boards")

    def ready(self) -> None:
        from boards.feed import remember
        from boards.listeners import register
        from server.events import on_publish

        register()
        on_publish(remember)
