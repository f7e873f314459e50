"""Issue #12: ledgers/, tasks/ and indicators/ hold no workbook reader of their own.

Every upload is read by spreadsheets.reader (gate, then openpyxl's public read-only API).
These apps may write workbooks (exports, templates) with Workbook(); a module that must load
one anyway marks that line with ONE_READER_EXCEPTION and a reason."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("ledgers", "tasks", "indicators")
# Opening a workbook for reading, or walking its cells, outside spreadsheets/.
READING = re.compile(r"\bload_workbook\b|\.iter_rows\(|\.iter_cols\(|openpyxl\.reader\b")
ONE_READER_EXCEPTION = "# one-reader exception:"


def readers_outside_spreadsheets(root=ROOT):
    found = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
                if READING.search(line) and ONE_READER_EXCEPTION not in line:
                    found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


class OneReaderTests:
    def test_no_app_opens_or_walks_a_workbook_itself(self):
        assert readers_outside_spreadsheets() == []

    def test_the_search_covers_the_apps_and_sees_a_reader(self, tmp_path):
        # The check must be able to fail: it reads each app's modules and spots each way of reading.
        assert all(any((ROOT / app).rglob("*.py")) for app in APPS)
        for app in APPS:
            (tmp_path / app).mkdir()
        (tmp_path / "ledgers" / "a.py").write_text("from openpyxl import load_workbook\n", "utf-8")
        (tmp_path / "tasks" / "b.py").write_text("for row in ws.iter_rows(values_only=True):\n", "utf-8")
        (tmp_path / "indicators" / "c.py").write_text(
            "wb = openpyxl.load_workbook(f)\nwb = openpyxl.Workbook()\n"
            f"wb = openpyxl.load_workbook(out)  {ONE_READER_EXCEPTION} reopens its own export\n", "utf-8")
        found = readers_outside_spreadsheets(tmp_path)
        assert sorted(":".join(line.split(":")[:2]) for line in found) == [
            "indicators/c.py:1", "ledgers/a.py:1", "tasks/b.py:1"]
