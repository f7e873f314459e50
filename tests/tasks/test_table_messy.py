"""Task tables as offices really lay them out, built by code: merged two-row headers, abbreviated
unit names, 王副市长, 各区 — each with the parse we expect, and refused files write nothing."""
import io
from datetime import date

import pytest
from openpyxl import Workbook

from organizations.models import AuditEntry, Person, Unit
from tasks.models import Task, TaskImport
from tasks.services import task_table_import_commit, task_table_import_preview
from tasks.table import TableError
from tests.tasks.conftest import upload

# The office's own layout: a title, then 责任分工 merged over 牵头单位 / 配合单位, every
# other header merged down through both header rows.
TOP = ["序号", "指标编号", "任务内容", "标准或要求", "工作措施", "责任分工", None, "责任领导", "责任人", "完成时限"]
SUB = [None, None, None, None, None, "牵头单位", "配合单位", None, None, None]


def messy_xlsx(rows, *, top=TOP, sub=SUB, title="示例市创建国家园林城市任务分解表", merge=True):
    wb = Workbook()
    ws = wb.active
    ws.title = "任务分解"
    offset = 0
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(top))
        offset = 1
    ws.append(top)
    if sub is not None:
        ws.append(sub)
        if merge:
            for col, (t, s) in enumerate(zip(top, sub), start=1):
                if t and s is None:
                    ws.merge_cells(start_row=offset + 1, start_column=col, end_row=offset + 2, end_column=col)
            group = [i for i, t in enumerate(top, start=1) if t and sub[i - 1]]
            for col in group:
                end = col
                while end < len(top) and top[end] is None:
                    end += 1
                if end > col:
                    ws.merge_cells(start_row=offset + 1, start_column=col, end_row=offset + 1, end_column=end)
    for r in rows:
        ws.append(list(r))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def line(seq=1, code="2.1", content="建成区绿化覆盖率达标", lead="市住建局", coop="市城管执法局", leader="王建国",
         person="钱科长", due="2024年8月31日"):
    return [seq, code, content, "≥ 36 %", "见缝插绿", lead, coop, leader, person, due]


def preview(campaign, data, user=None, name="任务分解表（办公室版）.xlsx"):
    return task_table_import_preview(campaign=campaign, upload=upload(data, name), user=user)


def counts():
    return Task.objects.count(), TaskImport.objects.count(), AuditEntry.objects.count(), Unit.objects.count()


@pytest.fixture
def world(campaign, unit_a, unit_b, unit_c, districts, lead_person, city_leader, office_admin):
    return campaign


class MergedHeaderTests:
    def test_a_merged_group_header_over_lead_and_cooperating_units_imports(self, world, office_admin, unit_a,
                                                                           unit_b):
        imp = preview(world, messy_xlsx([line(1), line(2, code="2.2", content="绿地率达标")]), office_admin)
        assert imp.summary["header_row"] == 3 and imp.summary["sheet"] == "任务分解"
        assert imp.summary["ignored_headers"] == []  # 责任分工 is a group, not an unknown column
        task_table_import_commit(task_import=imp, user=office_admin)
        t1 = Task.objects.get(seq=1)
        assert t1.lead_unit == unit_a and list(t1.cooperating_units.all()) == [unit_b]
        assert t1.due_on == date(2024, 8, 31) and Task.objects.count() == 2

    def test_the_same_layout_without_merged_ranges_reads_the_same(self, world):
        imp = preview(world, messy_xlsx([line(1)], merge=False))
        assert imp.summary["header_row"] == 3 and imp.summary["counts"]["new"] == 1

    @pytest.mark.parametrize("spelling, field_name", [
        ("＊序　号", "seq"), ("完成时限\n（年月日）", "due_on"), ("【牵头单位】", "lead_unit"),
        ("任务 内容*", "content"), ("完成时限(年/月/日)", "due_on"), ("牵头责任单位", "lead_unit"),
    ])
    def test_header_spellings_fold_to_their_column(self, world, spelling, field_name):
        top = ["序号", "指标编号", "任务内容", "标准或要求", "工作措施", "牵头单位", "配合单位", "责任领导", "责任人",
               "完成时限"]
        index = {"seq": 0, "content": 2, "lead_unit": 5, "due_on": 9}[field_name]
        top[index] = spelling
        imp = preview(world, messy_xlsx([line(1)], top=top, sub=None))
        assert field_name in imp.summary["columns"] or field_name == "seq"
        assert imp.summary["counts"]["new"] == 1
