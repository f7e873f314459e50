"""District outlines: a GeoJSON upload with a bad geometry, a wrong CRS or no district names
gets a clear message and changes nothing; a good one replaces the outlines, audited."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from organizations.models import AuditEntry
from planner.models import CityMap

SQUARE = [[118.78, 32.05], [118.79, 32.05], [118.79, 32.06], [118.78, 32.06], [118.78, 32.05]]


def collection(*features, crs=None):
    data = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(data, ensure_ascii=False).encode()


def feature(name="城东区", ring=SQUARE, kind="Polygon"):
    coordinates = [ring] if kind == "Polygon" else [[ring]]
    return {"type": "Feature", "properties": {"name": name} if name else {},
            "geometry": {"type": kind, "coordinates": coordinates}}


def upload(client, content, name="边界.geojson"):
    return client.post("/planner/map/outlines/", {"file": SimpleUploadedFile(name, content)}, follow=True)


@pytest.fixture
def office(client_for, office_admin, campaign):
    return client_for(office_admin)


class OutlineUploadTests:
    def test_a_good_file_replaces_the_outlines_and_is_audited(self, office, campaign):
        response = upload(office, collection(feature("城东区"), feature("城西区", kind="MultiPolygon"),
                                             crs="urn:ogc:def:crs:OGC:1.3:CRS84"))
        assert "已更新城区边界：2 个城区" in response.content.decode()
        city_map = CityMap.objects.get(city=campaign.city)
        assert [o["name"] for o in city_map.outlines] == ["城东区", "城西区"]
        assert city_map.outlines[0]["polygons"] == [[SQUARE]]
        assert AuditEntry.objects.filter(content_type__model="citymap", object_id=str(city_map.pk)).count() == 1
        assert response.context["layers"]["outlines"] == city_map.outlines

    @pytest.mark.parametrize("content,message", [
        (collection(feature(ring=SQUARE[:-1])), "城东区：环首尾不闭合"),
        (collection(feature(ring=SQUARE[:3])), "城东区：环少于 4 个点"),
        (collection({"type": "Feature", "properties": {"name": "城东区"},
                     "geometry": {"type": "Point", "coordinates": [118.78, 32.05]}}), "几何须为 Polygon 或 MultiPolygon"),
        (collection(feature(ring=[[1, 2], ["a", 2], [3, 4], [1, 2]])), "坐标不是数字对"),
        (collection(feature(), crs="EPSG:3857"), "坐标系为 EPSG:3857"),
        (collection(feature(ring=[[13222000, 3770000], [13223000, 3770000], [13223000, 3771000], [13222000, 3770000]])),
         "像是投影坐标"),
        (collection(feature(name="")), "第 1 个要素没有城区名称"),
        (collection(feature(name="火星区")), "「火星区」不是本市的城区"),
        (b"{not json", "不是有效的 GeoJSON"),
        (json.dumps({"type": "Feature"}).encode(), "FeatureCollection"),
    ])
    def test_a_bad_file_gets_a_clear_message_and_changes_nothing(self, office, campaign, content, message):
        upload(office, collection(feature("城东区")))
        before = CityMap.objects.get().outlines
        body = upload(office, content).content.decode()
        assert message in body
        assert CityMap.objects.get().outlines == before
        assert AuditEntry.objects.filter(content_type__model="citymap").count() == 1

    def test_only_the_office_uploads(self, client_for, leader, lead_staff, campaign):
        for user in (leader, lead_staff):
            response = client_for(user).post("/planner/map/outlines/",
                                             {"file": SimpleUploadedFile("b.geojson", collection(feature()))})
            assert response.status_code == 403
        assert not CityMap.objects.exists()

    def test_the_demo_outlines_are_valid_for_the_demo_districts(self):
        from planner.demo import DEMO_OUTLINES
        from planner.geo import validate_outlines

        outlines = validate_outlines(DEMO_OUTLINES.read_bytes(), ["城东区", "城西区", "城南区", "城北区"])
        assert sorted(o["name"] for o in outlines) == ["城东区", "城北区", "城南区", "城西区"]


class DemoPlotTests:
    def test_demo_plots_lie_near_the_uncovered_compounds_they_serve(self):
        from ledgers import formulas as F
        from planner.demo import plots_near

        compounds = [F.Row(1, i, {"name": f"小区{i}", "district": "城东区", "lat": "32.05", "lng": f"{118.78 + i / 100}"})
                     for i in range(30)]
        plots = plots_near(compounds)
        assert 10 < len(plots) < 30 and plots == plots_near(compounds)  # deterministic
        for plot in plots:
            nearest = min(F.haversine_m(32.05, float(c.data["lng"]), float(plot["lat"]), float(plot["lng"]))
                          for c in compounds)
            assert 79 < nearest < 251
