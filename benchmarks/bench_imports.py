"""Imports scale with rows, not worse: task table 500 vs 5 000 rows, a ledger 2 000 vs 20 000."""
import io
from datetime import date

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from benchmarks import benchmark
from indicators.models import Campaign, Tier
from organizations.models import Membership, Unit

TASK_HEADERS = ["序号", "指标编号", "任务内容", "标准或要求", "工作措施", "牵头单位", "配合单位", "责任领导", "责任人", "完成时限"]


def _setup(tag):
    city = Unit.objects.create(name=f"{tag}市", kind=Unit.Kind.CITY)
    for name in ("城东区", "城西区", "城南区", "城北区"):
        Unit.objects.create(name=f"{tag}{name}", kind=Unit.Kind.DISTRICT, parent=city)
    lead = Unit.objects.create(name=f"{tag}住建局", kind=Unit.Kind.DEPARTMENT, parent=city)
    coop = Unit.objects.create(name=f"{tag}城管局", kind=Unit.Kind.DEPARTMENT, parent=city)
    user = get_user_model().objects.create_user(username=f"bench-{tag}", password="x")
    Membership.objects.create(user=user, unit=lead, role=Membership.Role.UNIT_STAFF)
    Membership.objects.create(user=user, unit=city, role=Membership.Role.OFFICE)
    campaign = Campaign.objects.create(name=f"{tag}创建", city=city, kind="creation", tier=Tier.GARDEN,
                                       built_up_area_km2=60, urban_population=50)
    return campaign, lead, coop, user


def _xlsx(rows):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@benchmark("import_tasks", "task table import (preview + confirm): 500 vs 5 000 rows (should grow about linearly)")
def import_tasks(timer):
    from tasks.services import task_table_import_commit, task_table_import_preview

    for n in (500, 5000):
        campaign, lead, coop, user = _setup(f"t{n}")
        content = _xlsx([TASK_HEADERS] + [
            [i, "", f"任务{i}", "按标准完成", "落实措施", lead.name, coop.name, "", "", date(2027, 1, 1 + i % 28)]
            for i in range(1, n + 1)
        ])

        def run():
            imp = task_table_import_preview(campaign=campaign, upload=SimpleUploadedFile("任务表.xlsx", content),
                                            user=user)
            task_table_import_commit(task_import=imp, user=user)

        timer.measure(f"tasks {n} rows, first import", run, repeat=1)
        timer.measure(f"tasks {n} rows, re-import with zero changes",
                      lambda: task_table_import_preview(campaign=campaign, user=user,
                                                        upload=SimpleUploadedFile("任务表.xlsx", content)), repeat=1)


@benchmark("import_ledger", "roads ledger parse + diff + confirm: 2 000 vs 20 000 rows (should grow about linearly); "
                            "the preview page of a re-upload changing every row (should stay flat)")
def import_ledger(timer):
    from ledgers import jobs
    from ledgers.services import ledger_upload_confirm, ledger_upload_create

    for n in (2000, 20000):
        campaign, lead, coop, user = _setup(f"l{n}")
        districts = [d.name for d in Unit.objects.filter(parent=campaign.city, kind=Unit.Kind.DISTRICT)]
        content = _xlsx(
            [["道路台账"], ["道路名称", "起止点", "所在城区", "道路等级", "道路长度（m）", "林荫路长度（m）", "有行道树绿化"]]
            + [[f"第{i // 4}路", f"段{i}", districts[i % 4], ["主干路", "次干路", "支路"][i % 3], 1000, 600, "是"]
               for i in range(n)]
        )

        stored = {}

        def run():
            upload = ledger_upload_create(unit=lead, ledger_type="roads", file=content, user=user,
                                          file_name="道路台账.xlsx", campaign=campaign)
            jobs.parse_ledger_upload(upload.pk)
            upload.refresh_from_db()
            stored.update(_stored_preview(upload))
            ledger_upload_confirm(upload=upload, user=user, queue_compliance=False)

        timer.measure(f"ledger {n} rows, parse + confirm", run, repeat=1)
        # The preview page of a re-upload changing every row: one page of each list, whatever n.
        changed = _xlsx(
            [["道路台账"], ["道路名称", "起止点", "所在城区", "道路等级", "道路长度（m）", "林荫路长度（m）", "有行道树绿化"]]
            + [[f"第{i // 4}路", f"段{i}", districts[i % 4], ["主干路", "次干路", "支路"][i % 3], 1000, 700, "是"]
               for i in range(n)]
        )
        again = ledger_upload_create(unit=lead, ledger_type="roads", file=changed, user=user,
                                     file_name="道路台账.xlsx", campaign=campaign)
        jobs.parse_ledger_upload(again.pk)
        client = Client()
        client.force_login(user)
        url = f"/ledgers/uploads/{again.pk}/"
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        timer.measure(f"ledger {n} rows, preview page ({len(queries)} queries)", lambda: client.get(url), repeat=5)
        timer.note(f"ledger {n} rows, preview stored",
                   f"summary JSON {stored['summary']:,} B; {stored['rows']:,} staged rows, {stored['row_bytes'] / 1e6:.1f} MB "
                   f"of row JSON (deleted on confirm)")


def _stored_preview(upload):
    """What a parsed upload keeps: the summary on the upload row and its staged rows."""
    import json

    from ledgers.models import LedgerUploadRow

    row_bytes = 0
    rows = LedgerUploadRow.objects.filter(upload=upload).values_list("data", "detail").iterator(chunk_size=2000)
    count = 0
    for data, detail in rows:
        count += 1
        row_bytes += len(json.dumps(data, ensure_ascii=False).encode()) + len(json.dumps(detail, ensure_ascii=False).encode())
    return {"summary": len(json.dumps(upload.result, ensure_ascii=False).encode()), "rows": count, "row_bytes": row_bytes}
