"""Ledgers in a real browser: unit staff download the template, upload it filled in with
one error, fix it, preview, confirm — and the indicator's value and status change on the
campaign overview."""
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from openpyxl import load_workbook
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from indicators.models import Campaign, Tier
from indicators import jobs as indicator_jobs
from ledgers.services import ledger_upload_confirm, ledger_upload_create, ledger_upload_parse
from ledgers.schemas import LEDGER_TYPES
from ledgers.workbooks import ledger_workbook
from organizations.models import Membership, Person, Unit
from tests.factories import make_indicator, make_standard

from . import click_and_wait, login, screenshot, set_window

PASSWORD = "Chuangyuan-2026-test"
DISTRICTS = ["城东区", "城西区", "城南区", "城北区"]


def compound(name, rated, lat="32.05", area=80000):
    return {"name": name, "district": "城东区", "kind": "residential", "garden_rated": rated, "lat": lat,
            "lng": "118.78", "residential_area_m2": str(area)}


def make_world():
    city = Unit.objects.create(name="示例市", kind=Unit.Kind.CITY)
    for i, name in enumerate(DISTRICTS):
        Unit.objects.create(name=name, kind=Unit.Kind.DISTRICT, parent=city, sort_order=i)
    zhujian = Unit.objects.create(name="市住房和城乡建设局", kind=Unit.Kind.DEPARTMENT, parent=city, sort_order=10)
    standard, aspect = make_standard()
    indicator = make_indicator(standard, aspect, "2.10", "园林式居住区（单位）达标率", measure_key="garden_compound_rate",
                               thresholds=[{"tier": "garden", "comparator": "gte", "value": 50}])
    indicator.measure.formula_key = "garden_compound_rate"
    indicator.measure.save()
    campaign = Campaign.objects.create(name="示例市国家园林城市复查", city=city, kind=Campaign.Kind.RE_INSPECTION,
                                       tier=Tier.GARDEN, urban_population=Decimal("52.3"),
                                       built_up_area_km2=Decimal("68.5"), evaluation_date=timezone.localdate())
    campaign.standards.add(standard)
    staff = get_user_model().objects.create_user("zhujian.qian", password=PASSWORD)
    Membership.objects.create(user=staff, unit=zhujian, role=Membership.Role.UNIT_STAFF)
    Person.objects.create(name="钱海燕", title="园林科科长", unit=zhujian, user=staff)
    # Last month's ledger: one compound of four rated 园林式 → 25 %, not met.
    first = [compound("锦绣花园", True, "32.05", 80000), compound("阳光小区", False, "32.051", 60000),
             compound("碧水家园", False, "32.052", 70000), compound("金色华府", False, "32.053", 50000)]
    content = ledger_workbook(LEDGER_TYPES["compounds"], rows=first, districts=DISTRICTS, example=False)
    upload = ledger_upload_parse(upload=ledger_upload_create(unit=zhujian, ledger_type="compounds", file=content,
                                                             user=staff, file_name="居住区台账（上月）.xlsx",
                                                             campaign=campaign))
    ledger_upload_confirm(upload=upload, user=staff)
    return campaign


def wait_for(browser, css):
    return WebDriverWait(browser, 20).until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))


def wait_for_file(folder, pattern, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [p for p in folder.glob(pattern) if not p.name.endswith(".crdownload")]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no {pattern} downloaded into {folder}")


def overview_row(browser, live_server, campaign):
    browser.get(f"{live_server.url}/campaigns/{campaign.pk}/")
    return wait_for(browser, 'tr[data-code="2.10"]')


def fill(template_path, out_path, rows):
    """What the user does in Excel: type the rows under the header, over the example row."""
    wb = load_workbook(template_path)
    ws = wb["居住区与单位"]
    headers = [str(c.value).lstrip("*") for c in ws[3]]
    for r, row in enumerate(rows, start=4):
        for c, header in enumerate(headers, start=1):
            ws.cell(row=r, column=c).value = row.get(header)
    wb.save(out_path)
    return out_path


def upload(browser, live_server, path):
    browser.get(f"{live_server.url}/ledgers/upload/?type=compounds")
    form = wait_for(browser, "#ledger-upload-form")
    assert Select(form.find_element(By.NAME, "ledger_type")).first_selected_option.text == "居住区与单位"
    form.find_element(By.NAME, "file").send_keys(str(path))
    click_and_wait(browser, form.find_element(By.CSS_SELECTOR, "[type=submit]"))
    return wait_for(browser, '[data-testid="upload-status"]')


def test_unit_staff_download_fill_fix_confirm_and_the_overview_follows(browser, live_server, tmp_path, monkeypatch):
    queued = []
    monkeypatch.setattr(indicator_jobs, "queue_recompute", queued.append)
    campaign = make_world()
    queued.clear()
    login(browser, live_server, "zhujian.qian", PASSWORD)

    row = overview_row(browser, live_server, campaign)
    assert row.get_attribute("data-status") == "not_met" and "25" in row.text

    # Download the template from the ledger page.
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    browser.get(f"{live_server.url}/ledgers/")
    card = wait_for(browser, 'article[data-type="compounds"]')
    card.find_element(By.PARTIAL_LINK_TEXT, "下载模板").click()
    template = wait_for_file(tmp_path, "*模板.xlsx")

    # Fill it in with one mistake: a 园林式 cell reading "待定".
    rows = [{"名称": "锦绣花园", "所在城区": "城东区", "类别": "居住区", "园林式达标": "是", "纬度": 32.05, "经度": 118.78,
             "居住用地面积（m²）": 80000},
            {"名称": "阳光小区", "所在城区": "城东区", "类别": "居住区", "园林式达标": "是", "纬度": 32.051, "经度": 118.78,
             "居住用地面积（m²）": 60000},
            {"名称": "碧水家园", "所在城区": "城东区", "类别": "居住区", "园林式达标": "待定", "纬度": 32.052,
             "经度": 118.78, "居住用地面积（m²）": 70000},
            {"名称": "金色华府", "所在城区": "城东区", "类别": "居住区", "园林式达标": "否", "纬度": 32.053, "经度": 118.78,
             "居住用地面积（m²）": 50000}]
    status = upload(browser, live_server, fill(template, tmp_path / "居住区台账（8月）.xlsx", rows))
    assert status.text == "待确认"
    assert browser.find_element(By.CSS_SELECTOR, '[data-testid="error-count"]').text == "1"
    errors = browser.find_element(By.ID, "errors").text
    assert "第 6 行" in errors and "园林式达标" in errors and "待定" in errors
    assert not browser.find_element(By.CSS_SELECTOR, '[data-testid="confirm"]').is_enabled()
    screenshot(browser, "ledgers-preview-error")

    # Fix the cell and upload again: no errors, the preview lists what changes.
    rows[2]["园林式达标"] = "是"
    upload(browser, live_server, fill(template, tmp_path / "居住区台账（8月，已改）.xlsx", rows))
    assert browser.find_element(By.CSS_SELECTOR, '[data-testid="error-count"]').text == "0"
    assert browser.find_element(By.CSS_SELECTOR, '[data-testid="diff-counts"]').text == "+0 ~2 −0"
    changed = browser.find_element(By.ID, "changed").text
    assert "阳光小区" in changed and "碧水家园" in changed
    screenshot(browser, "ledgers-preview-ok", full_page=True)
    set_window(browser, "phone")
    screenshot(browser, "ledgers-preview-phone", full_page=True)
    set_window(browser, "desktop")

    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, '[data-testid="confirm"]'))
    assert "已确认为" in browser.find_element(By.CSS_SELECTOR, ".alert-success").text
    assert "/ledgers/versions/" in browser.current_url
    assert queued == [campaign.pk]

    # The overview follows: 3 of 4 compounds rated → 75 %, met.
    row = overview_row(browser, live_server, campaign)
    assert row.get_attribute("data-status") == "met" and "75" in row.text
    screenshot(browser, "ledgers-overview-after")
