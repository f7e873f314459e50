from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("指标与创建")

    def ready(self):
        import openpyxl

        # openpyxl parses untrusted uploads; it only uses defusedxml when it is installed.
        assert openpyxl.DEFUSEDXML, "defusedxml must be installed so openpyxl parses uploads safely"
