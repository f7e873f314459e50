"""The upload gate: every hostile file refused fast and small; real workbooks pay little.

Prints, per corpus file: its size on disk, what it claims uncompressed, the refusal time and
the gate's peak traced memory. Then the gate's cost on real ledgers of 2 000 and 50 000 rows
beside openpyxl's read-only iteration of the same cells (the floor any reader pays).
"""
import io
import time
import tracemalloc
import zipfile

from openpyxl import Workbook, load_workbook

from benchmarks import benchmark

MB = 1024 * 1024


def _claimed(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        return len(data)


@benchmark("upload_gate_hostile", "every hostile corpus file refused by spreadsheets.gate (limit: 2 s, 100 MB)")
def upload_gate_hostile(timer):
    from dataclasses import replace

    from spreadsheets.gate import Limits, WorkbookRefused, check_workbook
    from tests.spreadsheets.corpus import HOSTILE, MB as _MB, sheet_part, variant

    defaults = Limits.from_settings()
    cases = [(h.key, h.name, h.build(), defaults) for h in HOSTILE]
    # The file, refused by the string scan itself (ratio check off): 90 MB of one string.
    cases.append(("inline_string_90MB_scanned", "台账.xlsx", variant(replace={
        "xl/worksheets/sheet1.xml": sheet_part(b"a" * _MB, 90, head_rows=b'<row r="1"><c r="A1" t="inlineStr"><is><t>')}),
        replace(defaults, ratio=10**6)))
    for key, name, data, limits in cases:
        def refuse():
            try:
                check_workbook(data, name, limits=limits)
            except WorkbookRefused as exc:
                return exc.limit
            raise AssertionError(f"{key} was not refused")

        tracemalloc.start()
        start = time.perf_counter()
        limit = refuse()
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        timer.measure(f"{key}", refuse, repeat=3)
        timer.note(f"  {key} detail", f"{len(data) / 1024:,.0f} KB on disk, claims {_claimed(data) / MB:,.0f} MB; "
                                      f"refused by '{limit}' in {elapsed * 1000:.1f} ms (traced), "
                                      f"peak {peak / MB:.1f} MB")


def _ledger(rows):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("公园")
    ws.append(["公园名称", "所在区", "公园类型", "面积（m²）", "是否免费开放", "经度", "纬度"])
    for i in range(rows):
        ws.append([f"示例市第{i}公园", "城东区", "综合公园", 12000 + i, "是", 114.3 + i / 1e6, 30.5 + i / 1e6])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@benchmark("upload_gate_real", "the gate on real ledgers vs openpyxl read-only iteration of the same cells")
def upload_gate_real(timer):
    from spreadsheets.gate import check_workbook

    for rows in (2000, 50_000):
        data = _ledger(rows)

        def iterate():
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            for _row in wb.active.iter_rows(values_only=True):
                pass
            wb.close()

        timer.measure(f"openpyxl read-only iteration, {rows} rows", iterate, repeat=3)
        timer.measure(f"gate, {rows} rows ({len(data) / MB:.1f} MB file)", lambda: check_workbook(data, "公园.xlsx"),
                      repeat=3)
