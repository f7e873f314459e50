"""Log in and walk the campaign overview in Chinese and in English, desktop and phone."""
from datetime import timedelta
from decimal import Decimal as D

from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from indicators.models import Campaign, IndicatorValue, Tier
from organizations.models import Membership, Unit
from tests.conftest import PASSWORD, make_user
from tests.factories import make_indicator, make_standard

from . import login, screenshot, set_language, set_window


def build_campaign():
    city = Unit.objects.create(name="测试市", kind=Unit.Kind.CITY)
    office = Unit.objects.create(name="创园办", kind=Unit.Kind.OFFICE, parent=city)
    make_user("office", office, Membership.Role.OFFICE, "赵主任")
    standard, node = make_standard("garden-test", "国家园林城市标准")
    green = make_indicator(standard, node, "2.2", "建成区绿地率", measure_key="green_space_rate", kind="veto",
                           thresholds=[{"tier": "garden", "comparator": "gte", "value": 31}], order=1)
    parks = make_indicator(standard, node, "2.3", "城市人均公园绿地面积", unit="m²/人",
                           thresholds=[{"tier": "garden", "comparator": "gte", "value": 8}], order=2)
    campaign = Campaign.objects.create(name="测试市国家园林城市复查", city=city, kind="re_inspection",
                                       tier=Tier.GARDEN, evaluation_date=timezone.localdate() + timedelta(days=30))
    campaign.standards.add(standard)
    today = timezone.localdate()
    IndicatorValue.objects.create(measure=green.measure, scope=city, as_of=today, value=D("30.5"))
    IndicatorValue.objects.create(measure=parks.measure, scope=city, as_of=today, value=D("9.1"))
    return campaign


def rows(browser):
    return {r.get_attribute("data-code"): r for r in browser.find_elements(By.CSS_SELECTOR, "tr[data-code]")}


def test_office_walks_the_overview_in_both_languages(browser, live_server):
    campaign = build_campaign()
    login(browser, live_server, "office", PASSWORD)
    browser.get(f"{live_server.url}/campaigns/{campaign.pk}/")

    body = browser.find_element(By.TAG_NAME, "body").text
    assert "否决项未达标" in body and "建成区绿地率" in body
    table = rows(browser)
    assert table["2.2"].get_attribute("data-status") == "not_met"
    assert "未达标" in table["2.2"].text and "0.5" in table["2.2"].text
    assert table["2.3"].get_attribute("data-status") == "met"
    screenshot(browser, "overview-zh-desktop", full_page=True)

    Select(browser.find_element(By.NAME, "status")).select_by_value("met")
    WebDriverWait(browser, 10).until(lambda b: "status=met" in b.current_url)
    assert list(rows(browser)) == ["2.3"]

    table = rows(browser)
    table["2.3"].find_element(By.TAG_NAME, "a").click()
    assert "城市人均公园绿地面积" in browser.find_element(By.TAG_NAME, "h1").text

    set_language(browser, live_server, "en")
    browser.get(f"{live_server.url}/campaigns/{campaign.pk}/")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Veto indicators not met" in body
    assert "Not met" in rows(browser)["2.2"].text
    assert not rows(browser)["2.2"].find_element(By.CSS_SELECTOR, ".show-phone .badge").is_displayed()
    screenshot(browser, "overview-en-desktop", full_page=True)
    set_window(browser, "phone")
    browser.get(f"{live_server.url}/campaigns/{campaign.pk}/")
    # Nothing of the table is cut off at phone width: every row's status is on screen.
    wrap = browser.find_element(By.CSS_SELECTOR, ".overview-table").find_element(By.XPATH, "..")
    assert browser.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth", wrap)
    status = rows(browser)["2.2"].find_element(By.CSS_SELECTOR, ".show-phone .badge")
    assert status.is_displayed() and status.text == "Not met"
    assert browser.execute_script("return arguments[0].getBoundingClientRect().right <= window.innerWidth", status)
    screenshot(browser, "overview-en-phone", full_page=True)
