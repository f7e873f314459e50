"""The layers of the city map (一张图). `map_layers` is pure: parks with the service radius the
formula gives them, residential compounds covered or not exactly as `park_service_coverage`
decides (read from the formula's own result, never recomputed), roads shaded or not as
`shaded_road_rate` counts them, and the plan's proposed pocket parks. `alert_layers` reads the
open findings and the expert-visit points a user may see, coloured by the states their lists
use (Finding.alert_level_on, Point.readiness_of).

Colours live here once, keyed by those states; the page's key and the chart read them from
the layers, so a colour means one thing in the figure and the same thing as in the lists."""
from django.urls import reverse
from django.utils.translation import gettext as _

from indicators import states
from ledgers import formulas as F

# The lamp colours of the finding list (static/css/inspections.css .lamp-chip) and the
# readiness lights of the route board (static/css/visits.css .ready-*).
FINDING_COLOURS = {"blue": "#2468c7", "yellow": "#e2a400", "red": "#d93b3b", "escalated": "#7a0f0f",
                   states.SUBMITTED: "#8a94a0"}
POINT_COLOURS = {"green": "#208a5f", "amber": "#c77700", "red": "#d93b3b"}
ROAD_COLOURS = {F.SHADED: "#1a6b4c", F.PARTLY_SHADED: "#7cc49b", F.NOT_SHADED: "#a0622d", "not_counted": "#b8c0c9"}


def row_url(row):
    return f"{reverse('ledger_version', args=[row.version_id])}?row={row.row}#r{row.row}"


def _float(value):
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def road_layer(rows, params):
    """Roads with both ends located, as lines; the others are counted, not drawn."""
    result = F.evaluate(F.FORMULAS["shaded_road_rate"], rows, params)[F.CITY]
    counted = {ref for g in result.refs if g.role == "counted" for ref in g.rows}
    drawn, missing = [], 0
    for r in rows.get("roads", []):
        ends = [_float(r.data.get(k)) for k in ("start_lat", "start_lng", "end_lat", "end_lng")]
        if None in ends:
            missing += 1
            continue
        shade = F.road_shade(r) if (r.version_id, r.row) in counted else "not_counted"
        name = r.data.get("name") or ""
        if r.data.get("segment"):
            name = f"{name}（{r.data['segment']}）"
        drawn.append({"name": name, "district": r.district, "start": ends[:2], "end": ends[2:], "shade": shade,
                      "colour": ROAD_COLOURS[shade], "length": float(r.dec("length_m")),
                      "shaded_length": float(r.dec("shaded_length_m")), "url": row_url(r)})
    return drawn, missing


def map_layers(rows, params, plan=None, plan_url=""):
    result = F.evaluate(F.FORMULAS["park_service_coverage"], rows, params)[F.CITY]
    covered = {(v, r) for g in result.refs if g.ledger_type == "compounds" and g.role == "counted" for v, r in g.rows}
    parks = []
    for p in rows.get("parks", []):
        if p.data.get("lat") in (None, "") or p.data.get("lng") in (None, ""):
            continue
        parks.append({"name": p.data.get("name") or "", "district": p.district, "lat": float(p.data["lat"]),
                      "lng": float(p.data["lng"]), "area": float(p.dec("area_m2")),
                      "radius": F.service_radius_m(p.dec("area_m2"), bool(p.data.get("historic"))), "url": row_url(p)})
    compounds = [{"name": c.data.get("name") or "", "district": c.district, "lat": float(c.data["lat"]),
                  "lng": float(c.data["lng"]), "area": float(c.dec("residential_area_m2")),
                  "covered": (c.version_id, c.row) in covered, "url": row_url(c)}
                 for c in rows.get("compounds", []) if c.data.get("kind") == "residential"]
    sites = []
    if plan is not None:
        by_key = {s.key: s for s in plan.candidates}
        sites = [{"name": i.label, "district": i.district, "lat": float(i.lat), "lng": float(i.lng),
                  "radius": by_key[i.key].radius, "value_after": str(i.value_after), "url": plan_url}
                 for i in plan.items if i.key in by_key]
    roads, roads_missing = road_layer(rows, params)
    return {"parks": parks, "compounds": compounds, "sites": sites, "roads": roads, "roads_missing": roads_missing,
            "coverage": None if result.value is None else str(F._round(result.value, 2))}


def alert_layers(campaign, access, today):
    """The open findings and the points `access` may see, by alert colour. A finding is drawn at
    its own coordinates, else at its point's; one with neither is counted in `findings_missing`."""
    from inspections.models import Finding
    from inspections.selectors import visible_findings
    from visits import routes as R
    from visits.models import Readiness

    policy = campaign.alert_policy()
    open_findings = (visible_findings(access, Finding.objects.filter(campaign=campaign)).in_state(states.OPEN, today)
                     .select_related("unit", "point_link__point").order_by("pk"))
    findings, findings_missing = [], 0
    for f in open_findings:
        link = getattr(f, "point_link", None)
        point = link.point if link is not None else None
        if f.latitude is not None:
            lat, lng, at = float(f.latitude), float(f.longitude), "finding"
        elif point is not None and point.latitude is not None and point.longitude is not None:
            lat, lng, at = float(point.latitude), float(point.longitude), "point"
        else:
            findings_missing += 1
            continue
        level = f.alert_level_on(today, policy=policy) or states.SUBMITTED
        findings.append({"pk": f.pk, "name": f"#{f.pk} {f.description[:40]}", "district": f.unit.name,
                         "address": f.address, "lat": lat, "lng": lng, "at": at, "level": level,
                         "colour": FINDING_COLOURS[level], "url": f.get_absolute_url()})
    points = list(R.visible_points(access, campaign).select_related("district"))
    ready = R.readiness(points, today)
    drawn_points, points_missing = [], 0
    for p in points:
        if p.latitude is None or p.longitude is None:
            points_missing += 1
            continue
        readiness = ready[p.pk][0]
        drawn_points.append({"pk": p.pk, "name": p.name, "district": p.district.name if p.district else "",
                             "lat": float(p.latitude), "lng": float(p.longitude), "readiness": str(readiness),
                             "open": ready[p.pk][1], "colour": POINT_COLOURS[readiness],
                             "url": reverse("point_detail", args=[p.pk])})
    levels = {lv.value: lv.label for lv in Finding.AlertLevel}
    levels[states.SUBMITTED] = Finding.State.SUBMITTED.label
    key = {
        "findings": [(str(levels[k]), c) for k, c in FINDING_COLOURS.items()],
        "points": [(str(Readiness(k).label), c) for k, c in POINT_COLOURS.items()],
        "roads": [(str(label), ROAD_COLOURS[k]) for k, label in (
            (F.SHADED, _("林荫路")), (F.PARTLY_SHADED, _("部分林荫")), (F.NOT_SHADED, _("未成林荫")),
            ("not_counted", _("快速路、主干路（不计入）")))],
    }
    return {"findings": findings, "findings_missing": findings_missing, "points": drawn_points,
            "points_missing": points_missing, "key": key}
