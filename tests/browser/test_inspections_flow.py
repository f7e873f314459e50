"""督查整改 in a real browser: an inspector records a finding with a photo on a phone, the
unit's staff submit the rectification with an after-photo, the inspector closes it."""
from datetime import timedelta
from urllib.parse import urlparse

from django.contrib.auth import get_user_model
from django.utils import timezone
from PIL import Image, ImageDraw
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from indicators.models import Campaign, Tier
from inspections.models import Finding, FindingEvent
from organizations.models import Membership, Person, Unit

from . import click_and_wait, login, screenshot

PASSWORD = "Duban-2026-xianqi"


def make_world():
    city = Unit.objects.create(name="示例市", kind=Unit.Kind.CITY)
    office_unit = Unit.objects.create(name="创园办", kind=Unit.Kind.OFFICE, parent=city)
    zhujian = Unit.objects.create(name="市住房和城乡建设局", short_name="市住建局", kind=Unit.Kind.DEPARTMENT,
                                  parent=city)
    Unit.objects.create(name="市城市管理综合执法局", short_name="市城管执法局", kind=Unit.Kind.DEPARTMENT, parent=city)
    campaign = Campaign.objects.create(name="示例市国家园林城市复查", city=city, office=office_unit,
                                       kind=Campaign.Kind.RE_INSPECTION, tier=Tier.GARDEN)
    User = get_user_model()
    inspector = User.objects.create_user("ducha.zhou", password=PASSWORD)
    Membership.objects.create(user=inspector, unit=office_unit, role=Membership.Role.INSPECTOR)
    Person.objects.create(name="周涛", title="督查组组长", unit=office_unit, user=inspector)
    staff = User.objects.create_user("zhujian.qian", password=PASSWORD)
    Membership.objects.create(user=staff, unit=zhujian, role=Membership.Role.UNIT_STAFF)
    Person.objects.create(name="钱海燕", title="园林科科长", unit=zhujian, user=staff)
    return campaign, zhujian


def jpeg(path, colour):
    img = Image.new("RGB", (640, 480), (150, 190, 225))
    ImageDraw.Draw(img).rectangle([0, 260, 640, 480], fill=colour)
    img.save(path, "JPEG", quality=80)
    return str(path)


def wait_for(browser, css):
    return WebDriverWait(browser, 20).until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))


def tap(browser, element):
    # The capture form's submit bar sticks to the bottom of the phone screen: scroll first.
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def submit(browser, form_css):
    """Press a form's submit button and wait for the next page."""
    button = browser.find_element(By.CSS_SELECTOR, f"{form_css} button[type=submit]")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    click_and_wait(browser, button)


def test_inspector_records_unit_rectifies_inspector_closes(browser_factory, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    campaign, zhujian = make_world()

    # 1. On a phone, the inspector records the finding with a photo from the camera.
    phone = browser_factory(viewport="phone")
    login(phone, live_server, "ducha.zhou", PASSWORD)
    phone.get(live_server.url + "/inspections/new/")
    camera = wait_for(phone, "input[name=photos]")
    assert camera.get_attribute("capture") == "environment" and camera.get_attribute("accept") == "image/*"
    assert phone.execute_script("return document.documentElement.clientWidth") == 390
    camera.send_keys(jpeg(tmp_path / "before.jpg", (168, 128, 82)))
    WebDriverWait(phone, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#capture-preview img"))
    phone.find_element(By.NAME, "description").send_keys("人民公园东门绿地黄土裸露约50平方米")
    phone.find_element(By.NAME, "address").send_keys("人民路与公园路交叉口东北角")
    tap(phone, phone.find_element(By.CSS_SELECTOR, f"[data-unit-chip='{zhujian.pk}']"))  # the quick unit choice
    tap(phone, phone.find_element(By.CSS_SELECTOR, "[data-deadline-days='3']"))
    expected_deadline = timezone.localdate() + timedelta(days=3)
    assert phone.find_element(By.NAME, "deadline").get_attribute("value") == expected_deadline.isoformat()
    screenshot(phone, "inspections-capture-phone", full_page=True)
    submit(phone, "#capture-form")

    finding = Finding.objects.get()
    assert urlparse(phone.current_url).path == f"/inspections/{finding.pk}/"
    assert (finding.unit, finding.status, finding.deadline) == (zhujian, Finding.Status.ASSIGNED, expected_deadline)
    assert finding.photos.filter(kind="before").count() == 1
    assert "已交办" in phone.find_element(By.TAG_NAME, "body").text
    before = phone.find_element(By.CSS_SELECTOR, ".compare-col.before img")
    WebDriverWait(phone, 10).until(lambda d: d.execute_script("return arguments[0].naturalWidth", before) > 0)

    # 2. The unit's staff find it in their queue, start, and submit with an after-photo.
    staff = browser_factory()
    login(staff, live_server, "zhujian.qian", PASSWORD)
    staff.get(live_server.url + "/inspections/queue/")
    tap(staff, staff.find_element(By.CSS_SELECTOR, f"[data-finding='{finding.pk}'] a.finding-link"))
    wait_for(staff, "form[action$='/start/']")
    submit(staff, "form[action$='/start/']")
    staff.find_element(By.NAME, "note").send_keys("已平整土地并补植麦冬约50平方米")
    staff.find_element(By.ID, "id_after_photos").send_keys(jpeg(tmp_path / "after.jpg", (70, 150, 60)))
    submit(staff, "#submit-form")
    finding.refresh_from_db()
    assert finding.status == Finding.Status.SUBMITTED
    assert "待复核" in staff.find_element(By.TAG_NAME, "body").text
    assert len(staff.find_elements(By.CSS_SELECTOR, ".compare-col.after img")) == 1
    screenshot(staff, "inspections-submitted-desktop", full_page=True)

    # 3. Back on the phone, the inspector verifies and closes it.
    phone.get(live_server.url + f"/inspections/{finding.pk}/")
    wait_for(phone, "#close-form")
    phone.find_element(By.CSS_SELECTOR, "#close-form textarea[name=note]").send_keys("复核通过，予以销号")
    submit(phone, "#close-form")
    finding.refresh_from_db()
    assert finding.status == Finding.Status.CLOSED
    timeline = phone.find_element(By.CSS_SELECTOR, "[data-testid=timeline]").text
    for text in ["登记交办", "开始整改", "提交复核", "复核销号", "复核通过，予以销号", "周涛", "钱海燕"]:
        assert text in timeline
    assert list(finding.events.values_list("kind", flat=True)) == [
        FindingEvent.Kind.CREATED, FindingEvent.Kind.STARTED, FindingEvent.Kind.SUBMITTED, FindingEvent.Kind.CLOSED]
    assert not phone.find_elements(By.CSS_SELECTOR, "#close-form")
    screenshot(phone, "inspections-closed-phone", full_page=True)
