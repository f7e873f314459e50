from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("督查整改")

    def ready(self):
        # Findings raise deadline alerts (yellow / red / escalated) through the
        # notifications app's detect and send jobs.
        if apps.is_installed("notifications"):
            from notifications.registry import register

            from .models import Finding

            register(Finding)
