"""The city map in a real browser: a click on an open finding's pin opens the finding."""
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from indicators.models import Campaign, Tier
from inspections import services as I
from organizations.models import Membership, Unit
from tests.conftest import PASSWORD, make_user
from tests.factories import make_standard

from . import login, screenshot

PIN = """
var chart = echarts.getInstanceByDom(document.getElementById('city-map'));
var series = chart.getOption().series;
for (var i = 0; i < series.length; i++) {
  if (series[i].name === arguments[0] && series[i].data.length) {
    return chart.convertToPixel({seriesIndex: i}, series[i].data[0].value);
  }
}
return null;
"""


def test_a_click_on_a_finding_opens_it(browser, live_server):
    city = Unit.objects.create(name="测试市", kind=Unit.Kind.CITY)
    office = Unit.objects.create(name="创园办", kind=Unit.Kind.OFFICE, parent=city)
    unit = Unit.objects.create(name="市住建局", kind=Unit.Kind.DEPARTMENT, parent=city)
    user = make_user("office", office, Membership.Role.OFFICE, "赵主任")
    standard, _node = make_standard("garden-test", "国家园林城市标准")
    campaign = Campaign.objects.create(name="测试市国家园林城市复查", city=city, office=office, kind="re_inspection",
                                       tier=Tier.GARDEN, is_active=True)
    campaign.standards.add(standard)
    finding = I.finding_create(campaign=campaign, user=user, unit=unit, description="人民公园东门黄土裸露",
                               address="人民路", deadline=timezone.localdate() + timedelta(days=1),
                               latitude=Decimal("32.050000"), longitude=Decimal("118.780000"))
    login(browser, live_server, "office", PASSWORD)
    browser.get(f"{live_server.url}/planner/map/")
    WebDriverWait(browser, 10).until(lambda b: b.execute_script(PIN, "未销号问题"))
    x, y = browser.execute_script(PIN, "未销号问题")
    chart = browser.find_element(By.ID, "city-map")
    screenshot(browser, "map-one-finding")
    # A pin's point is its tip: click just above it. Offsets count from the element's centre.
    ActionChains(browser).move_to_element_with_offset(
        chart, int(x - chart.size["width"] / 2), int(y - chart.size["height"] / 2) - 5).click().perform()
    WebDriverWait(browser, 10).until(lambda b: b.current_url.endswith(f"/inspections/{finding.pk}/"))
