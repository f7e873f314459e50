from datetime import date

import tablib

from indicators.admin import HolidayResource
from indicators.models import Holiday


class HolidayImportTests:
    def dataset(self, *rows):
        return tablib.Dataset(*rows, headers=["日期", "名称", "调休上班"])

    def test_the_office_uploads_a_holiday_calendar_and_a_reupload_changes_nothing(self, db):
        data = self.dataset(("2026-10-01", "国庆节", "0"), ("2026-10-10", "国庆调休", "1"))
        result = HolidayResource().import_data(data, dry_run=False)
        assert not result.has_errors()
        assert list(Holiday.objects.values_list("date", "is_workday")) == [
            (date(2026, 10, 1), False), (date(2026, 10, 10), True)]
        again = HolidayResource().import_data(data, dry_run=False)
        assert again.totals["skip"] == 2 and Holiday.objects.count() == 2

    def test_a_bad_date_writes_nothing(self, db):
        data = self.dataset(("2026-10-01", "国庆节", "0"), ("十月二日", "国庆节", "0"))
        result = HolidayResource().import_data(data, dry_run=False, raise_errors=False)
        assert result.has_errors() or result.has_validation_errors()
        assert not Holiday.objects.exists()

    def test_the_campaign_policy_reads_the_calendar(self, db, city):
        from indicators.models import Campaign

        Holiday.objects.create(date=date(2026, 10, 1), name="国庆节")
        campaign = Campaign.objects.create(name="c", city=city, kind="creation", tier="garden", working_days=True)
        policy = campaign.alert_policy()
        assert not policy.is_working_day(date(2026, 10, 1))
        assert policy.is_working_day(date(2026, 10, 9))
