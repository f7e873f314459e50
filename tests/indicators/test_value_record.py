"""Recording a value: who typed it (name, unit, role) and where, agreeing with the log; values
computed from ledgers are never typed over."""
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from indicators.models import Campaign, IndicatorValue, Tier
from indicators.services import indicator_value_record
from organizations.audit import audit_for
from organizations.models import Membership
from tests.conftest import make_user
from tests.factories import make_indicator, make_standard


@pytest.fixture
def campaign(city, districts):
    standard, node = make_standard()
    make_indicator(standard, node, "2.2", "建成区绿地率", measure_key="green_space_rate",
                   thresholds=[{"comparator": "gte", "value": 31}], order=1)
    computed = make_indicator(standard, node, "2.3", "建成区绿化覆盖率", measure_key="green_coverage_rate",
                              thresholds=[{"comparator": "gte", "value": 36}], order=2)
    computed.measure.formula_key = "green_coverage_rate"
    computed.measure.save()
    c = Campaign.objects.create(name="测试市创园", city=city, kind="creation", tier=Tier.GARDEN,
                                evaluation_date=timezone.localdate() + timedelta(days=40))
    c.standards.add(standard)
    return c


def indicator(campaign, code):
    return campaign.standards.get().indicators.get(code=code)


class ValueRecordTests:
    def test_the_log_names_whoever_the_value_names(self, campaign, city, office_admin, office_unit):
        other = make_user("office2", office_unit, Membership.Role.OFFICE, "陈组长")
        measure = indicator(campaign, "2.2").measure
        indicator_value_record(measure=measure, scope=city, as_of=date(2026, 11, 1), value=D("30"), user=office_admin)
        value = indicator_value_record(measure=measure, scope=city, as_of=date(2026, 11, 1), value=D("30"), user=other)
        value.refresh_from_db()
        latest = audit_for(value).first()
        assert value.entered_by == other
        assert latest.user == other and latest.actor_name == "陈组长"
        assert latest.changes["entered_by"] == ["赵主任", "陈组长"]

    def test_a_value_computed_from_ledgers_cannot_be_typed(self, campaign, city, office_admin):
        measure = indicator(campaign, "2.3").measure
        with pytest.raises(ValidationError) as refused:
            indicator_value_record(measure=measure, scope=city, as_of=date(2026, 11, 1), value=D("40"),
                                   user=office_admin)
        assert "台账" in str(refused.value)
        assert not IndicatorValue.objects.exists()
        indicator_value_record(measure=measure, scope=city, as_of=date(2026, 11, 1), value=D("40"),
                               source=IndicatorValue.Source.LEDGER)
        assert IndicatorValue.objects.get().value == D("40")


class ValueFormTests:
    def test_the_form_is_not_offered_for_a_computed_value_and_a_post_is_refused(self, client_for, office_admin,
                                                                                 campaign, city):
        computed = indicator(campaign, "2.3")
        url = f"/campaigns/{campaign.pk}/indicators/{computed.pk}/"
        client = client_for(office_admin)
        body = client.get(url).content.decode()
        assert 'name="value"' not in body and "由台账计算，不能手工填报" in body
        response = client.post(url, {"scope": city.pk, "as_of": "2026-11-01", "value": "99"})
        assert response.status_code == 200
        assert "由台账计算，不能手工填报" in response.content.decode()
        assert not IndicatorValue.objects.exists()

    def test_the_log_shows_names_units_roles_and_districts(self, client_for, office_admin, campaign, districts):
        typed = indicator(campaign, "2.2")
        url = f"/campaigns/{campaign.pk}/indicators/{typed.pk}/"
        client = client_for(office_admin)
        assert client.post(url, {"scope": districts[0].pk, "as_of": timezone.localdate().isoformat(),
                                 "value": "30.5"}).status_code == 302
        body = client.get(url).content.decode()
        log = body.split("变更记录")[1]
        assert "赵主任（创园办 · 创建办管理员）" in log and "城东区" in log and "30.5" in log
        values = body.split("数值记录")[1].split("变更记录")[0]
        assert "赵主任" in values and ">office<" not in values
