"""Veto and improvement summaries appear only where the standard has such indicators (an
eco-garden standard has neither): dashboard, overview and weekly briefing."""
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.template.loader import render_to_string
from django.utils import translation

from indicators.models import Campaign, IndicatorValue, Tier
from reports.briefing import briefing_context
from tests.factories import make_indicator, make_standard
from tests.reports.conftest import SUNDAY


@pytest.fixture
def eco_campaign(city, office_unit, districts):
    standard, node = make_standard(code="eco-test", title="生态园林城市标准")
    rate = make_indicator(standard, node, "1.1", "建成区绿地率", measure_key="green_space_rate",
                          thresholds=[{"tier": "eco", "comparator": "gte", "value": 38}], order=1)
    make_indicator(standard, node, "1.2", "城市生态廊道达标率",
                   thresholds=[{"tier": "eco", "comparator": "gte", "value": 80}], order=2)
    c = Campaign.objects.create(name="测试市国家生态园林城市创建", city=city, office=office_unit, kind="creation",
                                tier=Tier.ECO, evaluation_date=SUNDAY + timedelta(days=40))
    c.standards.add(standard)
    IndicatorValue.objects.create(measure=rate.measure, scope=city, as_of=SUNDAY - timedelta(days=3),
                                  value=Decimal("39"))
    return c


def travel():
    return time_machine.travel(f"{SUNDAY.isoformat()} 18:00 +0800", tick=False)


VETO_WORDS = ("否决项全部达标", "否决项未达标", "否决项暂无未达标", "否决项与基本项")


class VetoAndImprovementSummaryTests:
    def test_the_dashboard_of_an_eco_campaign_shows_neither(self, client_for, leader, eco_campaign):
        with travel():
            body = client_for(leader).get(f"/reports/dashboard/?campaign={eco_campaign.pk}").content.decode()
        assert "基本项达标" in body
        assert not any(w in body for w in VETO_WORDS) and "提升项达标" not in body

    def test_the_overview_of_an_eco_campaign_shows_neither(self, client_for, leader, eco_campaign):
        body = client_for(leader).get(f"/campaigns/{eco_campaign.pk}/").content.decode()
        assert "基本项达标" in body and 'data-testid="readiness"' in body
        assert not any(w in body for w in VETO_WORDS) and "提升项达标" not in body
        assert "kind=veto" not in body and "kind=improvement" not in body

    def test_the_briefing_of_an_eco_campaign_shows_neither(self, eco_campaign):
        with travel(), translation.override("zh-hans"):
            context = briefing_context(eco_campaign, SUNDAY, number=1)
            html = render_to_string("reports/briefing_pdf.html", context)
        assert "否决项" not in context["summary"] and "提升项" not in context["summary"]
        assert "基本项达标1/2项" in context["summary"]
        assert "否决项未达标" not in html and "提升项达标" not in html and "基本项达标" in html

    def test_a_garden_campaign_keeps_both(self, client_for, leader, campaign):
        with travel():
            body = client_for(leader).get(f"/reports/dashboard/?campaign={campaign.pk}").content.decode()
            with translation.override("zh-hans"):
                context = briefing_context(campaign, SUNDAY, number=1)
        assert "否决项" in body and "提升项达标" in body
        assert "否决项" in context["summary"] and "提升项达标" in context["summary"]
