"""The sidebar: every entry opens the page it names."""
from datetime import timedelta

import pytest
from django.utils import timezone

from indicators.models import Campaign, Tier


@pytest.fixture
def campaigns(city):
    make = lambda name, active=True: Campaign.objects.create(  # noqa: E731
        name=name, city=city, kind="creation", tier=Tier.GARDEN, is_active=active,
        evaluation_date=timezone.localdate() + timedelta(days=40))
    return make("园林城市创建"), make("生态园林城市创建")


class SidebarTests:
    def test_the_overview_entry_opens_the_overview_of_the_current_campaign(self, client_for, leader, campaigns):
        client = client_for(leader)
        body = client.get("/units/").content.decode()
        assert f'href="/campaigns/{campaigns[0].pk}/"><span class="nav-ico">◎</span>达标总览' in body
        client.get(f"/reports/dashboard/?campaign={campaigns[1].pk}")
        body = client.get("/units/").content.decode()
        assert f'href="/campaigns/{campaigns[1].pk}/"><span class="nav-ico">◎</span>达标总览' in body

    def test_the_overview_entry_is_active_on_the_overview(self, client_for, leader, campaigns):
        body = client_for(leader).get(f"/campaigns/{campaigns[0].pk}/").content.decode()
        assert f'class="nav-item active" href="/campaigns/{campaigns[0].pk}/"' in body

    def test_without_a_campaign_the_entry_goes_home(self, client_for, leader):
        body = client_for(leader).get("/units/").content.decode()
        assert 'href="/"><span class="nav-ico">◎</span>达标总览' in body
