import importlib

from django.apps import apps

from indicators.models import Indicator, Measure, Standard, StandardNode

migration = importlib.import_module("indicators.migrations.0006_english_names_and_split_measures")


def as_before_the_split(garden, eco):
    """The database as an older release left it: shared measures, no English names."""
    eco.indicators.filter(code="9").update(measure=Measure.objects.get(key="park_service_coverage"))
    garden.indicators.filter(code="2.13").update(measure=Measure.objects.get(key="shaded_road_rate"))
    Measure.objects.filter(key__in=["park_activity_service_coverage", "shaded_road_promotion_rate"]).delete()
    for model in (Measure, StandardNode, Indicator):
        model.objects.update(name_en="")
    Standard.objects.update(title_en="")


class EnglishNamesMigrationTests:
    def test_it_moves_the_two_indicators_to_their_own_measures(self, garden, eco):
        as_before_the_split(garden, eco)
        migration.forward(apps, None)
        assert eco.indicators.get(code="9").measure.key == "park_activity_service_coverage"
        assert garden.indicators.get(code="2.13").measure.key == "shaded_road_promotion_rate"
        assert garden.indicators.get(code="2.6").measure.key == "park_service_coverage"
        assert eco.indicators.get(code="10").measure.key == "shaded_road_rate"

    def test_it_fills_english_names_but_keeps_the_offices_corrections(self, garden, eco):
        as_before_the_split(garden, eco)
        garden.indicators.filter(code="2.1").update(name="建成区绿化覆盖率（省级口径）")
        garden.indicators.filter(code="2.2").update(name_en="Green space ratio")
        migration.forward(apps, None)
        assert garden.indicators.get(code="1.9").name_en == "Public satisfaction with urban landscaping"
        assert garden.indicators.get(code="2.1").name_en == ""  # renamed by the office: not the shipped row
        assert garden.indicators.get(code="2.2").name_en == "Green space ratio"
        assert eco.nodes.get(level=2, code="6").name_en == "Park service"
        assert Measure.objects.get(key="sewage_treatment_rate").name_en == "Urban sewage treatment rate"
        assert Standard.objects.get(code="eco-garden-2022").title_en == "National Eco-Garden City Evaluation Standard"
