"""The table `make bench` ends with: issue 13's figures at 100×, each beside its floor or its 1×
counterpart and its target, from one run.

A benchmark records a figure with `timer.figure(key, **values)`; a row of the table is one
function decorated with `@row(order)` that reads the figures (a dict key → values) and returns
a `Row`, or None when its benchmark did not run (the table then says so). To add a figure,
record it in the benchmark and add one function here.
"""
from dataclasses import dataclass

ROWS = []


@dataclass
class Row:
    figure: str
    measured: str
    counterpart: str
    target: str
    met: bool | None = None  # None: no target to meet (a reference figure)


def row(order, figure, needs):
    """Register a row: `figure` names it in the table; `needs` is the figure key it reads (the
    row shows "not run" without it)."""
    def register(fn):
        ROWS.append((order, figure, needs, fn))
        ROWS.sort(key=lambda r: r[0])
        return fn

    return register


def _s(seconds):
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


@row(10, "detect_overdue, 100 000 open findings + 10 000 tasks, first pass", "detect_a100000")
def detect_first_pass(f):
    big, small = f["detect_a100000"], f.get("detect_a1000")
    return Row(measured=f"{_s(big['seconds'])}, {big['queries']} queries, {big['rows']} rows written",
               counterpart=f"1 000 + 100: {_s(small['seconds'])}, {small['queries']} queries" if small else "—",
               target="≤ 10 s and ≤ 200 queries", met=big["seconds"] <= 10 and big["queries"] <= 200,
               figure="")


@row(11, "detect_overdue rerun, same data", "detect_a100000")
def detect_rerun(f):
    big = f["detect_a100000"]
    return Row(figure="", measured=f"{big['rerun_queries']} queries, {big['rerun_rows']} rows written",
               counterpart="", target="0 rows written", met=big["rerun_rows"] == 0)


@row(20, "city ledger values recompute (coverage), 20 000 compounds × 4 700 parks", "coverage_40km")
def coverage(f):
    c = f["coverage_40km"]
    return Row(figure="", measured=f"{_s(c['seconds'])}, identical to all pairs: {c['identical']}",
               counterpart=f"all pairs ≈ {_s(c['all_pairs_seconds'])}", target="≤ 2 s, identical values",
               met=c["seconds"] <= 2 and c["identical"])


@row(30, "dashboard server time 100× ÷ 1×", "dashboard_scale")
def dashboard(f):
    d = f["dashboard_scale"]
    ratio = d["large_s"] / d["small_s"]
    return Row(figure="", measured=f"×{ratio:.2f} ({_s(d['large_s'])}, {d['large_queries']} queries)",
               counterpart=f"1×: {_s(d['small_s'])}, {d['small_queries']} queries",
               target="≤ 1.5, identical query count",
               met=ratio <= 1.5 and d["large_queries"] == d["small_queries"])


@row(31, "task list page, 100× ÷ 1×", "task_list_scale")
def task_list(f):
    d = f["task_list_scale"]
    ratio = d["large_s"] / d["small_s"]
    return Row(figure="", measured=f"×{ratio:.2f} ({_s(d['large_s'])}, {d['large_queries']} queries)",
               counterpart=f"1×: {_s(d['small_s'])}, {d['small_queries']} queries",
               target="flat (paginated)", met=None)


# The import rows read figures the import benchmarks (benchmarks/bench_ledger_import*.py,
# bench_task_import*.py) record: seconds, floor_seconds and, for the ledger, peak_mb.
@row(40, "100 000-row ledger import ÷ openpyxl read-only iteration", "ledger_import_100000")
def ledger_import(f):
    d = f["ledger_import_100000"]
    ratio = d["seconds"] / d["floor_seconds"]
    return Row(figure="", measured=f"×{ratio:.2f} ({_s(d['seconds'])}), peak {d['peak_mb']:.0f} MB",
               counterpart=f"floor {_s(d['floor_seconds'])}", target="≤ 2×, peak ≤ 300 MB",
               met=ratio <= 2 and d["peak_mb"] <= 300)


@row(50, "task import, 5 000 rows ÷ its floor", "task_import_5000")
def task_import(f):
    d = f["task_import_5000"]
    ratio = d["seconds"] / d["floor_seconds"]
    return Row(figure="", measured=f"×{ratio:.2f} ({_s(d['seconds'])})", counterpart=f"floor {_s(d['floor_seconds'])}",
               target="≤ 2×", met=ratio <= 2)


@row(60, "loopback load, 50 office users on the dashboard + 50 unit users on their lists", "load")
def load(f):
    d = f["load"]
    return Row(figure="", measured=f"p95 {d['p95_ms']:.0f} ms, {d['errors']} errors of {d['requests']} requests",
               counterpart=f"{d['workers']} gunicorn workers, {d['cores']} cores, {d['seconds']:.0f} s, "
                           f"think {d['think_ms'] / 1000:.0f} s",
               target="p95 ≤ 300 ms, 0 errors", met=d["requests"] > 0 and d["p95_ms"] <= 300 and d["errors"] == 0)


def render(figures):
    lines = []
    rows = []
    for _order, figure, needs, fn in ROWS:
        if needs not in figures:
            rows.append(Row(figure, "not run", "", "", None))
            continue
        try:
            r = fn(figures)
        except Exception as exc:  # a malformed figure must not hide the others
            r = Row("", f"unreadable: {exc!r}", "", "", False)
        r.figure = r.figure or figure
        rows.append(r)
    header = ("Figure at 100×", "Measured", "Floor / 1×", "Target", "")
    table = [header] + [(r.figure, r.measured, r.counterpart, r.target,
                         "" if r.met is None else ("met" if r.met else "NOT met")) for r in rows]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for cells in table[1:]:
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
