"""Points and routes: a point with an open finding is red on the route board; closing the
finding turns it green. Points come from ledger rows in one step; unit staff see only their
units' points and no route board."""
from datetime import date, timedelta

import pytest
import time_machine

from inspections import services as inspections
from inspections.models import Finding
from tests.organizations.test_access_routes import jpeg
from visits import routes as R
from visits.models import Point, Readiness

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 10)


@pytest.fixture(autouse=True)
def june_2026():
    with time_machine.travel("2026-06-10 10:00 +0800", tick=False) as traveller:
        yield traveller


@pytest.fixture
def board(campaign, unit_a, unit_b, office_admin, inspector, lead_staff):
    park = R.point_create(campaign=campaign, user=office_admin, name="人民公园", owner=unit_a, kind=Point.Kind.PARK)
    road = R.point_create(campaign=campaign, user=office_admin, name="滨河路", owner=unit_b, kind=Point.Kind.ROAD)
    route = R.route_create(campaign=campaign, user=office_admin, name="东线")
    R.route_add_stop(route=route, point=park, user=office_admin)
    R.route_add_stop(route=route, point=road, user=office_admin)
    finding = inspections.finding_create(campaign=campaign, user=inspector, unit=unit_a, description="园路破损",
                                         address="人民公园", deadline=TODAY + timedelta(days=5), photos=[jpeg()])
    R.point_link_finding(point=park, finding=finding, user=inspector)
    return route, park, road, finding


def lights(html):
    import re

    return dict(re.findall(r'data-stop="(\d+)" data-readiness="(\w+)"', html))


class RouteBoardTests:
    def test_a_point_with_an_open_finding_is_red_and_closing_it_turns_it_green(
            self, client_for, office_admin, inspector, lead_staff, board):
        route, park, road, finding = board
        client = client_for(office_admin)
        assert lights(client.get(f"/visits/routes/{route.pk}/").content.decode())["1"] == "red"
        inspections.finding_start(finding=finding, user=lead_staff)
        inspections.finding_submit(finding=finding, user=lead_staff, note="已修复", photos=[jpeg()])
        assert lights(client.get(f"/visits/routes/{route.pk}/").content.decode())["1"] == "red"  # handed in: still open
        inspections.finding_close(finding=finding, user=inspector)
        assert Finding.objects.get(pk=finding.pk).status == Finding.Status.CLOSED
        html = client_for(office_admin).get(f"/visits/routes/{route.pk}/").content.decode()
        assert lights(html) == {"1": "green", "2": "amber"}  # the road: nobody has looked at it yet

    def test_a_point_nobody_looked_at_for_two_weeks_is_amber_until_its_owner_confirms(
            self, client_for, coop_staff, board, june_2026):
        route, park, road, finding = board
        client = client_for(coop_staff)
        assert client.post(f"/visits/points/{road.pk}/confirm/").status_code == 302
        assert R.readiness([road], TODAY)[road.pk][0] == Readiness.GREEN
        assert R.readiness([road], TODAY + timedelta(days=15))[road.pk][0] == Readiness.AMBER

    def test_the_board_reads_in_bounded_queries(self, board, django_assert_max_num_queries):
        route, *_ = board
        with django_assert_max_num_queries(4):
            R.readiness([s.point for s in route.stops.select_related("point")], TODAY)


class PointAccessTests:
    def test_unit_staff_get_404_for_another_units_point_and_for_route_boards(self, client_for, lead_staff, board):
        route, park, road, finding = board
        client = client_for(lead_staff)
        assert client.get(f"/visits/points/{park.pk}/").status_code == 200
        assert client.get(f"/visits/points/{road.pk}/").status_code == 404
        assert client.post(f"/visits/points/{road.pk}/confirm/").status_code == 404
        assert client.get(f"/visits/routes/{route.pk}/").status_code == 404
        assert "滨河路" not in client.get("/visits/points/").content.decode()

    def test_points_come_from_ledger_rows_in_one_step(self, campaign, unit_b, office_admin, districts):
        from tests.ledgers.conftest import park, template_with, upload_and_parse
        from ledgers.services import ledger_upload_confirm

        upload = upload_and_parse(unit_b, "parks", template_with("parks", [park(name="滨江公园"), park(name="口袋公园")]),
                                  office_admin, name="parks.xlsx", campaign=campaign)
        version = ledger_upload_confirm(upload=upload, user=office_admin).version
        new = R.points_from_ledger(campaign=campaign, version=version, user=office_admin)
        assert sorted(p.name for p in new) == ["口袋公园", "滨江公园"]
        assert {p.owner_id for p in new} == {unit_b.pk} and all(p.kind == Point.Kind.PARK for p in new)
        assert R.points_from_ledger(campaign=campaign, version=version, user=office_admin) == []  # once
