"""seed_synthetic builds the demo city grown N times with bulk writes (issue 13). Sizes
belong in `make bench`; this runs the smallest growth once (seed_demo is most of its cost)
and checks counts, pages and a refused rerun in one test."""
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from indicators.models import Campaign, ComplianceSnapshot
from indicators.synthetic import DEMO_FINDINGS, DEMO_TASKS, sizes
from inspections.models import Finding
from ledgers.models import LedgerRow, LedgerVersion
from organizations.models import Unit
from tasks.models import Task


@pytest.fixture
def synthetic(db, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # demo logins, quickly
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_synthetic", scale=2, stdout=open("/dev/null", "w"))


class SeedSyntheticTests:
    def test_it_grows_the_demo_city_by_the_scale_and_the_pages_render_it(self, synthetic, client):
        campaign = Campaign.objects.get(name="示例市国家园林城市复查")
        assert Finding.objects.filter(campaign=campaign).count() == 2 * DEMO_FINDINGS
        assert Task.objects.count() == 2 * DEMO_TASKS
        city = campaign.city
        assert Unit.objects.filter(parent=city, kind=Unit.Kind.DISTRICT).count() == sizes(2)["districts"]
        assert all(Unit.objects.filter(parent=d).count() >= sizes(2)["streets"]
                   for d in Unit.objects.filter(parent=city, kind=Unit.Kind.DISTRICT))
        compounds = LedgerVersion.objects.get(is_current=True, ledger__ledger_type="compounds")
        assert LedgerRow.objects.filter(version=compounds).count() == compounds.row_count == 2 * 200
        weeks = sizes(2)["weeks"]
        assert ComplianceSnapshot.objects.filter(campaign=campaign, scope=city).dates("date", "day").count() == weeks
        # business dates, not the moment of the bulk insert: a past week counts them
        first = Finding.objects.filter(round__title__endswith="（合成）").order_by("found_on").first()
        assert timezone.localtime(first.created_at).date() == first.found_on
        assert Finding.objects.filter(round__title__endswith="（合成）", closed_at__isnull=False).exists()

        client.force_login(get_user_model().objects.get(username="office"))
        dashboard = client.get("/reports/dashboard/")
        assert dashboard.status_code == 200
        assert dashboard.context["work"].findings_open > 0
        assert client.get("/reports/briefings/preview/").status_code == 200

        with pytest.raises(CommandError, match="already holds a synthetic city"):
            call_command("seed_synthetic", scale=2, stdout=open("/dev/null", "w"))
