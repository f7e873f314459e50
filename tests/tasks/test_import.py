"""Import and export of the whole task table in the offices' layout."""
import io
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from organizations.models import AuditEntry
from tasks.models import Review, Task, TaskImport
from tasks.services import (ImportStaleError, TaskStateError, task_edit, task_table_import_commit,
                            task_table_import_preview)
from tasks.table import TableError, export_workbook, template_workbook
from tests.tasks.conftest import HEADERS, make_task, row, upload, xlsx_bytes


@pytest.fixture
def world(campaign, unit_a, unit_b, unit_c, lead_person, city_leader, office_admin):
    return campaign


def preview(campaign, data, user=None, name="任务分解表.xlsx"):
    return task_table_import_preview(campaign=campaign, upload=upload(data, name), user=user)


def errors_of(campaign, data, name="任务分解表.xlsx"):
    with pytest.raises(TableError) as exc:
        preview(campaign, data, name=name)
    return [str(e) for e in exc.value.errors]


def nothing_written():
    return not Task.objects.exists() and not TaskImport.objects.exists() and not AuditEntry.objects.exists()


class ImportHappyPathTests:
    def test_it_previews_then_writes_every_row_with_units_people_and_dates(self, world, unit_a, unit_b, unit_c,
                                                                           city_leader, lead_person, office_admin):
        data = xlsx_bytes([
            row(1),
            row(2, code="2.2", content="建成区绿地率达标", coop="市城管执法局、市水务局", due="2024/9/30"),
            row(3, code="", content="宣传发动", requirement="", measures="", coop="", leader="", person="",
                due=datetime(2024, 10, 1)),
        ])
        imp = preview(world, data, office_admin)

        assert imp.state == TaskImport.State.PREVIEW
        assert imp.summary["counts"] == {"new": 3, "changed": 0, "unchanged": 0, "untouched": 0, "total": 3}
        assert not Task.objects.exists()  # a preview writes no task

        counts = task_table_import_commit(task_import=imp, user=office_admin)

        assert counts["new"] == 3
        t1, t2, t3 = Task.objects.order_by("seq")
        assert (t1.indicator.code, t1.content, t1.requirement, t1.measures) == ("2.1", "建成区绿化覆盖率达标", "≥ 36 %", "见缝插绿")
        assert t1.lead_unit == unit_a and list(t1.cooperating_units.all()) == [unit_b]
        assert t1.responsible_leader == city_leader and t1.responsible_person == lead_person
        assert t1.due_on == date(2024, 8, 31) and t1.review_state == Review.DRAFT and t1.progress == 0
        assert set(t2.cooperating_units.all()) == {unit_b, unit_c} and t2.due_on == date(2024, 9, 30)
        assert t3.indicator is None and t3.responsible_leader is None and t3.due_on == date(2024, 10, 1)
        imp.refresh_from_db()
        assert imp.state == TaskImport.State.COMMITTED and imp.committed_at is not None
        audit = AuditEntry.objects.filter(object_id=str(t1.pk), content_type__model="task").get()
        assert audit.action == AuditEntry.Action.IMPORT and audit.user == office_admin
        assert audit.changes["lead_unit"] == ["", "市住建局"] and "第 3 行" in audit.note
        assert AuditEntry.objects.filter(content_type__model="taskimport", object_id=str(imp.pk)).exists()

    def test_it_tolerates_a_title_row_a_notes_sheet_and_extra_columns(self, world):
        data = xlsx_bytes([row(1) + ["备注内容"]], headers=HEADERS + ["备注"], extra_sheets=["填写说明"])
        imp = preview(world, data)
        assert imp.summary["header_row"] == 2 and imp.summary["sheet"] == "任务分解表"
        assert imp.summary["ignored_headers"] == ["备注"]

    def test_it_reads_a_header_in_the_first_row_and_alias_headers(self, world):
        headers = ["序号", "指标编号", "任务内容", "工作要求", "工作内容及要求", "责任单位", "配合部门", "挂钩领导",
                   "联络员", "完成期限"]
        imp = preview(world, xlsx_bytes([row(1)], title=None, headers=headers))
        assert imp.summary["header_row"] == 1 and imp.summary["counts"]["new"] == 1

    def test_it_ignores_blank_rows(self, world):
        imp = preview(world, xlsx_bytes([row(1), [None] * 10, ["", " ", None], row(2)]))
        assert imp.summary["counts"]["new"] == 2

    @pytest.mark.parametrize("cell", ["2024年8月31日", "2024/8/31", "2024-08-31", "2024.8.31", datetime(2024, 8, 31)])
    def test_it_reads_each_date_format_and_an_excel_date_cell(self, world, office_admin, cell):
        task_table_import_commit(task_import=preview(world, xlsx_bytes([row(1, due=cell)])), user=office_admin)
        assert Task.objects.get().due_on == date(2024, 8, 31)

    def test_an_excel_date_cell_is_a_real_date_cell(self, world, office_admin):
        data = xlsx_bytes([row(1, due=datetime(2024, 8, 31))])
        cell = load_workbook(io.BytesIO(data))["任务分解表"]["J3"]
        assert cell.is_date  # the test exercises openpyxl's date cell, not a string
        task_table_import_commit(task_import=preview(world, data), user=office_admin)
        assert Task.objects.get().due_on == date(2024, 8, 31)


class ReimportTests:
    def test_a_reimport_updates_by_seq_and_never_duplicates(self, world, office_admin, unit_c):
        task_table_import_commit(task_import=preview(world, xlsx_bytes([row(1), row(2, code="2.2")])), user=office_admin)
        first = Task.objects.get(seq=1)
        imp = preview(world, xlsx_bytes([row(1, lead="市水务局", due="2024-09-15"), row(2, code="2.2"), row(3)]))

        assert imp.summary["counts"] == {"new": 1, "changed": 1, "unchanged": 1, "untouched": 0, "total": 3}
        changed = next(r for r in imp.summary["rows"] if r["action"] == "changed")
        assert changed["seq"] == 1
        assert changed["changes"] == {"lead_unit": ["市住建局", "市水务局"], "due_on": ["2024-08-31", "2024-09-15"]}

        task_table_import_commit(task_import=imp, user=office_admin)
        assert Task.objects.count() == 3
        first.refresh_from_db()
        assert first.lead_unit == unit_c and first.due_on == date(2024, 9, 15)
        audit = AuditEntry.objects.filter(object_id=str(first.pk), content_type__model="task").first()
        assert audit.changes["lead_unit"] == ["市住建局", "市水务局"]

    def test_it_keeps_tasks_the_file_does_not_mention_and_their_progress(self, world, office_admin, unit_a):
        kept = make_task(world, 9, unit_a, progress=40)
        imp = preview(world, xlsx_bytes([row(1)]))
        assert imp.summary["counts"]["untouched"] == 1
        task_table_import_commit(task_import=imp, user=office_admin)
        kept.refresh_from_db()
        assert kept.progress == 40 and Task.objects.count() == 2

    def test_a_missing_optional_column_leaves_that_field_alone(self, world, office_admin, unit_b):
        task_table_import_commit(task_import=preview(world, xlsx_bytes([row(1)])), user=office_admin)
        headers = [h for h in HEADERS if h != "配合单位"]
        data = xlsx_bytes([[c for i, c in enumerate(row(1)) if i != 6]], headers=headers)
        imp = preview(world, data)
        assert imp.summary["counts"]["unchanged"] == 1
        assert list(Task.objects.get().cooperating_units.all()) == [unit_b]

    def test_an_exported_table_reimports_with_zero_changes(self, world, office_admin, unit_a, unit_b, unit_c,
                                                           city_leader, lead_person):
        rows = [row(1), row(2, code="2.2", coop="市城管执法局、市水务局"),
                row(3, code="", content="宣传发动\n第二行", requirement="+全面", measures="-  措施", coop="",
                    leader="", person="", due="2024年12月底"),
                row(4, code="2.10", content="园林式居住区达标", due=datetime(2025, 1, 6))]
        task_table_import_commit(task_import=preview(world, xlsx_bytes(rows)), user=office_admin)
        task = Task.objects.get(seq=1)
        task.progress = 50
        task.save()
        task_edit(task=Task.objects.get(seq=2), user=office_admin, content='=HYPERLINK("x")')

        exported = export_workbook(world, Task.objects.filter(campaign=world).order_by("seq")
                                   .prefetch_related("cooperating_units"))
        imp = preview(world, exported, name="导出.xlsx")

        assert imp.summary["counts"] == {"new": 0, "changed": 0, "unchanged": 4, "untouched": 0, "total": 4}
        assert set(imp.summary["ignored_headers"]) == {"当前进度", "状态", "审核状态"}

    def test_its_export_writes_formula_like_text_as_text(self, world, unit_a):
        make_task(world, 1, unit_a, content="=1+2", requirement="@SUM(A1)")
        data = export_workbook(world, Task.objects.prefetch_related("cooperating_units"))
        ws = load_workbook(io.BytesIO(data))["任务分解表"]
        assert ws["C3"].value == "=1+2" and ws["C3"].data_type == "s" and ws["C3"].quotePrefix
        assert ws["D3"].data_type == "s"
        assert ws["J3"].is_date

    def test_a_preview_made_stale_by_an_edit_is_not_committed(self, world, office_admin):
        task_table_import_commit(task_import=preview(world, xlsx_bytes([row(1)])), user=office_admin)
        imp = preview(world, xlsx_bytes([row(1, due="2024-09-01")]))
        task_edit(task=Task.objects.get(), user=office_admin, due_on=date(2024, 9, 1))
        with pytest.raises(ImportStaleError):
            task_table_import_commit(task_import=imp, user=office_admin)
        imp.refresh_from_db()
        assert imp.state == TaskImport.State.PREVIEW

    def test_a_failure_while_writing_leaves_nothing_behind(self, world, office_admin, monkeypatch):
        imp = preview(world, xlsx_bytes([row(1), row(2)]))

        import tasks.services

        real_insert = tasks.services._insert_many

        def boom(model, *args, **kwargs):
            if model is AuditEntry:  # the last write, after the tasks and their units
                raise RuntimeError("disk full")
            return real_insert(model, *args, **kwargs)

        monkeypatch.setattr(tasks.services, "_insert_many", boom)
        with pytest.raises(RuntimeError):
            task_table_import_commit(task_import=imp, user=office_admin)
        assert not Task.objects.exists() and not Task.cooperating_units.through.objects.exists()
        imp.refresh_from_db()
        assert imp.state == TaskImport.State.PREVIEW

    def test_it_cannot_be_confirmed_twice(self, world, office_admin):
        imp = preview(world, xlsx_bytes([row(1)]))
        task_table_import_commit(task_import=imp, user=office_admin)
        with pytest.raises(TaskStateError):
            task_table_import_commit(task_import=imp, user=office_admin)
        assert Task.objects.count() == 1


class ImportErrorTests:
    """Every failure names file, sheet, row and column in Chinese and writes nothing."""

    @pytest.mark.parametrize("rows, row_no, column, words", [
        ([row(1, lead="市火星局")], 3, "F 列（牵头单位）", "未找到单位「市火星局」，单位名录中也没有相近的名称"),
        ([row(1, coop="市火星局、市水务局")], 3, "G 列（配合单位）", "未找到单位「市火星局」"),
        ([row(1), row(1, code="2.2")], 4, "A 列（序号）", "序号 1 与第 3 行重复"),
        ([row(1, content="")], 3, "C 列（任务内容）", "必填项为空"),
        ([row(1, lead=None)], 3, "F 列（牵头单位）", "必填项为空"),
        ([row(1, due="")], 3, "J 列（完成时限）", "必填项为空"),
        ([row(None)], 3, "A 列（序号）", "必填项为空"),
        ([row("一")], 3, "A 列（序号）", "序号须为正整数"),
        ([row(1, due="长期坚持")], 3, "J 列（完成时限）", "无法识别为日期"),
        ([row(1, due="2024-02-30")], 3, "J 列（完成时限）", "不是有效日期"),
        ([row(1, code="9.9")], 3, "B 列（指标编号）", "没有指标「9.9」"),
        ([row(1, code=2.1)], 3, "B 列（指标编号）", "可能是被 Excel 改写的「2.10」"),
        ([row(1, leader="钱科长")], 3, "H 列（责任领导）", "未标记为领导"),
        ([row(1, person="孙悟空")], 3, "I 列（责任人）", "未找到人员「孙悟空」"),
        ([row(1, person="钱科长、冯科长")], 3, "I 列（责任人）", "只能填写一人"),
        ([row(1, lead="市住建局、市水务局")], 3, "F 列（牵头单位）", "牵头单位只能填写一个单位"),
    ])
    def test_it_names_sheet_row_and_column_and_writes_nothing(self, world, rows, row_no, column, words):
        errors = errors_of(world, xlsx_bytes(rows))
        assert len(errors) >= 1
        message = next(e for e in errors if words in e)
        assert message.startswith("文件「任务分解表.xlsx」工作表「任务分解表」")
        assert f"第 {row_no} 行" in message and column in message
        assert nothing_written()

    def test_one_bad_cell_among_good_rows_writes_nothing(self, world):
        errors = errors_of(world, xlsx_bytes([row(i) for i in range(1, 50)] + [row(50, lead="市火星局")]))
        assert len(errors) == 1 and "第 52 行" in errors[0]
        assert nothing_written()

    def test_it_lists_every_error_not_only_the_first(self, world):
        errors = errors_of(world, xlsx_bytes([row(1, lead="市火星局"), row(2, due="明年"), row(3, content="")]))
        assert len(errors) == 3

    def test_it_names_the_missing_header(self, world):
        errors = errors_of(world, xlsx_bytes([row(1)[:9]], headers=HEADERS[:9]))
        assert errors == ["文件「任务分解表.xlsx」工作表「任务分解表」第 2 行：缺少必填列「完成时限」"]
        assert nothing_written()

    def test_it_says_when_it_finds_no_header(self, world):
        errors = errors_of(world, xlsx_bytes([["a", "b"]], headers=["名称", "数量"], sheet="Sheet1"))
        assert "工作表「Sheet1」" in errors[0] and "没有找到表头" in errors[0]

    def test_a_blank_template_has_no_rows(self, world):
        errors = errors_of(world, template_workbook(world), name="模板.xlsx")
        assert "表头下方没有任务数据" in errors[0] and "第 2 行" in errors[0]

    @pytest.mark.parametrize("data, words", [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Excel 97-2003 格式（.xls）"),
        ("序号,任务内容\n1,x\n".encode(), "不是 Excel 工作簿"),
        (b"PK\x03\x04 broken", "已损坏"),
    ])
    def test_it_refuses_files_that_are_not_xlsx(self, world, data, words):
        errors = errors_of(world, data, name="表.xls")
        assert errors[0].startswith("「表.xls」") and words in errors[0]
        assert nothing_written()

    def test_it_refuses_a_zip_that_expands_too_far_before_parsing_it(self, settings, world):
        settings.SPREADSHEET_MAX_TOTAL_BYTES = 1000
        errors = errors_of(world, xlsx_bytes([row(1)]))
        assert "解压后共有" in errors[0] and "上限" in errors[0]

    def test_it_reports_a_formula_without_a_cached_value_instead_of_reading_it_as_empty(self, world):
        errors = errors_of(world, xlsx_bytes([row(1, content="=A1&\"x\"", requirement="=1+1")]))
        assert len(errors) == 2
        assert "第 3 行 C 列（任务内容）：公式没有保存计算结果" in errors[0]
        assert "D 列（标准或要求）" in errors[1]
        assert nothing_written()

    def test_it_caps_the_number_of_rows_while_reading(self, world, settings):
        settings.TASK_TABLE_MAX_ROWS = 3
        # a header on row 1: the count before reading is one short, the reading refuses it
        errors = errors_of(world, xlsx_bytes([row(i) for i in range(1, 5)], title=None))
        assert "数据超过 3 行的上限" in errors[0] and "第 5 行" in errors[0] and "TASK_TABLE_MAX_ROWS" in errors[0]
        assert nothing_written()

    def test_it_refuses_a_table_over_the_row_limit_before_reading_it(self, world, settings, monkeypatch):
        settings.TASK_TABLE_MAX_ROWS = 3
        monkeypatch.setattr("spreadsheets.reader.load_workbook", lambda *a, **k: pytest.fail("openpyxl opened the file"))
        errors = errors_of(world, xlsx_bytes([row(i) for i in range(1, 5)]))
        assert errors == ["「任务分解表.xlsx」工作表「任务分解表」约有 4 行数据，超过任务分解表 3 行的上限：请分批导入（如按牵头"
                          "单位拆成几个文件），或请创建办调高 TASK_TABLE_MAX_ROWS 设置。"]
        assert nothing_written()

    def test_a_table_at_the_row_limit_imports(self, world, settings, office_admin):
        settings.TASK_TABLE_MAX_ROWS = 4
        imp = preview(world, xlsx_bytes([row(i) for i in range(1, 5)]), office_admin)
        assert task_table_import_commit(task_import=imp, user=office_admin)["new"] == 4


class LargeTableTests:
    def test_a_5000_row_table_imports_with_a_bounded_number_of_queries(self, world, office_admin):
        rows = [row(i, code=["2.1", "2.2", "", "2.10"][i % 4], content=f"任务{i}",
                    coop=["市城管执法局", "市城管执法局、市水务局", ""][i % 3],
                    due=[f"2024年{1 + i % 12}月{1 + i % 28}日", datetime(2025, 1 + i % 12, 1 + i % 28)][i % 2])
                for i in range(1, 5001)]
        data = xlsx_bytes(rows)
        with CaptureQueriesContext(connection) as q_preview:
            imp = preview(world, data, office_admin)
        with CaptureQueriesContext(connection) as q_commit:
            counts = task_table_import_commit(task_import=imp, user=office_admin)

        assert counts["new"] == 5000 and Task.objects.filter(campaign=world).count() == 5000
        assert Task.cooperating_units.through.objects.count() == 5000  # 1667 + 2*1667 - rounding
        assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT, content_type__model="task").count() == 5000
        # Lookups are prefetched and writes batched: the count does not grow with the rows.
        assert len(q_preview.captured_queries) < 20
        # SQLite caps a statement at 999 parameters, so its bulk inserts carry ~60 rows each;
        # what matters is that no query runs per row.
        assert len(q_commit.captured_queries) < len(rows) / 20

        again = preview(world, data, office_admin)
        assert again.summary["counts"]["unchanged"] == 5000
