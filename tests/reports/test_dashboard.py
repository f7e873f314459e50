from datetime import timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations.models import Unit
from tests.factories import make_indicator
from tests.reports.conftest import SUNDAY, add_finding, add_task


def travel():
    return time_machine.travel(f"{SUNDAY.isoformat()} 18:00 +0800", tick=False)


def dashboard_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/reports/dashboard/")
    assert response.status_code == 200
    return len(ctx.captured_queries), response


class DashboardTests:
    def test_it_shows_readiness_work_and_lists_with_links(self, client_for, office_admin, campaign, unit_a, unit_b):
        add_finding(campaign, unit_a, found=SUNDAY - timedelta(days=2), deadline=SUNDAY - timedelta(days=1))
        add_task(campaign, unit_b, 1, due=SUNDAY - timedelta(days=3))
        with travel():
            body = client_for(office_admin).get("/reports/dashboard/").content.decode()
        assert "1 项否决项未达标" in body and "建成区绿地率" in body
        assert 'data-figure="findings_new" data-count="1">1<' in body
        assert 'href="/inspections/?state=overdue" data-figure="findings_overdue" data-count="1">1<' in body
        assert 'href="/tasks/?status=overdue" data-figure="tasks_overdue" data-count="1">1<' in body
        assert "40" in body  # days to the on-site evaluation

    def test_unit_staff_see_only_their_units_figures(self, client_for, lead_staff, campaign, unit_a, unit_b):
        add_finding(campaign, unit_a, found=SUNDAY - timedelta(days=2), deadline=SUNDAY - timedelta(days=1))
        add_finding(campaign, unit_b, found=SUNDAY - timedelta(days=2), deadline=SUNDAY - timedelta(days=1))
        with travel():
            response = client_for(lead_staff).get("/reports/dashboard/")
        assert response.context["work"].findings_overdue == 1
        assert "本单位视图" in response.content.decode()

    def test_its_query_count_does_not_grow_with_findings_units_or_indicators(
        self, client_for, office_admin, campaign, unit_a, unit_b, city
    ):
        add_finding(campaign, unit_a, found=SUNDAY - timedelta(days=2), deadline=SUNDAY - timedelta(days=1))
        add_task(campaign, unit_b, 1, due=SUNDAY - timedelta(days=3))
        client = client_for(office_admin)
        with travel():
            client.get("/reports/dashboard/")
            small, _ = dashboard_queries(client)
            standard = campaign.standards.get()
            node = standard.nodes.get()
            for i in range(25):
                make_indicator(standard, node, f"9.{i}", f"指标{i}", order=20 + i,
                               thresholds=[{"tier": "garden", "comparator": "gte", "value": 1}])
            units = [Unit.objects.create(name=f"单位{i}", kind=Unit.Kind.DEPARTMENT, parent=city) for i in range(12)]
            for i in range(120):
                add_finding(campaign, units[i % 12], found=SUNDAY - timedelta(days=i % 9),
                            deadline=SUNDAY + timedelta(days=(i % 11) - 5))
            for i in range(60):
                add_task(campaign, units[i % 12], 100 + i, due=SUNDAY + timedelta(days=(i % 7) - 3))
            large, _ = dashboard_queries(client)
        assert large == small, f"{small} queries with little data, {large} with much"
