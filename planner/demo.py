"""The demo city's district outlines for the map (an illustration drawn around its ledgers'
points, not surveyed boundaries). Idempotent: an outline already uploaded is kept."""
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile

DEMO_OUTLINES = Path(settings.BASE_DIR) / "fixtures" / "maps" / "示例市城区边界.geojson"


def seed(context):
    from .models import CityMap
    from .services import city_map_upload

    city = context.get("city")
    if city is None or CityMap.objects.filter(city=city).exists() or not DEMO_OUTLINES.exists():
        return
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username="office").first()
    city_map_upload(city=city, file=ContentFile(DEMO_OUTLINES.read_bytes(), name=DEMO_OUTLINES.name), user=user)
