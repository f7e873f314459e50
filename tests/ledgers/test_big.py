"""A 20 000-row ledger imports: parse with progress, preview, confirm, values.

Timings are printed (run with -s), never asserted: speed is measured, not tested.
"""
import io
import time
from decimal import Decimal as D

from openpyxl import Workbook

from indicators.models import IndicatorValue
from ledgers import jobs
from ledgers.models import LedgerRow, LedgerUpload
from ledgers.services import ledger_upload_confirm, ledger_upload_create

ROWS = 20_000


def roads_workbook(n):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("道路台账")
    ws.append(["测试市道路台账（2024年）"])
    ws.append(["道路名称", "起止点", "所在城区", "道路等级", "道路长度（m）", "林荫路长度（m）", "有行道树绿化"])
    grades = ["主干路", "次干路", "支路", "支路"]
    for i in range(n):
        ws.append([f"第{i // 4}路", f"段{i}", ["城东区", "城西区", "城南区", "城北区"][i % 4], grades[i % 4], 1000, 600,
                   "是"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


class BigLedgerTests:
    def test_a_20000_row_ledger_imports(self, campaign, city, unit_a, lead_staff):
        t0 = time.perf_counter()
        content = roads_workbook(ROWS)
        t1 = time.perf_counter()
        upload = ledger_upload_create(unit=unit_a, ledger_type="roads", file=content, user=lead_staff,
                                      file_name="道路台账.xlsx", campaign=campaign)
        assert jobs.parse_ledger_upload(upload.pk) == LedgerUpload.Status.READY
        t2 = time.perf_counter()
        upload.refresh_from_db()
        assert (upload.row_count, upload.added, upload.error_count, upload.rows_read) == (ROWS, ROWS, 0, ROWS)
        ledger_upload_confirm(upload=upload, user=lead_staff)
        t3 = time.perf_counter()
        assert LedgerRow.objects.count() == ROWS
        # secondary + branch roads: 15 000 × 600 m shaded of 15 000 × 1000 m
        assert IndicatorValue.objects.get(measure__key="shaded_road_rate", scope=city).value == D("60")
        again = ledger_upload_create(unit=unit_a, ledger_type="roads", file=content, user=lead_staff,
                                     file_name="道路台账.xlsx")
        jobs.parse_ledger_upload(again.pk)
        t4 = time.perf_counter()
        again.refresh_from_db()
        assert (again.added, again.changed, again.removed, again.unchanged) == (0, 0, 0, ROWS)
        print(f"\n{ROWS} rows, {len(content) / 1024:.0f} KB: write {t1 - t0:.1f} s, parse+validate+diff {t2 - t1:.1f} s, "
              f"confirm+values {t3 - t2:.1f} s, re-upload diff {t4 - t3:.1f} s")
