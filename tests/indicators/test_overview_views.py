from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from indicators.models import Campaign, IndicatorValue, Tier
from indicators.services import compliance_snapshot_write
from tests.factories import make_indicator, make_standard


@pytest.fixture
def campaign(city, districts):
    standard, node = make_standard()
    green = make_indicator(standard, node, "2.2", "建成区绿地率", measure_key="green_space_rate", kind="veto",
                           thresholds=[{"tier": "garden", "comparator": "gte", "value": 31}], order=1)
    make_indicator(standard, node, "2.10", "园林式居住区达标率", kind="improvement",
                   thresholds=[{"tier": "garden", "comparator": "gte", "value": 50}], order=2)
    c = Campaign.objects.create(name="测试市国家园林城市复查", city=city, kind="re_inspection", tier=Tier.GARDEN,
                                evaluation_date=timezone.localdate() + timedelta(days=40))
    c.standards.add(standard)
    today = timezone.localdate()
    IndicatorValue.objects.create(measure=green.measure, scope=city, as_of=today - timedelta(days=7), value=D("30.2"))
    compliance_snapshot_write(campaign=c, on=today - timedelta(days=7))
    IndicatorValue.objects.create(measure=green.measure, scope=city, as_of=today, value=D("30.6"))
    return c


class CampaignOverviewTests:
    def test_it_requires_login(self, client, campaign):
        assert client.get(f"/campaigns/{campaign.pk}/").status_code == 302

    def test_it_lists_every_indicator_with_value_threshold_status_gap_and_trend(self, client_for, lead_staff, campaign):
        response = client_for(lead_staff).get(f"/campaigns/{campaign.pk}/")
        body = response.content.decode()
        assert response.status_code == 200
        assert "建成区绿地率" in body and "园林式居住区达标率" in body
        assert "≥ 31 %" in body
        assert "30.6" in body and "0.4" in body  # value and gap
        assert 'class="trend up"' in body
        assert "否决项未达标" in body
        assert "40" in body  # days left

    def test_it_filters_by_status_and_kind(self, client_for, lead_staff, campaign):
        client = client_for(lead_staff)
        body = client.get(f"/campaigns/{campaign.pk}/?status=no_data").content.decode()
        assert 'data-code="2.10"' in body and 'data-code="2.2"' not in body
        body = client.get(f"/campaigns/{campaign.pk}/?kind=veto").content.decode()
        assert 'data-code="2.2"' in body and 'data-code="2.10"' not in body

    def test_it_is_404_for_an_unknown_campaign(self, client_for, lead_staff, db):
        assert client_for(lead_staff).get("/campaigns/999/").status_code == 404

    def test_home_is_the_dashboard_of_the_active_campaign(self, client_for, leader, campaign):
        client = client_for(leader)
        response = client.get("/")
        assert response.status_code == 302 and response["Location"] == "/reports/dashboard/"
        assert client.session["campaign_id"] == campaign.pk

    def test_its_query_count_does_not_grow_with_indicators(self, client_for, lead_staff, campaign, city,
                                                          django_assert_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = client_for(lead_staff)
        client.get(f"/campaigns/{campaign.pk}/")
        with CaptureQueriesContext(connection) as small:
            client.get(f"/campaigns/{campaign.pk}/")
        standard = campaign.standards.get()
        node = standard.nodes.get()
        today = timezone.localdate()
        for i in range(30):
            indicator = make_indicator(standard, node, f"9.{i}", f"指标{i}",
                                       thresholds=[{"tier": "garden", "comparator": "gte", "value": 1}], order=10 + i)
            IndicatorValue.objects.create(measure=indicator.measure, scope=city, as_of=today, value=D(i))
        with django_assert_num_queries(len(small.captured_queries)):
            client.get(f"/campaigns/{campaign.pk}/")


class CampaignIndicatorTests:
    def test_the_office_records_a_value_and_the_status_follows(self, client_for, office_admin, campaign, city):
        indicator = campaign.standards.get().indicators.get(code="2.2")
        url = f"/campaigns/{campaign.pk}/indicators/{indicator.pk}/"
        today = timezone.localdate()
        response = client_for(office_admin).post(url, {"scope": city.pk, "as_of": today.isoformat(), "value": "31.2"})
        assert response.status_code == 302
        assert IndicatorValue.objects.get(measure=indicator.measure, scope=city, as_of=today).value == D("31.2")
        body = client_for(office_admin).get(f"/campaigns/{campaign.pk}/").content.decode()
        assert "否决项未达标" not in body

    def test_unit_staff_cannot_record_values(self, client_for, lead_staff, campaign, city):
        indicator = campaign.standards.get().indicators.get(code="2.2")
        url = f"/campaigns/{campaign.pk}/indicators/{indicator.pk}/"
        response = client_for(lead_staff).post(url, {"scope": city.pk, "as_of": "2026-01-01", "value": "99"})
        assert response.status_code == 403
        assert not IndicatorValue.objects.filter(value=D("99")).exists()

    def test_a_bad_value_is_rejected_with_a_message(self, client_for, office_admin, campaign, city):
        indicator = campaign.standards.get().indicators.get(code="2.2")
        url = f"/campaigns/{campaign.pk}/indicators/{indicator.pk}/"
        before = IndicatorValue.objects.count()
        response = client_for(office_admin).post(url, {"scope": city.pk, "as_of": "2026-01-01", "value": "三十"})
        assert response.status_code == 200
        assert "输入一个数字" in response.content.decode()
        assert IndicatorValue.objects.count() == before


class OverviewProvenanceLinkTests:
    def test_a_ledger_computed_value_links_to_how_it_was_made(self, client_for, lead_staff, campaign, city):
        indicator = campaign.standards.get().indicators.get(code="2.2")
        value = IndicatorValue.objects.filter(measure=indicator.measure, scope=city).latest("as_of")
        IndicatorValue.objects.filter(pk=value.pk).update(source=IndicatorValue.Source.LEDGER)
        body = client_for(lead_staff).get(f"/campaigns/{campaign.pk}/").content.decode()
        assert f'href="/ledgers/values/{value.pk}/?next=' in body


@pytest.fixture
def shipped_campaign(standards, city):
    """A campaign on the shipped garden-city standard, with one value per test to read."""
    c = Campaign.objects.create(name="示例市国家园林城市复查", city=city, kind="re_inspection", tier=Tier.GARDEN)
    c.standards.add(standards["garden-city-2016"])
    return c


def english(client):
    client.cookies["django_language"] = "en"
    return client


class EnglishNamesTests:
    def test_the_english_overview_shows_english_indicator_node_and_unit_names(
        self, client_for, lead_staff, shipped_campaign
    ):
        body = english(client_for(lead_staff)).get(f"/campaigns/{shipped_campaign.pk}/").content.decode()
        assert "Green space ratio of the built-up area" in body and "建成区绿地率" not in body
        assert "Comprehensive management" in body and "综合管理" not in body  # category rows and filter
        assert "m²/person" in body and "m²/人" not in body

    def test_the_chinese_overview_keeps_the_chinese_names(self, client_for, lead_staff, shipped_campaign):
        body = client_for(lead_staff).get(f"/campaigns/{shipped_campaign.pk}/").content.decode()
        assert "建成区绿地率" in body and "Green space ratio of the built-up area" not in body

    def test_the_english_indicator_page_names_the_indicator_standard_and_ledger_note_in_english(
        self, client_for, lead_staff, shipped_campaign, city
    ):
        indicator = shipped_campaign.standards.get().indicators.get(code="2.1")
        IndicatorValue.objects.create(
            measure=indicator.measure, scope=city, as_of=timezone.localdate(), value=D("38.9"),
            source=IndicatorValue.Source.LEDGER, note="由台账计算：建成区绿化覆盖率",
            provenance={"ledger": True, "formula": "green_coverage_rate"},
        )
        body = english(client_for(lead_staff)).get(
            f"/campaigns/{shipped_campaign.pk}/indicators/{indicator.pk}/").content.decode()
        assert "Green coverage ratio of the built-up area" in body
        assert "National Garden City Standard" in body
        assert "Computed from ledgers: Green coverage ratio of the built-up area" in body
        assert "由台账计算" not in body


class WorkingNotesTests:
    def test_leaders_and_units_see_one_quiet_mark_and_no_working_notes(
        self, client_for, leader, lead_staff, shipped_campaign
    ):
        sewage = shipped_campaign.standards.get().indicators.get(code="5.1")
        assert "两者冲突，暂取 95%" in sewage.source
        for user in (leader, lead_staff):
            client = client_for(user)
            body = client.get(f"/campaigns/{shipped_campaign.pk}/indicators/{sewage.pk}/").content.decode()
            assert "两者冲突" not in body and "暂取 95%" not in body and "建城〔2016〕235号" not in body
            assert body.count('class="needs-check"') == 1
            assert "二手来源" not in body
            overview = client.get(f"/campaigns/{shipped_campaign.pk}/").content.decode()
            assert 'class="badge unverified"' not in overview
            assert overview.count('class="needs-check"') == 28

    def test_the_office_sees_the_source_and_the_verification_mark(self, client_for, office_admin, shipped_campaign):
        standard = shipped_campaign.standards.get()
        client = client_for(office_admin)
        sewage = standard.indicators.get(code="5.1")
        body = client.get(f"/campaigns/{shipped_campaign.pk}/indicators/{sewage.pk}/").content.decode()
        assert "两者冲突，暂取 95%" in body and 'class="badge unverified"' in body
        coverage = standard.indicators.get(code="2.6")
        body = client.get(f"/campaigns/{shipped_campaign.pk}/indicators/{coverage.pk}/").content.decode()
        assert "二手来源" in body and "定义不同" in body and "needs-check" not in body
        overview = client.get(f"/campaigns/{shipped_campaign.pk}/").content.decode()
        assert overview.count('class="badge unverified"') == 28
