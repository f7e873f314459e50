import io
from datetime import date

import time_machine
from openpyxl import load_workbook

from tests.reports.conftest import SUNDAY


class SelfEvaluationExportTests:
    def test_it_lists_every_indicator_with_requirement_value_status_and_lead_unit(
        self, client_for, office_admin, campaign, unit_a
    ):
        from tasks.models import Task

        indicator = campaign.standards.get().indicators.get(code="2.2")
        Task.objects.create(campaign=campaign, seq=1, content="公示绿线", indicator=indicator,
                            lead_unit=unit_a, due_on=date(2026, 7, 1))
        with time_machine.travel(f"{SUNDAY} 10:00 +0800", tick=False):
            response = client_for(office_admin).get("/reports/self-evaluation.xlsx")
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        wb = load_workbook(io.BytesIO(response.content))
        ws = wb["test-std"]
        rows = {r[1]: r for r in ws.iter_rows(min_row=5, values_only=True) if r[1]}
        assert rows["2.2"][2] == "建成区绿地率"
        assert rows["2.2"][4] == "≥ 31 %"
        assert rows["2.2"][5] == 30.4 and rows["2.2"][7] == "未达标" and abs(rows["2.2"][8] - 0.6) < 1e-9
        assert rows["2.2"][12] == "市住建局"
        assert rows["2.10"][7] == "无数据"
        assert "自评表" in ws["A1"].value

    def test_unit_staff_cannot_export_it(self, client_for, lead_staff, campaign):
        assert client_for(lead_staff).get("/reports/self-evaluation.xlsx").status_code == 403

    def test_without_an_active_campaign_it_explains_instead_of_failing(self, client_for, office_admin, campaign):
        campaign.is_active = False
        campaign.save()
        response = client_for(office_admin).get("/reports/self-evaluation.xlsx")
        body = response.content.decode()
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
        assert "没有进行中的创建活动" in body and 'class="topbar"' in body

class SelfEvaluationLanguageTests:
    def test_it_names_indicators_in_english_and_shows_marks_by_role(
        self, client_for, office_admin, leader, campaign
    ):
        indicator = campaign.standards.get().indicators.get(code="2.2")
        indicator.name_en, indicator.verification = "Green space rate", "secondary"
        indicator.save()
        campaign.standards.get().indicators.filter(code="2.10").update(verification="unverified")

        def rows(user, language):
            client = client_for(user)
            client.cookies["django_language"] = language
            with time_machine.travel(f"{SUNDAY} 10:00 +0800", tick=False):
                response = client.get("/reports/self-evaluation.xlsx")
            ws = load_workbook(io.BytesIO(response.content))["test-std"]
            return {r[1]: r for r in ws.iter_rows(min_row=5, values_only=True) if r[1]}

        office = rows(office_admin, "en")
        assert office["2.2"][2] == "Green space rate"
        assert office["2.2"][13] == "Secondary source"
        assert rows(office_admin, "zh-hans")["2.2"][2] == "建成区绿地率"
        theirs = rows(leader, "zh-hans")
        assert theirs["2.2"][13] is None  # marks are the office's
        assert theirs["2.10"][13] == "待核对"
