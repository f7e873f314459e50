"""The map's covered / not covered compounds are the coverage formula's, compound by compound."""
import pytest

from ledgers import formulas as F
from planner.map import map_layers
from tests.ledgers.spatial import CITIES, all_pairs, random_city


class MapLayersTests:
    @pytest.mark.parametrize("seed,city", [(1, "nanjing"), (2, "harbin"), (3, "shenzhen")])
    def test_covered_compounds_are_the_formulas_compound_by_compound(self, seed, city):
        rows = random_city(seed, CITIES[city], parks=60, compounds=400, km=4)
        layers = map_layers(rows, {})
        residential = [c for c in rows["compounds"] if c.data["kind"] == "residential"]
        result = F.evaluate(F.FORMULAS["park_service_coverage"], rows, {})[F.CITY]
        with all_pairs():
            reference = F.evaluate(F.FORMULAS["park_service_coverage"], rows, {})[F.CITY]
        for drawn, row in zip(layers["compounds"], residential, strict=True):
            text = str(result.details[(row.version_id, row.row)])
            assert drawn["name"] == row.data["name"]
            reference_text = str(reference.details[(row.version_id, row.row)])
            assert drawn["covered"] == ("不在" not in text) == ("不在" not in reference_text)
        assert 0 < sum(c["covered"] for c in layers["compounds"]) < len(residential)
        assert layers["coverage"] == str(result.value)

    def test_parks_carry_the_formulas_radius(self):
        rows = random_city(4, CITIES["nanjing"], parks=30, compounds=10)
        for drawn, row in zip(map_layers(rows, {})["parks"], rows["parks"], strict=True):
            assert drawn["radius"] == F.service_radius_m(row.dec("area_m2"), row.data["historic"])
