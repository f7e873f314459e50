"""The layers of the city map (一张图), pure: parks with the service radius the formula gives
them, residential compounds covered or not exactly as `park_service_coverage` decides (read
from the formula's own result, never recomputed), and the plan's proposed pocket parks."""
from ledgers import formulas as F


def map_layers(rows, params, plan=None):
    result = F.evaluate(F.FORMULAS["park_service_coverage"], rows, params)[F.CITY]
    covered = {(v, r) for g in result.refs if g.ledger_type == "compounds" and g.role == "counted" for v, r in g.rows}
    parks = []
    for p in rows.get("parks", []):
        if p.data.get("lat") in (None, "") or p.data.get("lng") in (None, ""):
            continue
        parks.append({"name": p.data.get("name") or "", "district": p.district, "lat": float(p.data["lat"]),
                      "lng": float(p.data["lng"]), "area": float(p.dec("area_m2")),
                      "radius": F.service_radius_m(p.dec("area_m2"), bool(p.data.get("historic")))})
    compounds = [{"name": c.data.get("name") or "", "district": c.district, "lat": float(c.data["lat"]),
                  "lng": float(c.data["lng"]), "area": float(c.dec("residential_area_m2")),
                  "covered": (c.version_id, c.row) in covered}
                 for c in rows.get("compounds", []) if c.data.get("kind") == "residential"]
    sites = []
    if plan is not None:
        by_key = {s.key: s for s in plan.candidates}
        sites = [{"name": i.label, "district": i.district, "lat": float(i.lat), "lng": float(i.lng),
                  "radius": by_key[i.key].radius, "value_after": str(i.value_after)}
                 for i in plan.items if i.key in by_key]
    return {"parks": parks, "compounds": compounds, "sites": sites,
            "coverage": None if result.value is None else str(F._round(result.value, 2))}
