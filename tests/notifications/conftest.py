from datetime import date

import pytest

from indicators.models import Campaign, Tier
from tasks.models import Task

MON = date(2026, 6, 1)  # a Monday; deadlines below are relative to it


@pytest.fixture
def campaign(city, office_unit):
    return Campaign.objects.create(name="测试复查", city=city, office=office_unit, kind="re_inspection",
                                   tier=Tier.GARDEN, yellow_days=3, escalation_days=3)


@pytest.fixture
def city_leader(city, unit_a):
    from tests.conftest import make_user
    from organizations.models import Membership

    user = make_user("vice_mayor", city, Membership.Role.LEADER, "王副市长")
    person = user.person
    person.is_leader = True
    person.save()
    unit_a.responsible_leader = person
    unit_a.save()
    return person


@pytest.fixture
def task(campaign, unit_a, lead_staff, city_leader):
    return Task.objects.create(campaign=campaign, seq=1, content="完成绿线公示", lead_unit=unit_a, due_on=MON,
                               responsible_person=lead_staff.person)
