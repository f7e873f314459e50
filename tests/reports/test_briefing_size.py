"""The weekly briefing stays a summary at megacity size (issue 17): thousands of open items
give a PDF of a few pages whose every capped list says how many more there are and links to
them; the appendix workbook holds the full lists."""
import io
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from openpyxl import load_workbook

from indicators.models import Indicator
from inspections.models import Finding
from organizations.models import Unit
from reports.briefing import briefing_context
from reports.services import briefing_build, ranking_write
from tasks.models import Task
from tests.reports.conftest import SUNDAY

MONDAY = SUNDAY - timedelta(days=6)
MAX_PAGES = 8
needs_poppler = pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils not installed")


def travel():
    return time_machine.travel(f"{SUNDAY.isoformat()} 18:00 +0800", tick=False)


def pdf_pages(path):
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pdf_text(path):
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", text)  # URLs and figures may wrap across lines


@pytest.fixture
def crowded(campaign, city):
    """80 units, 3 000 findings and 1 200 tasks, most still held, deadlines around SUNDAY."""
    not_met = Indicator.objects.get(standard__in=campaign.standards.all(), code="2.2")  # the failing veto
    units = Unit.objects.bulk_create([Unit(name=f"单位{i:02d}", kind=Unit.Kind.STREET, parent=city, sort_order=i)
                                      for i in range(80)])
    with travel():
        Finding.objects.bulk_create([
            Finding(campaign=campaign, unit=units[i % 80], found_on=MONDAY - timedelta(days=i % 40),
                    deadline=SUNDAY + timedelta(days=(i % 45) - 35), description=f"绿地缺株断行问题{i}",
                    address="人民路", status=Finding.Status.CLOSED if i % 10 == 0 else Finding.Status.ASSIGNED)
            for i in range(3000)
        ], batch_size=1000)
        Task.objects.bulk_create([
            Task(campaign=campaign, seq=i + 1, content=f"补植行道树任务{i}", lead_unit=units[(i * 7) % 80],
                 due_on=SUNDAY + timedelta(days=(i % 30) - 20), indicator=not_met if i % 3 == 0 else None)
            for i in range(1200)
        ], batch_size=1000)
        ranking_write(campaign=campaign, day=SUNDAY)
    return units


@needs_poppler
class BriefingSizeTests:
    def test_thousands_of_open_items_give_a_few_pages_and_every_capped_list_links_to_the_rest(self, campaign,
                                                                                              crowded):
        with travel():
            briefing = briefing_build(campaign=campaign, week_start=MONDAY)
            lists = briefing_context(campaign, SUNDAY, number=1)["lists"]
        assert pdf_pages(briefing.pdf.path) <= MAX_PAGES
        text = pdf_text(briefing.pdf.path)
        capped = {name: c for name, c in lists.items() if c.more}
        assert {"upcoming", "overdue_units"} <= set(capped)  # the data overflows both
        assert lists["upcoming"].total > 500
        for name, c in lists.items():
            assert len(c.rows) == min(c.total, settings.LIST_LIMITS[c.key]), name
            if c.more:
                assert (f"还有{c.more}项，查看全部" in text or f"还有{c.more}个单位，查看全部" in text), name
                assert c.url.startswith(settings.SITE_URL + "/") and c.url in text, name
        lead = briefing_context(campaign, SUNDAY, number=1)["lead_units"]
        assert [c.more for c in lead.values()] == [80 - settings.LIST_LIMITS["lead_units"]]
        assert f"另有{80 - settings.LIST_LIMITS['lead_units']}个单位" in text
        assert briefing.figures["upcoming_total"] == lists["upcoming"].total
        assert len(briefing.figures["upcoming"]) == settings.LIST_LIMITS["upcoming"]
        days = [day for day, *_ in briefing.figures["upcoming"]]
        assert days == sorted(days) and days[0] == (SUNDAY + timedelta(days=1)).isoformat()  # most urgent first

    def test_the_links_use_the_configured_site_address(self, settings, campaign, crowded):
        settings.SITE_URL = "https://cyb.example.gov.cn"
        with travel():
            lists = briefing_context(campaign, SUNDAY, number=1)["lists"]
        assert lists["upcoming"].url == "https://cyb.example.gov.cn/reports/upcoming/"


class BriefingAppendixTests:
    def test_the_appendix_holds_the_full_lists(self, client_for, office_admin, campaign, crowded):
        with travel():
            briefing = briefing_build(campaign=campaign, week_start=MONDAY)
            response = client_for(office_admin).get(f"/reports/briefings/{briefing.pk}/appendix.xlsx")
            lists = briefing_context(campaign, SUNDAY, number=1)["lists"]
        assert response.status_code == 200
        wb = load_workbook(io.BytesIO(response.content), read_only=True)
        upcoming, units, not_met = wb.worksheets
        assert upcoming.max_row - 2 == lists["upcoming"].total  # title and header rows
        assert units.max_row - 2 == lists["overdue_units"].total
        assert not_met.max_row - 2 == lists["not_met"].total == 1
        lead_units = [row for row in not_met.iter_rows(min_row=3, values_only=True)][0][5]
        assert lead_units.count("、") == 79  # every lead unit, where the PDF names four and "另有 76 个单位"

    def test_unit_staff_cannot_download_it(self, client_for, lead_staff, campaign):
        with travel():
            briefing = briefing_build(campaign=campaign, week_start=MONDAY)
            assert client_for(lead_staff).get(f"/reports/briefings/{briefing.pk}/appendix.xlsx").status_code == 403
            assert client_for(lead_staff).get("/reports/briefings/preview/appendix.xlsx").status_code == 403
