from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("迎检准备")

    def ready(self):
        # Material deadlines raise alerts through the same machinery as findings and tasks.
        from notifications.registry import register

        register(self.get_model("MaterialAssignment"))
