"""The demo task tables: every indicator of both standards bound to a lead unit and people."""
import pytest
from django.core.management import call_command

from indicators.models import Indicator
from tasks.models import Review, Task


@pytest.fixture
def demo(db):
    from importlib import import_module

    call_command("load_standards", verbosity=0)
    context = {}
    for name in ("organizations.demo", "indicators.demo", "tasks.demo"):
        import_module(name).seed(context)
    return context


class DemoSeedTests:
    def test_every_indicator_of_both_standards_has_a_lead_unit_and_people(self, demo):
        for key in ("campaign", "eco_campaign"):
            campaign = demo[key]
            indicators = set(Indicator.objects.filter(standard__campaigns=campaign).values_list("id", flat=True))
            tasks = Task.objects.filter(campaign=campaign)
            assert indicators and indicators == set(tasks.exclude(indicator=None).values_list("indicator_id", flat=True))
            assert not tasks.filter(responsible_person=None).exists()
            assert not tasks.filter(responsible_leader=None).exists()
            assert not tasks.exclude(responsible_leader__is_leader=True).exists()
            assert tasks.filter(indicator=None, content="宣传发动").exists()
            states = set(tasks.values_list("review_state", flat=True))
            assert states == set(Review.values)

    def test_a_second_run_changes_nothing(self, demo):
        from tasks import demo as tasks_demo

        before = list(Task.objects.order_by("id").values_list("id", "seq", "progress", "review_state"))
        tasks_demo.seed(demo)
        assert list(Task.objects.order_by("id").values_list("id", "seq", "progress", "review_state")) == before
