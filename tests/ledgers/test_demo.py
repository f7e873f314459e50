"""The demo: 示例市's ledger-computed values come from demo ledgers, idempotently, and the
shipped demo files round-trip."""
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from indicators import demo as indicators_demo
from indicators.models import IndicatorValue
from indicators.selectors import campaign_compliance
from ledgers import demo
from ledgers.models import Ledger, LedgerRow, LedgerVersion
from ledgers.services import ledger_upload_create, ledger_upload_parse
from organizations import demo as organizations_demo
from organizations.models import AuditEntry

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "ledgers"


@pytest.fixture
def seeded(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # demo logins, quickly
    call_command("load_standards", verbosity=0)
    context = {}
    organizations_demo.seed(context)
    indicators_demo.seed(context)
    demo.seed(context)
    return context


class DemoTests:
    def test_the_campaigns_ledger_values_come_from_the_demo_ledgers(self, seeded):
        city, campaign = seeded["city"], seeded["campaign"]
        today = timezone.localdate()
        values = {(v.measure.key, v.scope.name): v for v in IndicatorValue.objects.filter(
            as_of=today, source=IndicatorValue.Source.LEDGER).select_related("measure", "scope")}
        expected = {
            ("green_space_rate", "示例市"): "33.6", ("green_space_rate", "城北区"): "24.6",
            ("green_coverage_rate", "示例市"): "38.9", ("tree_shrub_ratio", "示例市"): "63.2",
            ("park_green_per_capita", "示例市"): "9.12", ("park_green_per_capita", "城北区"): "5.3",
            ("park_service_coverage", "示例市"): "79.2", ("garden_compound_rate", "示例市"): "48.5",
            ("shaded_road_rate", "示例市"): "71.4", ("greenway_km_per_10k", "示例市"): "0.62",
            ("comprehensive_parks_per_10k", "示例市"): "0.0765", ("sewage_treatment_rate", "示例市"): "94.2",
        }
        for key, number in expected.items():
            assert values[key].value == D(number), key
            assert values[key].provenance["versions"], key
        rows = {r.indicator.code: r for r in campaign_compliance(campaign, today)}
        assert rows["2.2"].status == "met" and rows["2.4"].status == "not_met"  # 城北区 under the 25 % floor
        assert rows["2.4"].weakest_district.scope.name == "城北区"
        assert rows["2.6"].status == "not_met" and rows["2.6"].value == D("79.2")
        assert city.name == "示例市"
        # Two versions: v1 eight weeks ago, v2 today; the values moved with them.
        assert LedgerVersion.objects.filter(number=2).count() == 5  # 城区基础数据 and 填报表 have one
        earlier = IndicatorValue.objects.filter(measure__key="park_service_coverage",
                                                source=IndicatorValue.Source.LEDGER).order_by("as_of")
        assert earlier.count() == 2 and earlier[0].value < earlier[1].value

    def test_a_second_seed_changes_nothing_and_the_shipped_files_reupload_unchanged(self, seeded, settings,
                                                                                   tmp_path):
        counts = (Ledger.objects.count(), LedgerVersion.objects.count(), LedgerRow.objects.count(),
                  IndicatorValue.objects.count(), AuditEntry.objects.count())
        demo.seed(seeded)
        assert counts == (Ledger.objects.count(), LedgerVersion.objects.count(), LedgerRow.objects.count(),
                          IndicatorValue.objects.count(), AuditEntry.objects.count())
        settings.MEDIA_ROOT = tmp_path
        for key in ["district_base", "parks", "green_spaces", "greenways", "roads", "compounds"]:
            ledger = Ledger.objects.get(ledger_type=key)
            content = (FIXTURES / demo.file_name(key)).read_bytes()
            upload = ledger_upload_parse(upload=ledger_upload_create(
                unit=ledger.unit, ledger_type=key, file=content, user=None, file_name=demo.file_name(key)))
            assert upload.error_count == 0, (key, upload.result["errors"][:3])
            assert (upload.added, upload.changed, upload.removed) == (0, 0, 0), key
