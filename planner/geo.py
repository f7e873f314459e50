"""District outlines for the map: a GeoJSON FeatureCollection in WGS 84 longitude/latitude
(EPSG:4326, the datum the ledgers' coordinates use), one named Polygon or MultiPolygon per
district. Pure validation: every problem is named, nothing is half-accepted."""
import json
import math

from django.utils.translation import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_POINTS = 200_000
NAME_KEYS = ("name", "名称", "district", "城区", "NAME")
WGS84 = {"EPSG:4326", "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "CRS84", "OGC:CRS84"}


class OutlineError(ValueError):
    def __init__(self, messages):
        super().__init__("；".join(messages))
        self.messages = messages


def _name(properties):
    for key in NAME_KEYS:
        value = (properties or {}).get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _ring_problem(ring):
    if not isinstance(ring, list) or len(ring) < 4:
        return _("环少于 4 个点")
    for point in ring:
        if (not isinstance(point, list) or len(point) < 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                           for v in point[:2])):
            return _("坐标不是数字对")
    if ring[0][:2] != ring[-1][:2]:
        return _("环首尾不闭合")
    return None


def _polygons(geometry):
    kind = (geometry or {}).get("type")
    coords = (geometry or {}).get("coordinates")
    if kind == "Polygon":
        return [coords] if isinstance(coords, list) else None
    if kind == "MultiPolygon":
        return coords if isinstance(coords, list) and all(isinstance(p, list) for p in coords) else None
    return None


def validate_outlines(content, district_names):
    """[{"name", "polygons": [[ring, …], …]}] from GeoJSON bytes; OutlineError naming every problem."""
    if len(content) > MAX_BYTES:
        raise OutlineError([_("文件超过 5 MB。")])
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise OutlineError([_("不是有效的 GeoJSON（JSON）文件。")])
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list) or not data["features"]:
        raise OutlineError([_("须是含有要素的 GeoJSON FeatureCollection。")])
    crs = ((data.get("crs") or {}).get("properties") or {}).get("name") if isinstance(data.get("crs"), dict) else None
    if crs and crs not in WGS84:
        raise OutlineError([_("坐标系为 %(crs)s：请导出为 WGS 84 经纬度（EPSG:4326）。") % {"crs": crs}])
    errors, outlines, points = [], [], 0
    for n, feature in enumerate(data["features"], start=1):
        name = _name((feature or {}).get("properties")) if isinstance(feature, dict) else ""
        label = name or _("第 %(n)s 个要素") % {"n": n}
        if not name:
            errors.append(_("第 %(n)s 个要素没有城区名称（properties 中的 name 或 名称）。") % {"n": n})
        polygons = _polygons(feature.get("geometry") if isinstance(feature, dict) else None)
        if polygons is None:
            errors.append(_("%(f)s：几何须为 Polygon 或 MultiPolygon。") % {"f": label})
            continue
        for polygon in polygons:
            for ring in polygon if isinstance(polygon, list) else [None]:
                problem = _ring_problem(ring)
                if problem:
                    errors.append(_("%(f)s：%(p)s。") % {"f": label, "p": problem})
                    break
                points += len(ring)
                if any(abs(p[0]) > 180 or abs(p[1]) > 90 for p in ring):
                    errors.append(_("%(f)s：坐标超出经纬度范围，像是投影坐标：请导出为 WGS 84 经纬度（EPSG:4326）。")
                                  % {"f": label})
                    break
        if name and district_names and name not in district_names:
            errors.append(_("「%(name)s」不是本市的城区（本市城区：%(all)s）。") % {
                "name": name, "all": "、".join(district_names)})
        outlines.append({"name": name, "polygons": polygons})
    if points > MAX_POINTS:
        errors.append(_("边界点超过 %(n)s 个：请简化后再上传。") % {"n": MAX_POINTS})
    if errors:
        raise OutlineError(errors[:20])
    return [{"name": o["name"], "polygons": [[[p[:2] for p in ring] for ring in poly] for poly in o["polygons"]]}
            for o in outlines]
