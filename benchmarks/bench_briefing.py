"""The weekly briefing stays a summary as the city grows (issue 17): build time and pages at
the demo's size and at the synthetic city's large size. Targets: ≤ 5 s, ≤ 8 pages.

The dashboard and a unit's task list are timed at both sizes too (benchmarks.bench_dashboard).
BENCH_SCALE sets the large size (default 100, the megacity of issue 13: this benchmark takes
about three minutes on SQLite on a busy 2-core machine, seeding included)."""
import os
import re
import subprocess
import time
from datetime import timedelta

from benchmarks import benchmark

MAX_PAGES = 8


def pages(path):
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@benchmark("briefing_dashboard", "weekly briefing (target ≤ 5 s, ≤ 8 pages), dashboard and a unit's task list "
                                 "at 1× and at the synthetic city's large size (dashboard ×1.5 at most, same queries)")
def briefing(timer):
    from django.utils import timezone

    from indicators.models import Campaign
    from indicators.synthetic import build
    from reports.selectors import week_bounds
    from reports.services import briefing_build

    from benchmarks.bench_dashboard import measure_pages, record_pages

    scale = int(os.environ.get("BENCH_SCALE", "100"))
    last_week = week_bounds(timezone.localdate())[0] - timedelta(days=7)
    pages_at = {}
    for label, size in (("1×", 1), (f"{scale}×", scale)):
        started = time.perf_counter()
        build(size)
        if size > 1:
            timer.note(f"seed_synthetic --scale {size}", f"{time.perf_counter() - started:.0f} s")
        campaign = Campaign.objects.get(name="示例市国家园林城市复查")
        built = {}

        def build_briefing(language="zh-hans"):
            built[language] = briefing_build(campaign=campaign, week_start=last_week, language=language)

        build_briefing()  # warm: the first PDF of a process loads WeasyPrint and the fonts
        timer.measure(f"build last week's briefing (zh), {label}", build_briefing, repeat=3)
        build_briefing("en")
        zh, en = pages(built["zh-hans"].pdf.path), pages(built["en"].pdf.path)
        figures = built["zh-hans"].figures
        timer.note(f"pages at {label} (zh / en), bound {MAX_PAGES}",
                   f"{zh} / {en}   ({figures['work']['findings_open']} open findings, "
                   f"{figures['upcoming_total']} due next week, {len(figures['work']['overdue_by_unit'])} units overdue)")
        measure_pages(timer, label, pages_at)
        assert zh <= MAX_PAGES and en <= MAX_PAGES, (zh, en)
    record_pages(timer, pages_at)
