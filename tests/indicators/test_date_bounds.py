"""Campaign.date_bounds: the one plausible range for every date a user or an import writes."""
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from indicators.calendar import check_dates
from indicators.models import Campaign


class DateBoundsTests:
    def test_it_spans_five_years_either_side_of_today_and_the_evaluation(self):
        campaign = Campaign(evaluation_date=date(2027, 6, 1))
        assert campaign.date_bounds(date(2026, 11, 29)) == (date(2021, 11, 29), date(2032, 6, 1))
        assert Campaign().date_bounds(date(2026, 11, 29)) == (date(2021, 11, 29), date(2031, 11, 29))

    @pytest.mark.parametrize("value, ok", [
        (date(2021, 11, 29), True), (date(2021, 11, 28), False), (date(2031, 11, 29), True),
        (date(2031, 11, 30), False), (date(9999, 12, 31), False), (date(1, 1, 1), False), (None, True)])
    def test_check_dates_refuses_a_date_outside_with_a_clear_message(self, value, ok):
        campaign = Campaign()
        if ok:
            check_dates(campaign, date(2026, 11, 29), deadline=value)
            return
        with pytest.raises(ValidationError) as info:
            check_dates(campaign, date(2026, 11, 29), deadline=value)
        assert "2021-11-29" in str(info.value) and "2031-11-29" in str(info.value)
        assert "deadline" in info.value.message_dict


class FarDateViewTests:
    def test_a_task_due_9999_12_31_is_refused_and_the_page_still_opens(self, client_for, office_admin, db):
        from organizations.models import Unit
        from tasks.models import Task

        city = Unit.objects.get(kind=Unit.Kind.CITY)
        unit = Unit.objects.create(name="市园林局", kind=Unit.Kind.DEPARTMENT, parent=city)
        Campaign.objects.create(name="复查", city=city, office=office_admin.memberships.get().unit,
                                kind="re_inspection", tier="garden")
        client = client_for(office_admin)
        response = client.post("/tasks/new/", {"seq": 1, "content": "x", "lead_unit": unit.pk, "due_on": "9999-12-31"})
        assert response.status_code == 400 and "须在" in response.content.decode()
        assert not Task.objects.exists()

    def test_a_briefing_for_week_0001_01_01_is_a_clear_message(self, client_for, office_admin, db):
        from organizations.models import Unit
        from reports.models import Briefing

        city = Unit.objects.get(kind=Unit.Kind.CITY)
        Campaign.objects.create(name="复查", city=city, office=office_admin.memberships.get().unit,
                                kind="re_inspection", tier="garden")
        response = client_for(office_admin).post("/reports/briefings/build/", {"week": "0001-01-01"}, follow=True)
        assert response.status_code == 200 and "须在" in response.content.decode()
        assert not Briefing.objects.exists()
