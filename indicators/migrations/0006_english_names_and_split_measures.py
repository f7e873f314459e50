"""Existing databases: English names for the shipped rows, and §6's separate measures.

Fresh databases get both from `load_standards`; this brings an older database in line
without overwriting the office's corrections: an English name is filled only where it is
blank and the Chinese name is still the shipped one, and an indicator is moved to its own
measure only while it still points at the shared one. Values are not copied to the new
measures: they were measured under the other standard's definition.
"""
import json
from pathlib import Path

from django.conf import settings
from django.db import migrations

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "standards"
SPLITS = [
    # (standard code, indicator code, shared measure it leaves, its own measure)
    ("eco-garden-2022", "9", "park_service_coverage", "park_activity_service_coverage"),
    ("garden-city-2016", "2.13", "shaded_road_rate", "shaded_road_promotion_rate"),
]


def _load(name):
    with (FIXTURES / name).open(encoding="utf-8") as fh:
        return json.load(fh)


def forward(apps, schema_editor):
    Measure = apps.get_model("indicators", "Measure")
    Standard = apps.get_model("indicators", "Standard")
    StandardNode = apps.get_model("indicators", "StandardNode")
    Indicator = apps.get_model("indicators", "Indicator")
    if not Standard.objects.exists() and not Measure.objects.exists():
        return  # a fresh database: load_standards brings everything
    measures = {m["key"]: m for m in _load("measures.json")}
    for key in {new for *_rest, new in SPLITS}:
        m = measures[key]
        Measure.objects.get_or_create(key=key, defaults={
            "name": m["name"], "name_en": m["name_en"], "unit": m["unit"],
            "is_qualitative": m["is_qualitative"], "formula_key": m["formula_key"],
        })
    for std_code, code, old, new in SPLITS:
        Indicator.objects.filter(standard__code=std_code, code=code, measure__key=old).update(
            measure=Measure.objects.get(key=new)
        )
    for m in measures.values():
        Measure.objects.filter(key=m["key"], name=m["name"], name_en="").update(name_en=m["name_en"])
    for name in ("garden-city-2016.json", "eco-garden-2022.json"):
        data = _load(name)
        Standard.objects.filter(code=data["code"], title=data["title"], title_en="").update(title_en=data["title_en"])
        for n in data["nodes"]:
            StandardNode.objects.filter(standard__code=data["code"], level=n["level"], code=n["code"], name=n["name"],
                                        name_en="").update(name_en=n["name_en"])
        for i in data["indicators"]:
            Indicator.objects.filter(standard__code=data["code"], code=i["code"], name=i["name"], name_en="").update(
                name_en=i["name_en"]
            )


class Migration(migrations.Migration):
    dependencies = [("indicators", "0005_english_names")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
