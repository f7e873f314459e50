"""The demo city's district outlines for the map (an illustration drawn around its ledgers'
points, not surveyed boundaries) and a ledger of plots for pocket parks (可建口袋公园地块) near
some of the compounds no park serves, so the planner chooses among real candidate plots.
Idempotent: what exists is kept."""
import random
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile

DEMO_OUTLINES = Path(settings.BASE_DIR) / "fixtures" / "maps" / "示例市城区边界.geojson"
PLOT_AREAS = ("2400", "3200", "6500", "2800", "1500", "5200", "2100")


def _destination(lat, lng, metres, bearing_deg):
    """The point `metres` away along a great circle (on the formulas' sphere)."""
    import math

    from ledgers import formulas as F

    delta = metres / F.EARTH_RADIUS_M
    p1, l1, theta = math.radians(lat), math.radians(lng), math.radians(bearing_deg)
    p2 = math.asin(math.sin(p1) * math.cos(delta) + math.cos(p1) * math.sin(delta) * math.cos(theta))
    l2 = l1 + math.atan2(math.sin(theta) * math.sin(delta) * math.cos(p1),
                         math.cos(delta) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


def plots_near(compounds, seed=16):
    rng = random.Random(seed)
    plots = []
    for n, c in enumerate(compounds):
        if rng.random() < 0.34:
            continue
        lat, lng = _destination(float(c.data["lat"]), float(c.data["lng"]), rng.uniform(80, 250), rng.uniform(0, 360))
        plots.append({"name": f"{c.data['name']}东侧闲置地" if n % 2 else f"{c.data['name']}旁边角地块",
                      "district": c.district, "area_m2": rng.choice(PLOT_AREAS), "lat": f"{lat:.6f}",
                      "lng": f"{lng:.6f}", "historic": False, "note": ""})
    return plots


def seed(context):
    from django.contrib.auth import get_user_model

    from ledgers.demo import _confirm
    from ledgers.models import Ledger
    from ledgers.services import current_rows
    from organizations.models import Unit

    from .models import CityMap
    from .plans import _uncovered
    from .services import city_map_upload

    city = context.get("city")
    if city is None:
        return
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["office", "ziranziyuan"])}
    if not CityMap.objects.filter(city=city).exists() and DEMO_OUTLINES.exists():
        city_map_upload(city=city, file=ContentFile(DEMO_OUTLINES.read_bytes(), name=DEMO_OUTLINES.name),
                        user=users.get("office"))
    unit = Unit.objects.filter(name="市自然资源和规划局").first()
    if unit is None or Ledger.objects.filter(city=city, ledger_type="pocket_plots").exists():
        return
    campaign = context.get("campaign")
    rows, _versions, _duplicates = current_rows(city, ["parks", "compounds"])
    if not rows.get("compounds"):
        return
    _result, uncovered, _covered, _total = _uncovered(rows, campaign.params() if campaign else {})
    from django.utils import timezone

    districts = list(Unit.objects.filter(parent=city, kind=Unit.Kind.DISTRICT).order_by("sort_order")
                     .values_list("name", flat=True))
    _confirm(unit, "pocket_plots", plots_near(uncovered), users.get("ziranziyuan"), campaign, districts,
             timezone.now())
