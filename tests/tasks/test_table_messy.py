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


def ask(imp):
    """The preview's questions: {written text: [suggested names]}."""
    return {q["text"]: [label for _id, label, _score in q["suggestions"]] for q in imp.summary["pending"].values()}


def choose(imp, **by_text):
    """Choices for the confirm, by the written text: the id of the named unit or person."""
    out = {}
    for key, q in imp.summary["pending"].items():
        target = by_text[q["text"]]
        out[key] = target.pk
    return out


class AbbreviationTests:
    def test_an_abbreviated_unit_is_proposed_not_applied(self, world, office_admin, unit_b):
        imp = preview(world, messy_xlsx([line(1, lead="城管局", coop="")]), office_admin)
        assert ask(imp) == {"城管局": ["市城管执法局"]}
        assert imp.summary["pending"]["unit:城管局"]["cells"] == ["F4"]
        assert not Task.objects.exists()

    def test_the_choice_is_applied_at_confirm_remembered_and_audited(self, world, office_admin, unit_b, unit_a):
        from tasks.models import NameAlias

        data = messy_xlsx([line(1, lead="城管局", coop="住建局"), line(2, lead="城管局", coop="")])
        imp = preview(world, data, office_admin)
        task_table_import_commit(task_import=imp, user=office_admin, choices=choose(imp, 城管局=unit_b, 住建局=unit_a))
        t1, t2 = Task.objects.order_by("seq")
        assert t1.lead_unit == unit_b and list(t1.cooperating_units.all()) == [unit_a] and t2.lead_unit == unit_b
        aliases = {a.alias: a.unit for a in NameAlias.objects.all()}
        assert aliases == {"城管局": unit_b, "住建局": unit_a}
        assert AuditEntry.objects.filter(content_type__model="namealias").count() == 2
        # Next time the same spelling reads without a question.
        again = preview(world, messy_xlsx([line(3, lead="城管局", coop="住建局")]), office_admin)
        assert again.summary["pending"] == {} and again.summary["counts"]["new"] == 1

    def test_a_district_government_is_proposed_as_the_district(self, world, districts):
        imp = preview(world, messy_xlsx([line(1, lead="城东区政府", coop="城西区人民政府")]))
        assert ask(imp) == {"城东区政府": ["城东区"], "城西区人民政府": ["城西区"]}

    def test_a_typo_is_proposed_with_the_closest_first(self, world, unit_c):
        imp = preview(world, messy_xlsx([line(1, coop="市水物局")]))
        assert ask(imp)["市水物局"][0] == "市水务局"

    def test_confirming_without_an_answer_writes_nothing(self, world, office_admin):
        from tasks.services import ImportChoiceError

        imp = preview(world, messy_xlsx([line(1, lead="城管局")]), office_admin)
        before = counts()
        with pytest.raises(ImportChoiceError) as exc:
            task_table_import_commit(task_import=imp, user=office_admin, choices={})
        assert "「城管局」（F4）" in str(exc.value) and "任务分解表（办公室版）.xlsx" in str(exc.value)
        assert counts() == before and not Task.objects.exists()

    def test_a_choice_must_be_a_leader_for_the_leader_column(self, world, office_admin, lead_person):
        from tasks.services import ImportChoiceError

        imp = preview(world, messy_xlsx([line(1, leader="王副市长")]), office_admin)
        with pytest.raises(ImportChoiceError):
            task_table_import_commit(task_import=imp, user=office_admin,
                                     choices={"leader:王副市长": lead_person.pk})
        assert not Task.objects.exists()


class EveryDistrictTests:
    @pytest.mark.parametrize("written", ["各区", "各区政府", "各县区", "各区人民政府", "各县（市、区）"])
    def test_every_district_as_cooperating_units(self, world, office_admin, districts, unit_a, written):
        imp = preview(world, messy_xlsx([line(1, coop=f"市城管执法局、{written}")]), office_admin)
        assert imp.summary["pending"] == {}
        task_table_import_commit(task_import=imp, user=office_admin)
        task = Task.objects.get()
        assert task.lead_unit == unit_a
        assert {u.name for u in task.cooperating_units.all()} == {"市城管执法局", "城东区", "城西区", "城南区", "城北区"}

    @pytest.mark.parametrize("written", ["各区", "各区政府"])
    def test_every_district_leading_makes_the_city_lead_and_every_district_cooperate(
            self, world, office_admin, districts, city, written):
        imp = preview(world, messy_xlsx([line(1, lead=written, coop="")]), office_admin)
        task_table_import_commit(task_import=imp, user=office_admin)
        task = Task.objects.get()
        assert task.lead_unit == city
        assert [u.name for u in task.cooperating_units.order_by("sort_order")] == ["城东区", "城西区", "城南区", "城北区"]

    def test_every_district_leading_without_a_cooperating_column(self, world, office_admin, districts, city):
        top = ["序号", "任务内容", "牵头单位", "完成时限"]
        imp = preview(world, messy_xlsx([[1, "全域增绿", "各区", "2024-12-31"]], top=top, sub=None), office_admin)
        task_table_import_commit(task_import=imp, user=office_admin)
        assert Task.objects.get().cooperating_units.count() == 4


class LeaderTitleTests:
    def test_surname_and_title_match_the_leader_holding_that_title(self, world, office_admin, city_leader):
        imp = preview(world, messy_xlsx([line(1, leader="王副市长")]), office_admin)
        assert ask(imp) == {"王副市长": ["王建国（测试市·副市长）"]}
        task_table_import_commit(task_import=imp, user=office_admin, choices=choose(imp, 王副市长=city_leader))
        assert Task.objects.get().responsible_leader == city_leader

    def test_two_leaders_with_the_title_are_both_offered(self, world, city, city_leader):
        other = Person.objects.create(name="王小明", title="副市长", unit=city, is_leader=True)
        Person.objects.create(name="李强", title="副市长", unit=city, is_leader=True)
        imp = preview(world, messy_xlsx([line(1, leader="王副市长")]))
        assert set(ask(imp)["王副市长"]) == {"王建国（测试市·副市长）", f"{other.name}（测试市·副市长）"}

    def test_a_misspelt_person_is_proposed(self, world, lead_person):
        imp = preview(world, messy_xlsx([line(1, person="钱科")]))
        assert ask(imp) == {"钱科": ["钱科长（市住建局）"]}


class RefusedMessyFileTests:
    @pytest.mark.parametrize("rows, words", [
        ([line(1, lead="市火星局")], "第 4 行 F 列（牵头单位）：未找到单位「市火星局」"),
        ([line(1, due="下个月")], "第 4 行 J 列（完成时限）：「下个月」无法识别为日期"),
        ([line(1), line(1)], "第 5 行 A 列（序号）：序号 1 与第 4 行重复（原文「1」）"),
        ([line(1, lead="市住建局、市水务局")],
         "第 4 行 F 列（牵头单位）：牵头单位只能填写一个单位，其余单位请填入配合单位（原文「市住建局、市水务局」）"),
        ([line(1, code="9.9")], "第 4 行 B 列（指标编号）：本创建活动的标准中没有指标「9.9」"),
    ])
    def test_a_refused_file_writes_nothing_and_names_file_sheet_row_column(self, world, rows, words):
        before = counts()
        with pytest.raises(TableError) as exc:
            preview(world, messy_xlsx(rows))
        message = next(str(e) for e in exc.value.errors if words in str(e))
        assert message.startswith("文件「任务分解表（办公室版）.xlsx」工作表「任务分解」")
        assert counts() == before

    def test_a_group_header_without_its_columns_names_the_missing_column(self, world):
        top = list(TOP)
        sub = list(SUB)
        sub[5] = "主办单位X"  # neither 牵头单位 nor anything close
        before = counts()
        with pytest.raises(TableError) as exc:
            preview(world, messy_xlsx([line(1)], top=top, sub=sub))
        assert str(exc.value.errors[0]) == ("文件「任务分解表（办公室版）.xlsx」工作表「任务分解」第 3 行：缺少必填列「牵头单位」；"
                                            "表中未识别的表头：「主办单位X」")
        assert counts() == before


class PreviewChoiceViewTests:
    def test_the_preview_offers_a_select_and_the_confirm_applies_it(self, client_for, office_admin, world, unit_b):
        client = client_for(office_admin)
        client.post("/tasks/import/", {"file": upload(messy_xlsx([line(1, lead="城管局", coop="")]))})
        imp = TaskImport.objects.get()
        body = client.get(f"/tasks/import/{imp.pk}/").content.decode()
        assert 'name="choice-unit:城管局"' in body
        assert f'<option value="{unit_b.pk}" selected>市城管执法局</option>' in body

        response = client.post(f"/tasks/import/{imp.pk}/confirm/", {"choice-unit:城管局": ""})
        assert response.status_code == 400 and "请为以下名称选择" in response.content.decode()
        assert not Task.objects.exists()

        response = client.post(f"/tasks/import/{imp.pk}/confirm/", {"choice-unit:城管局": str(unit_b.pk)})
        assert response.status_code == 302 and Task.objects.get().lead_unit == unit_b


class QueryCountTests:
    """The import's queries do not grow with its rows: lookups are prefetched, writes batched."""

    def _run(self, world, office_admin, n, start):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        rows = [line(start + i, lead=["市住建局", "城管局"][i % 2], coop=["各区", "市水务局、城东区政府"][i % 2],
                     leader="王副市长") for i in range(n)]
        data = messy_xlsx(rows)
        with CaptureQueriesContext(connection) as q_preview:
            imp = preview(world, data, office_admin)
        choices = {key: q["suggestions"][0][0] for key, q in imp.summary["pending"].items()}
        with CaptureQueriesContext(connection) as q_commit:
            task_table_import_commit(task_import=imp, user=office_admin, choices=choices)
        with CaptureQueriesContext(connection) as q_again:
            again = preview(world, data, office_admin)
        assert again.summary["counts"]["unchanged"] == n
        return len(q_preview), len(q_commit), len(q_again)

    def test_60_and_300_rows_take_the_same_number_of_queries(self, world, office_admin):
        # Both above IMMEDIATE_ALERT_LIMIT (50), where the alert job takes the new deadlines.
        from tasks.models import NameAlias

        self._run(world, office_admin, 60, 5001)  # warms the content-type and audit-actor caches
        NameAlias.objects.all().delete()  # each file asks the same questions again
        small = self._run(world, office_admin, 60, 1)
        NameAlias.objects.all().delete()
        large = self._run(world, office_admin, 300, 1001)
        assert Task.objects.count() == 420
        assert small == large
