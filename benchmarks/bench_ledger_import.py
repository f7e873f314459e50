"""A 100 000-row ledger import (parse, preview, confirm) against the floor: openpyxl's own
read-only iteration of the same cells. Target: the import at most 2× the floor per stage
that reads the file, peak memory of the parse under 300 MB. Also the 20 000-row import that
used to sit in the test suite (tests/ledgers/test_big.py), with its checks."""
import gc
import io
import tracemalloc
from decimal import Decimal as D

from django.test.utils import override_settings
from openpyxl import Workbook, load_workbook

from benchmarks import benchmark
from benchmarks.bench_imports import _setup

ROWS = 100_000
MB = 1024 * 1024


def roads_workbook(n, districts):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("道路台账")
    ws.append(["测试市道路台账（2024年）"])
    ws.append(["道路名称", "起止点", "所在城区", "道路等级", "道路长度（m）", "林荫路长度（m）", "有行道树绿化"])
    grades = ["主干路", "次干路", "支路", "支路"]
    for i in range(n):
        ws.append([f"第{i // 4}路", f"段{i}", districts[i % 4], grades[i % 4], 1000, 600, "是"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def openpyxl_floor(content):
    wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    count = 0
    for row in wb.worksheets[0].iter_rows(values_only=True):
        count += len(row)
    wb.close()
    return count


def peak_mb(fn):
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


@benchmark("ledger_import_100k", "100 000-row roads ledger: openpyxl read-only floor vs parse, preview, confirm")
def ledger_import_100k(timer):
    from ledgers import jobs
    from ledgers.models import LedgerRow, LedgerUpload
    from ledgers.selectors import upload_preview
    from ledgers.services import ledger_upload_confirm, ledger_upload_create
    from ledgers.validation import Context, validate_workbook
    from ledgers.schemas import LEDGER_TYPES
    from organizations.models import Unit

    with override_settings(LEDGER_MAX_ROWS=ROWS, SPREADSHEET_MAX_ROWS=ROWS + 10):
        campaign, lead, _coop, user = _setup("big")
        districts = [d.name for d in Unit.objects.filter(parent=campaign.city, kind=Unit.Kind.DISTRICT)]
        content = roads_workbook(ROWS, districts)
        timer.note("workbook", f"{ROWS:,} rows × 7 columns, {len(content) / MB:.1f} MB")

        floor = timer.measure("floor: openpyxl read-only iteration", lambda: openpyxl_floor(content), repeat=3)
        ctx = Context(file_name="道路台账.xlsx", districts=districts)
        parse_only = timer.measure("parse + validate (validate_workbook)",
                                   lambda: validate_workbook(io.BytesIO(content), LEDGER_TYPES["roads"], ctx), repeat=3)
        state = {}

        def parse_job():
            upload = ledger_upload_create(unit=lead, ledger_type="roads", file=content, user=user,
                                          file_name="道路台账.xlsx", campaign=campaign)
            jobs.parse_ledger_upload(upload.pk)
            upload.refresh_from_db()
            assert upload.status == LedgerUpload.Status.READY and upload.row_count == ROWS, upload.result.get("errors")
            state["upload"] = upload

        job = timer.measure("parse job (gate, parse, diff, store result)", parse_job, repeat=1)
        preview = timer.measure("preview (upload_preview)", lambda: upload_preview(state["upload"]), repeat=1)
        confirm = timer.measure("confirm (rows + values)",
                                lambda: ledger_upload_confirm(upload=state["upload"], user=user, queue_compliance=False),
                                repeat=1)
        assert LedgerRow.objects.filter(version__ledger__unit=lead).count() == ROWS
        peak = peak_mb(lambda: validate_workbook(io.BytesIO(content), LEDGER_TYPES["roads"], ctx))
        timer.note("parse / floor", f"×{parse_only / floor:.2f} (target ≤ 2)")
        timer.note("parse job + preview + confirm / floor", f"×{(job + preview + confirm) / floor:.2f}")
        timer.note("peak Python memory of the parse", f"{peak:.0f} MB (target ≤ 300 MB)")
        timer.figure("ledger_import_100000", seconds=job + preview + confirm, floor_seconds=floor, peak_mb=peak)


@benchmark("ledger_import_20k", "20 000-row roads ledger: parse with progress, preview, confirm, values, re-upload")
def ledger_import_20k(timer):
    """Formerly tests/ledgers/test_big.py: sizes belong in the benchmark, its checks kept."""
    from indicators.models import IndicatorValue
    from ledgers import jobs
    from ledgers.models import LedgerRow, LedgerUpload
    from ledgers.services import ledger_upload_confirm, ledger_upload_create
    from organizations.models import Unit

    n = 20_000
    campaign, lead, _coop, user = _setup("k20")
    districts = [d.name for d in Unit.objects.filter(parent=campaign.city, kind=Unit.Kind.DISTRICT)]
    content = roads_workbook(n, districts)
    state = {}

    def parse():
        upload = ledger_upload_create(unit=lead, ledger_type="roads", file=content, user=user,
                                      file_name="道路台账.xlsx", campaign=campaign)
        assert jobs.parse_ledger_upload(upload.pk) == LedgerUpload.Status.READY
        upload.refresh_from_db()
        assert (upload.row_count, upload.added, upload.error_count, upload.rows_read) == (n, n, 0, n)
        state["upload"] = upload

    timer.measure("parse + validate + diff", parse, repeat=1)
    timer.measure("confirm + values", lambda: ledger_upload_confirm(upload=state["upload"], user=user), repeat=1)
    assert LedgerRow.objects.filter(version__ledger__unit=lead).count() == n

    def reupload():
        again = ledger_upload_create(unit=lead, ledger_type="roads", file=content, user=user, file_name="道路台账.xlsx")
        jobs.parse_ledger_upload(again.pk)
        again.refresh_from_db()
        assert (again.added, again.changed, again.removed, again.unchanged) == (0, 0, 0, n)

    timer.measure("re-upload diff (nothing changed)", reupload, repeat=1)
    shaded = IndicatorValue.objects.filter(measure__key="shaded_road_rate", scope=campaign.city).first()
    timer.note("shaded road rate", f"{shaded.value if shaded else '—'} % (expected {D('60')} when the campaign "
                                   "uses the indicator)")
