"""The task table in a real browser: the office imports the table, unit staff find their
task on a phone, report progress and hand it in, the office accepts it."""
from datetime import timedelta
from urllib.parse import urlparse

from django.contrib.auth import get_user_model
from django.utils import timezone
from openpyxl import Workbook
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from indicators.models import Campaign, Tier
from organizations.models import Membership, Person, Unit
from tasks.models import Review, Task, TaskUpdate
from tests.factories import make_indicator, make_standard

from . import click_and_wait, login, screenshot

PASSWORD = "Chuangyuan-2026-test"


def make_world():
    city = Unit.objects.create(name="示例市", kind=Unit.Kind.CITY)
    office_unit = Unit.objects.create(name="创园办", kind=Unit.Kind.OFFICE, parent=city)
    zhujian = Unit.objects.create(name="市住房和城乡建设局", short_name="市住建局", kind=Unit.Kind.DEPARTMENT,
                                  parent=city)
    Unit.objects.create(name="市城市管理综合执法局", short_name="市城管执法局", kind=Unit.Kind.DEPARTMENT, parent=city)
    standard, aspect = make_standard()
    make_indicator(standard, aspect, "2.1", "建成区绿化覆盖率", order=1)
    make_indicator(standard, aspect, "2.2", "建成区绿地率", order=2)
    campaign = Campaign.objects.create(name="示例市国家园林城市复查", city=city, office=office_unit,
                                       kind=Campaign.Kind.RE_INSPECTION, tier=Tier.GARDEN)
    campaign.standards.add(standard)
    Person.objects.create(name="王建国", title="副市长", unit=city, is_leader=True)
    User = get_user_model()
    office = User.objects.create_user("office.zhao", password=PASSWORD)
    Membership.objects.create(user=office, unit=office_unit, role=Membership.Role.OFFICE)
    Person.objects.create(name="赵志强", unit=office_unit, user=office, is_leader=True)
    staff = User.objects.create_user("zhujian.qian", password=PASSWORD)
    Membership.objects.create(user=staff, unit=zhujian, role=Membership.Role.UNIT_STAFF)
    Person.objects.create(name="钱海燕", title="园林科科长", unit=zhujian, user=staff)
    return campaign


def table_file(tmp_path):
    due = timezone.localdate() + timedelta(days=20)
    wb = Workbook()
    ws = wb.active
    ws.title = "任务分解表"
    ws.append(["示例市创建国家园林城市复查任务分解表"])
    ws.append(["序号", "指标编号", "任务内容", "标准或要求", "工作措施", "牵头单位", "配合单位", "责任领导", "责任人",
               "完成时限"])
    ws.append([1, "2.1", "建成区绿化覆盖率提升到 38%", "≥ 36 %", "见缝插绿、拆违建绿", "市住建局", "市城管执法局",
               "王建国", "钱海燕", f"{due.year}年{due.month}月{due.day}日"])
    ws.append([2, "2.2", "建成区绿地率核查", "≥ 31 %", "核准各类绿地数据", "市城管执法局", "市住建局", "王建国", "",
               due.strftime("%Y/%m/%d")])
    path = tmp_path / "任务分解表.xlsx"
    wb.save(path)
    return path


def wait_for(browser, css):
    return WebDriverWait(browser, 20).until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))


def test_office_imports_unit_reports_office_accepts(browser_factory, live_server, tmp_path):
    make_world()
    office = browser_factory()
    login(office, live_server, "office.zhao", PASSWORD)

    # The office imports the table: preview first, then confirm.
    office.get(live_server.url + "/tasks/import/")
    office.find_element(By.NAME, "file").send_keys(str(table_file(tmp_path)))
    click_and_wait(office, office.find_element(By.CSS_SELECTOR, "form.card button[type=submit]"))
    assert wait_for(office, '[data-count="new"] .value').text == "2"
    assert not Task.objects.exists()
    screenshot(office, "tasks-import-preview", full_page=True)
    click_and_wait(office, office.find_element(By.NAME, "confirm"))
    assert urlparse(office.current_url).path == "/tasks/"
    assert "导入完成" in office.find_element(By.CSS_SELECTOR, ".messages").text
    assert len(office.find_elements(By.CSS_SELECTOR, "tr.task-row")) == 2
    task = Task.objects.get(seq=1)

    # Unit staff, on a phone, find the task among their own and report progress.
    staff = browser_factory(viewport="phone")
    login(staff, live_server, "zhujian.qian", PASSWORD)
    staff.get(live_server.url + "/tasks/mine/")
    led = staff.find_elements(By.CSS_SELECTOR, "tr.task-row")
    assert [r.get_attribute("data-seq") for r in led] == ["1", "2"]  # led first, then cooperating
    screenshot(staff, "tasks-mine-phone", full_page=True)
    click_and_wait(staff, staff.find_element(By.LINK_TEXT, "建成区绿化覆盖率提升到 38%"))
    progress = wait_for(staff, "input[name=progress]")
    progress.clear()
    progress.send_keys("100")
    staff.find_element(By.NAME, "text").send_keys("新增绿地 3.2 公顷，遥感复核完成")
    click_and_wait(staff, staff.find_element(By.NAME, "report"))
    assert "进度已报送" in staff.find_element(By.CSS_SELECTOR, ".messages").text
    task.refresh_from_db()
    assert task.progress == 100
    staff.find_element(By.CSS_SELECTOR, ".submit-box summary").click()
    staff.find_element(By.NAME, "note").send_keys("已完成，请审核")
    click_and_wait(staff, staff.find_element(By.NAME, "submit"))
    task.refresh_from_db()
    assert task.review_state == Review.SUBMITTED
    screenshot(staff, "tasks-detail-phone", full_page=True)

    # The office reviews and accepts.
    office.get(live_server.url + f"/tasks/{task.pk}/")
    wait_for(office, "#review")
    office.find_element(By.CSS_SELECTOR, "#review textarea[name=note]").send_keys("材料齐全，同意")
    click_and_wait(office, office.find_element(By.NAME, "accept"))
    task.refresh_from_db()
    assert task.review_state == Review.ACCEPTED
    assert office.find_element(By.CSS_SELECTOR, "[data-review]").get_attribute("data-review") == "accepted"
    assert list(TaskUpdate.objects.filter(task=task).order_by("created_at", "id").values_list("kind", flat=True)) == [
        "progress", "submission", "acceptance"]
    screenshot(office, "tasks-detail-accepted", full_page=True)
