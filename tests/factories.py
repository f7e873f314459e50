"""Small builders for tests that need a standard without loading the shipped fixtures."""
from decimal import Decimal

from indicators.models import Indicator, Measure, Standard, StandardNode, Threshold


def make_standard(code="test-std", title="测试标准"):
    standard = Standard.objects.create(code=code, title=title, version="v1")
    aspect = StandardNode.objects.create(standard=standard, level=1, code="1", name="绿地建设")
    return standard, aspect


def make_indicator(standard, node, code, name, *, measure_key=None, unit="%", kind=Indicator.Kind.BASIC,
                   aggregation=Indicator.Aggregation.CITY, thresholds=(), qualitative=False, order=0):
    measure, _ = Measure.objects.get_or_create(
        key=measure_key or f"m_{code.replace('.', '_')}", defaults={"name": name, "unit": unit, "is_qualitative": qualitative}
    )
    indicator = Indicator.objects.create(
        standard=standard, node=node, code=code, name=name, unit=unit, kind=kind, measure=measure,
        aggregation=aggregation, order=order,
    )
    for i, spec in enumerate(thresholds):
        spec = dict(spec)
        if spec.get("value") is not None:
            spec["value"] = Decimal(str(spec["value"]))
        Threshold.objects.create(indicator=indicator, order=i, **spec)
    return indicator
