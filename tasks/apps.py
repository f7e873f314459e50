from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("任务分解")

    def ready(self):
        # Overdue tasks raise alerts through the same machinery as findings.
        from notifications.registry import register

        register(self.get_model("Task"))
