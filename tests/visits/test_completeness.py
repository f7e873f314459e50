"""Completeness per indicator, per unit and for the campaign: the dashboard panel's figures
equal the lists they link to, unit staff see their own units, and the briefing reads a past
day from the timestamps."""
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.template.loader import render_to_string

from visits import services
from visits.files import check_material_file
from visits.models import MaterialAssignment
from visits.selectors import EveryUnit, campaign_materials

from .conftest import pdf_upload

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 10)


@pytest.fixture(autouse=True)
def june_2026():
    with time_machine.travel("2026-06-10 10:00 +0800", tick=False) as traveller:
        yield traveller


@pytest.fixture
def spread(campaign, funds, unit_a, unit_b, lead_staff, office_admin):
    """Unit A: budgets overdue, approval complete. Unit B: approval due next month."""
    _, budgets, approval = funds
    overdue = services.material_assign(campaign=campaign, requirement=budgets, unit=unit_a,
                                       due_on=TODAY - timedelta(days=3), user=office_admin)
    done = services.material_assign(campaign=campaign, requirement=approval, unit=unit_a,
                                    due_on=TODAY + timedelta(days=20), user=office_admin)
    later = services.material_assign(campaign=campaign, requirement=approval, unit=unit_b,
                                     due_on=TODAY + timedelta(days=30), user=office_admin)
    document = services.material_document_upload(assignment=done, user=lead_staff,
                                                 checked=check_material_file(pdf_upload()), title="办法",
                                                 doc_number="", doc_date=date(2025, 1, 1), pages=1)
    services.material_document_accept(document=document, user=office_admin)
    return overdue, done, later


def figure(html, name):
    return int(re.search(rf'data-figure="{name}">(\d+)', html).group(1))


def pills(html):
    return len(re.findall(r'class="assignment-pill', html))


class CompletenessTests:
    def test_it_counts_per_indicator_per_unit_and_overall(self, campaign, funds, spread, unit_a, unit_b):
        summary = campaign_materials(campaign, EveryUnit(), TODAY)
        assert (summary.overall.complete, summary.overall.total, summary.overall.percent) == (1, 3, 33)
        assert [(i.code, c.complete, c.total) for i, c in summary.by_indicator] == [("1.2", 1, 3)]
        assert {u.name: (c.complete, c.total) for u, c in summary.by_unit} == {"市住建局": (1, 2), "市城管执法局": (0, 1)}
        assert summary.overdue == 1

    def test_each_dashboard_figure_equals_the_list_it_links_to(self, client_for, office_admin, campaign, spread):
        client = client_for(office_admin)
        html = client.get(f"/reports/dashboard/?campaign={campaign.pk}").content.decode()
        assert figure(html, "materials-percent") == 33
        missing, overdue = figure(html, "materials-missing"), figure(html, "materials-overdue")
        assert (missing, overdue) == (2, 1)
        assert 'href="/visits/materials/?state=overdue"' in html
        assert pills(client.get("/visits/materials/?state=overdue").content.decode()) == overdue
        assert pills(client.get("/visits/materials/?state=held").content.decode()) == missing

    def test_unit_staff_see_their_own_units_figures(self, client_for, coop_staff, campaign, spread):
        html = client_for(coop_staff).get(f"/reports/dashboard/?campaign={campaign.pk}").content.decode()
        assert (figure(html, "materials-percent"), figure(html, "materials-missing")) == (0, 1)
        assert "市住建局" not in html.split('data-testid="materials-panel"')[1]

    def test_the_briefing_reads_a_past_day_from_the_timestamps(self, campaign, spread, june_2026, office_admin,
                                                               lead_staff):
        overdue, _, _ = spread
        june_2026.move_to("2026-06-20 10:00 +0800")
        for year in (2024, 2025, 2026):
            d = services.material_document_upload(assignment=overdue, user=lead_staff,
                                                  checked=check_material_file(pdf_upload()), title=f"{year}",
                                                  doc_number="", doc_date=date(year, 1, 5), pages=1)
            services.material_document_accept(document=d, user=office_admin)
        overdue.refresh_from_db()
        assert overdue.status == "complete"
        then = render_to_string("visits/briefing_materials.html", {"campaign": campaign, "on": TODAY})
        now = render_to_string("visits/briefing_materials.html", {"campaign": campaign, "on": date(2026, 6, 20)})
        assert "已齐备 1 项（33%），逾期未报 1 项" in then
        assert "已齐备 2 项（67%），逾期未报 0 项" in now
        assert MaterialAssignment.objects.count() == 3
