from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from indicators.models import Campaign, ComplianceSnapshot, IndicatorValue, Tier
from indicators.selectors import campaign_compliance, readiness
from indicators.services import compliance_snapshot_write, indicator_value_record
from organizations.models import AuditEntry
from tests.factories import make_indicator, make_standard

DAY = date(2026, 6, 1)


@pytest.fixture
def setup(city, districts):
    standard, node = make_standard()
    green = make_indicator(standard, node, "2.2", "建成区绿地率", measure_key="green_space_rate", kind="veto",
                           thresholds=[{"tier": "garden", "comparator": "gte", "value": 31}], order=1)
    lowest = make_indicator(standard, node, "2.4", "城市各城区绿地率最低值", measure_key="green_space_rate",
                            aggregation="district_min", thresholds=[{"tier": "garden", "comparator": "gte", "value": 25}],
                            order=2)
    improve = make_indicator(standard, node, "2.10", "园林式居住区达标率", kind="improvement",
                             thresholds=[{"tier": "garden", "comparator": "gte", "value": 50}], order=3)
    campaign = Campaign.objects.create(name="测试复查", city=city, kind="re_inspection", tier=Tier.GARDEN,
                                       per_capita_construction_land=D("90"))
    campaign.standards.add(standard)
    return campaign, green, lowest, improve


def put(measure, scope, value, as_of=DAY):
    return IndicatorValue.objects.create(measure=measure, scope=scope, as_of=as_of, value=D(value))


class CampaignComplianceTests:
    def test_it_takes_the_latest_value_on_or_before_the_date(self, setup, city):
        campaign, green, *_ = setup
        put(green.measure, city, "30", DAY - timedelta(days=7))
        put(green.measure, city, "32", DAY)
        put(green.measure, city, "40", DAY + timedelta(days=1))  # the future is not seen
        rows = {r.indicator.code: r for r in campaign_compliance(campaign, DAY)}
        assert rows["2.2"].value == D("32")
        assert rows["2.2"].status == "met"

    def test_it_takes_the_minimum_over_districts_and_names_the_weakest(self, setup, districts):
        campaign, green, lowest, _ = setup
        for d, v in zip(districts, ["35", "31", "33", "24.6"]):
            put(green.measure, d, v)
        row = next(r for r in campaign_compliance(campaign, DAY) if r.indicator == lowest)
        assert row.value == D("24.6")
        assert row.status == "not_met"
        assert row.evaluation.gap == D("0.4")
        assert row.weakest_district.scope.name == "城北区"

    def test_it_has_no_minimum_until_every_district_reports(self, setup, districts):
        campaign, green, lowest, _ = setup
        for d in districts[:3]:
            put(green.measure, d, "30")
        row = next(r for r in campaign_compliance(campaign, DAY) if r.indicator == lowest)
        assert row.value is None and row.status == "no_data"

    def test_one_failed_veto_makes_the_campaign_not_ready_whatever_else_passes(self, setup, city, districts):
        campaign, green, _, improve = setup
        put(green.measure, city, "30.9")
        for d in districts:
            put(green.measure, d, "30")
        put(improve.measure, city, "60")
        summary = readiness(campaign_compliance(campaign, DAY))
        assert [r.indicator.code for r in summary.veto_failed] == ["2.2"]
        assert not summary.ready
        put(green.measure, city, "31", DAY + timedelta(days=1))
        summary = readiness(campaign_compliance(campaign, DAY + timedelta(days=1)))
        assert summary.veto_failed == [] and summary.ready
        assert (summary.basic_met, summary.basic_total, summary.improvement_met) == (2, 2, 1)

    def test_it_shares_one_value_between_indicators_of_the_same_measure(self, setup, city):
        campaign, green, *_ = setup
        other_std_indicator = make_indicator(*make_standard("other", "另一标准"), "3", "城市绿地率",
                                             measure_key="green_space_rate",
                                             thresholds=[{"tier": "eco", "comparator": "gte", "value": 38}])
        eco = Campaign.objects.create(name="生态", city=city, kind="creation", tier=Tier.ECO)
        eco.standards.add(other_std_indicator.standard)
        put(green.measure, city, "33")
        assert next(iter(campaign_compliance(eco, DAY))).status == "not_met"
        assert next(r for r in campaign_compliance(campaign, DAY) if r.indicator == green).status == "met"

    def test_it_reports_the_trend_against_the_previous_snapshot(self, setup, city, districts):
        campaign, green, *_ = setup
        put(green.measure, city, "30", DAY - timedelta(days=7))
        compliance_snapshot_write(campaign=campaign, on=DAY - timedelta(days=7))
        put(green.measure, city, "31.5")
        row = next(r for r in campaign_compliance(campaign, DAY) if r.indicator == green)
        assert (row.previous_value, row.previous_status, row.trend) == (D("30"), "not_met", "up")


class SnapshotWriteTests:
    def test_it_writes_one_row_per_indicator_and_scope_and_a_rerun_updates(self, setup, city, districts):
        campaign, green, *_ = setup
        put(green.measure, city, "30")
        first = compliance_snapshot_write(campaign=campaign, on=DAY)
        assert first == 3 + 4  # three city rows, four district rows for the lowest-district indicator
        IndicatorValue.objects.filter(measure=green.measure, scope=city).update(value=D("31"))
        compliance_snapshot_write(campaign=campaign, on=DAY)
        assert ComplianceSnapshot.objects.filter(campaign=campaign, date=DAY).count() == 7
        snap = ComplianceSnapshot.objects.get(campaign=campaign, indicator=green, scope=city, date=DAY)
        assert (snap.value, snap.status) == (D("31"), "met")


class ValueRecordTests:
    def test_it_audits_old_and_new_values_and_replaces_same_day_values(self, setup, city, office_admin):
        _, green, *_ = setup
        indicator_value_record(measure=green.measure, scope=city, as_of=DAY, value="30", user=office_admin)
        indicator_value_record(measure=green.measure, scope=city, as_of=DAY, value="31.5", user=office_admin)
        assert IndicatorValue.objects.filter(measure=green.measure, scope=city, as_of=DAY).get().value == D("31.5")
        entries = list(AuditEntry.objects.filter(object_repr__contains="建成区绿地率").order_by("id"))
        assert [e.action for e in entries] == ["create", "update"]
        assert entries[1].changes == {"value": ["30", "31.5"]}
        assert entries[1].user == office_admin

    def test_an_unchanged_value_writes_no_audit_entry(self, setup, city):
        _, green, *_ = setup
        indicator_value_record(measure=green.measure, scope=city, as_of=DAY, value="30")
        indicator_value_record(measure=green.measure, scope=city, as_of=DAY, value="30.0")
        assert AuditEntry.objects.count() == 1


class SnapshotCrashTests:
    def test_a_job_dying_mid_write_leaves_no_half_day_and_the_rerun_completes(self, setup, city, districts,
                                                                               monkeypatch):
        from indicators.models import ComplianceSnapshot as Snap

        campaign, green, *_ = setup
        put(green.measure, city, "30")
        real = Snap.objects.update_or_create
        calls = {"n": 0}

        def dies_on_the_third_row(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                raise SystemExit("worker killed")  # not an Exception: nothing in the job may swallow it
            return real(*args, **kwargs)

        monkeypatch.setattr(Snap.objects, "update_or_create", dies_on_the_third_row)
        with pytest.raises(SystemExit):
            compliance_snapshot_write(campaign=campaign, on=DAY)
        assert not Snap.objects.filter(campaign=campaign, date=DAY).exists()
        monkeypatch.setattr(Snap.objects, "update_or_create", real)
        assert compliance_snapshot_write(campaign=campaign, on=DAY) == 7
        assert Snap.objects.filter(campaign=campaign, date=DAY).count() == 7
