"""Fixtures for the task table: a small standard, a campaign, leaders and a workbook builder."""
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from indicators.models import Campaign, Tier
from organizations.models import Person
from tasks.models import Task
from tests.factories import make_indicator, make_standard

HEADERS = ["序号", "指标编号", "任务内容", "标准或要求", "工作措施", "牵头单位", "配合单位", "责任领导", "责任人", "完成时限"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def standard(db):
    standard, aspect = make_standard()
    make_indicator(standard, aspect, "2.1", "建成区绿化覆盖率", order=1)
    make_indicator(standard, aspect, "2.2", "建成区绿地率", order=2)
    make_indicator(standard, aspect, "2.10", "园林式居住区（单位）达标率", order=3)
    return standard


@pytest.fixture
def campaign(city, office_unit, standard):
    c = Campaign.objects.create(name="测试市国家园林城市复查", city=city, office=office_unit,
                                kind=Campaign.Kind.RE_INSPECTION, tier=Tier.GARDEN)
    c.standards.add(standard)
    return c


@pytest.fixture
def city_leader(city):
    return Person.objects.create(name="王建国", title="副市长", unit=city, is_leader=True)


@pytest.fixture
def lead_person(lead_staff):
    return lead_staff.person


def make_task(campaign, seq, lead, *, coop=(), due=None, **kwargs):
    task = Task.objects.create(
        campaign=campaign, seq=seq, content=kwargs.pop("content", f"任务{seq}"), lead_unit=lead,
        due_on=due or timezone.localdate() + timedelta(days=10), **kwargs,
    )
    task.cooperating_units.set(coop)
    return task


@pytest.fixture
def task(campaign, unit_a, unit_b, city_leader, lead_person, standard):
    return make_task(campaign, 1, unit_a, coop=[unit_b], content="建成区绿化覆盖率达标",
                     indicator=standard.indicators.get(code="2.1"), requirement="≥ 36 %", measures="见缝插绿",
                     responsible_leader=city_leader, responsible_person=lead_person)


def xlsx_bytes(rows, *, title="测试市任务分解表", headers=HEADERS, sheet="任务分解表", extra_sheets=()):
    wb = Workbook()
    ws = wb.active
    for name in extra_sheets:  # sheets before the table, e.g. 填写说明
        ws.title = name
        ws.append(["说明"])
        ws = wb.create_sheet()
    ws.title = sheet
    if title:
        ws.append([title])
    ws.append(headers)
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(data, name="任务分解表.xlsx"):
    return SimpleUploadedFile(name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def row(seq=1, code="2.1", content="建成区绿化覆盖率达标", requirement="≥ 36 %", measures="见缝插绿",
        lead="市住建局", coop="市城管执法局", leader="王建国", person="钱科长", due="2024年8月31日"):
    return [seq, code, content, requirement, measures, lead, coop, leader, person, due]


__all__ = ["HEADERS", "make_task", "row", "upload", "xlsx_bytes"]
