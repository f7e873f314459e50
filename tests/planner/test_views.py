"""The planner pages: a plan from the confirmed ledgers, pins and exclusions recomputed and
audited, items turned into tasks that the plan keeps and shows; office edits, leaders read,
unit staff are refused."""
from datetime import timedelta

import pytest
from django.utils import timezone

from indicators.models import Indicator
from ledgers.services import ledger_upload_confirm
from organizations.models import AuditEntry
from planner.models import Plan, PlanItem
from tasks.models import Task
from tests.ledgers.conftest import park, template_with, upload_and_parse
from tests.ledgers.spatial import destination

A = (32.05, 118.78)


def at(origin, metres, bearing):
    lat, lng = destination(*origin, metres, bearing)
    return f"{lat:.6f}", f"{lng:.6f}"  # as the ledger keeps them


def compound(name, point, area):
    return {"name": name, "district": "城东区", "kind": "residential", "garden_rated": False, "lat": point[0],
            "lng": point[1], "residential_area_m2": str(area), "note": ""}


@pytest.fixture
def city_ledgers(campaign, unit_a, lead_staff):
    """Park P covers c5 (60 000 m²); plot A would cover c1 and c2 (70 000), plot B c3 (50 000): 33.33 % now."""
    b, p = at(A, 3000, 90), at(A, 3000, 270)
    a = (f"{A[0]:.6f}", f"{A[1]:.6f}")
    b_point = (float(b[0]), float(b[1]))
    rows = {
        "parks": [park(name="人民公园", area_m2="80000", lat=p[0], lng=p[1])],
        "compounds": [compound("c1", at(A, 200, 10), 40000), compound("c2", at(A, 250, 180), 30000),
                      compound("c3", at(b_point, 280, 45), 50000),
                      compound("c5", at((float(p[0]), float(p[1])), 400, 0), 60000)],
        "pocket_plots": [{"name": "A地块", "district": "城东区", "area_m2": "2000", "lat": a[0], "lng": a[1],
                          "historic": False, "note": ""},
                         {"name": "B地块", "district": "城东区", "area_m2": "2000", "lat": b[0], "lng": b[1],
                          "historic": False, "note": ""}],
    }
    for ledger_type, data in rows.items():
        upload = upload_and_parse(unit_a, ledger_type, template_with(ledger_type, data), lead_staff, campaign=campaign)
        assert upload.error_count == 0, upload.result
        ledger_upload_confirm(upload=upload, user=lead_staff)
    return campaign


def coverage(campaign):
    return Indicator.objects.get(standard__campaigns=campaign, code="2.6")


def url(campaign, suffix=""):
    return f"/planner/{campaign.pk}/{coverage(campaign).pk}/{suffix}"


class PlannerPageTests:
    def test_the_office_sees_the_unmet_indicator_with_its_sites_and_the_value_after(self, client_for, office_admin,
                                                                                    city_ledgers):
        body = client_for(office_admin).get("/planner/").content.decode()
        assert "公园绿地服务半径覆盖率" in body and "新建 2 处口袋公园" in body
        page = client_for(office_admin).get(url(city_ledgers))
        body = page.content.decode()
        assert page.status_code == 200
        assert body.index("A地块") < body.index("B地块")
        assert "33.33" in body and "72.22" in body and "100" in body  # before, after A, after B
        assert 'value="pin"' in body or 'value="exclude"' in body

    def test_leaders_read_without_forms_and_unit_staff_are_refused(self, client_for, leader, lead_staff,
                                                                  city_ledgers):
        body = client_for(leader).get(url(city_ledgers)).content.decode()
        assert "A地块" in body and 'name="action"' not in body and 'name="due_on"' not in body
        refused = client_for(leader).post(url(city_ledgers, "sites/"), {"action": "exclude", "key": "x"})
        assert refused.status_code == 403
        for path in ("/planner/", url(city_ledgers)):
            assert client_for(lead_staff).get(path).status_code == 403

    def test_an_indicator_outside_the_campaign_is_not_found(self, client_for, office_admin, city_ledgers):
        assert client_for(office_admin).get(f"/planner/{city_ledgers.pk}/999999/").status_code == 404


class PinExcludeTests:
    def test_excluding_a_site_recomputes_and_is_audited(self, client_for, office_admin, city_ledgers):
        client = client_for(office_admin)
        response = client.post(url(city_ledgers, "sites/"), {"action": "exclude", "key": "plot:A地块 | 城东区"})
        assert response.status_code == 302
        plan = Plan.objects.get(campaign=city_ledgers, indicator=coverage(city_ledgers))
        assert plan.excluded == ["plot:A地块 | 城东区"]
        entry = AuditEntry.objects.filter(object_id=str(plan.pk), content_type__model="plan").get()
        assert entry.changes["excluded"] == ["", "plot:A地块 | 城东区"]
        body = client.get(url(city_ledgers)).content.decode()
        # B alone: 60 000 + 50 000 of 180 000 = 61.11 %, still short of 80.
        assert "61.11" in body and "全部候选地块建成后仍未达标" in body

    def test_a_pinned_site_comes_first(self, client_for, office_admin, city_ledgers):
        client = client_for(office_admin)
        client.post(url(city_ledgers, "sites/"), {"action": "pin", "key": "plot:B地块 | 城东区"})
        body = client.get(url(city_ledgers)).content.decode()
        items = body[body.index("规划事项"):body.index("转为任务")]
        assert items.index("B地块") < items.index("A地块") and "61.11" in items

    def test_an_unknown_site_changes_nothing(self, client_for, office_admin, city_ledgers):
        client_for(office_admin).post(url(city_ledgers, "sites/"), {"action": "pin", "key": "plot:nowhere"})
        assert not Plan.objects.exists()


class PlanTasksTests:
    def test_items_become_tasks_for_their_lead_units_and_the_plan_shows_their_status(self, client_for, office_admin,
                                                                                    city_ledgers, districts):
        client = client_for(office_admin)
        due = timezone.localdate() + timedelta(days=40)
        response = client.post(url(city_ledgers, "tasks/"), {"due_on": due.isoformat()})
        assert response.status_code == 302
        tasks = list(Task.objects.filter(campaign=city_ledgers).order_by("seq"))
        assert [t.content for t in tasks] == ["【达标规划】公园绿地服务半径覆盖率：A地块（城东区） 2000 m²",
                                              "【达标规划】公园绿地服务半径覆盖率：B地块（城东区） 2000 m²"]
        # No lead unit for 2.6 in the task table: the district leads.
        assert {t.lead_unit.name for t in tasks} == {"城东区"} and all(t.due_on == due for t in tasks)
        assert all(t.indicator == coverage(city_ledgers) for t in tasks)
        assert AuditEntry.objects.filter(content_type__model="task", action="create").count() == 2
        items = PlanItem.objects.filter(plan__campaign=city_ledgers).order_by("id")
        assert [(i.label, i.task_id) for i in items] == [("A地块", tasks[0].pk), ("B地块", tasks[1].pk)]
        body = client.get(url(city_ledgers)).content.decode()
        assert f'href="/tasks/{tasks[0].pk}/"' in body and "未启动" in body
        client.post(url(city_ledgers, "tasks/"), {"due_on": due.isoformat()})
        assert Task.objects.filter(campaign=city_ledgers).count() == 2  # not turned twice

    def test_a_due_date_out_of_bounds_is_refused_and_nothing_is_made(self, client_for, office_admin, city_ledgers):
        client_for(office_admin).post(url(city_ledgers, "tasks/"), {"due_on": "2099-01-01"})
        assert not Task.objects.exists() and not PlanItem.objects.exists()


class MapPageTests:
    def test_the_map_draws_the_formulas_verdicts_and_the_plans_sites(self, client_for, office_admin, lead_staff,
                                                                     city_ledgers):
        response = client_for(office_admin).get("/planner/map/")
        assert response.status_code == 200
        layers = response.context["layers"]
        assert {c["name"]: c["covered"] for c in layers["compounds"]} == {"c1": False, "c2": False, "c3": False,
                                                                           "c5": True}
        assert [s["name"] for s in layers["sites"]] == ["A地块", "B地块"]
        assert {s["url"] for s in layers["sites"]} == {url(city_ledgers)}  # a click opens the plan
        assert 'id="map-data"' in response.content.decode()
        assert client_for(lead_staff).get("/planner/map/").status_code == 403


class SiteAreaTests:
    @pytest.mark.parametrize("value", ["NaN", "Infinity", "1e9", "500", "很大", ""])
    def test_an_impossible_area_is_refused_and_changes_nothing(self, client_for, office_admin, city_ledgers, value):
        response = client_for(office_admin).post(url(city_ledgers, "sites/"), {"action": "area", "site_area_m2": value})
        assert response.status_code == 302 and not Plan.objects.exists()

    def test_a_new_area_is_kept_and_audited(self, client_for, office_admin, city_ledgers):
        client_for(office_admin).post(url(city_ledgers, "sites/"), {"action": "area", "site_area_m2": "6000"})
        plan = Plan.objects.get()
        assert plan.params == {"site_area_m2": "6000"}
        assert AuditEntry.objects.get(object_id=str(plan.pk), content_type__model="plan").changes["site_area_m2"] \
            == ["", "6000"]

    def test_the_indicators_lead_unit_in_the_task_table_leads_and_the_district_cooperates(
            self, client_for, office_admin, city_ledgers, unit_b):
        from tasks.services import task_create

        due = timezone.localdate() + timedelta(days=40)
        task_create(campaign=city_ledgers, user=office_admin, seq=7, content="公园建设", lead_unit=unit_b,
                    due_on=due, indicator=coverage(city_ledgers))
        client_for(office_admin).post(url(city_ledgers, "tasks/"), {"due_on": due.isoformat()})
        made = list(Task.objects.filter(campaign=city_ledgers, seq__gt=7).order_by("seq"))
        assert [t.seq for t in made] == [8, 9]
        assert {t.lead_unit for t in made} == {unit_b}
        assert all([u.name for u in t.cooperating_units.all()] == ["城东区"] for t in made)
