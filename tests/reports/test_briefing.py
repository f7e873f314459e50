import shutil
import subprocess
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from reports.briefing import briefing_context
from reports.models import Briefing
from reports.services import briefing_build, ranking_write
from tests.reports.conftest import SUNDAY, add_finding, add_task

MONDAY = SUNDAY - timedelta(days=6)
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def travel(day=SUNDAY, hour=18):
    return time_machine.travel(f"{day.isoformat()} {hour:02d}:00 +0800", tick=False)


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def briefing_context_summary(campaign):
    from django.utils import translation

    with translation.override("en"), travel():
        return briefing_context(campaign, SUNDAY, number=1)["summary"]


@pytest.fixture
def busy(campaign, unit_a, unit_b):
    late = add_finding(campaign, unit_a, found=MONDAY, deadline=SUNDAY - timedelta(days=2))
    add_finding(campaign, unit_b, found=MONDAY + timedelta(days=1), deadline=SUNDAY + timedelta(days=3))
    add_finding(campaign, unit_b, found=MONDAY - timedelta(days=10), deadline=MONDAY,
                status="closed", closed=timezone.make_aware(timezone.datetime(2026, 6, 3, 10)))
    add_task(campaign, unit_a, 1, due=SUNDAY - timedelta(days=1))
    add_task(campaign, unit_b, 2, due=SUNDAY + timedelta(days=2))
    return late


class BriefingFiguresTests:
    def test_the_briefing_prints_the_dashboards_figures_for_the_same_date(self, client_for, leader, campaign, busy):
        with travel():
            ranking_write(campaign=campaign, day=SUNDAY)
            response = client_for(leader).get("/reports/dashboard/")
            briefing = briefing_build(campaign=campaign, week_start=MONDAY)
        dashboard = response.context["figures"]
        assert briefing.figures["work"] == dashboard["work"]
        for key in ("days_left", "veto_failed", "basic", "improvement", "not_met"):
            assert briefing.figures[key] == dashboard[key], key
        assert briefing.figures["red"] == [e.unit.name for e in response.context["red"]]
        assert briefing.figures["black"] == [e.unit.name for e in response.context["black"]]
        work = dashboard["work"]
        assert (work["findings_new"], work["findings_closed"], work["findings_overdue"], work["tasks_overdue"]) == (
            2, 1, 1, 1)

    def test_a_past_week_rebuilt_later_shows_that_weeks_end_and_keeps_its_number(self, campaign, busy):
        with travel():
            first = briefing_build(campaign=campaign, week_start=MONDAY)
        assert first.figures["work"]["findings_open"] == 2
        later = SUNDAY + timedelta(days=10)
        type(busy).objects.filter(pk=busy.pk).update(
            status="closed", closed_at=timezone.make_aware(timezone.datetime(2026, 6, 12, 10)))
        with travel(later):
            rebuilt = briefing_build(campaign=campaign, week_start=MONDAY + timedelta(days=3))
            this_week = briefing_context(campaign, later, number=0)["figures"]
        assert rebuilt.pk == first.pk and Briefing.objects.count() == 1  # replaced, not added
        assert rebuilt.number == first.number
        assert rebuilt.figures["work"] == first.figures["work"]  # as at that week's end
        assert this_week["work"]["findings_open"] == 1  # today the late finding is closed


@needs_poppler
class BriefingPdfTests:
    def test_the_chinese_briefing_has_its_headings_a_subset_cjk_font_and_stays_small(self, campaign, busy):
        with travel():
            ranking_write(campaign=campaign, day=SUNDAY)
            briefing = briefing_build(campaign=campaign, week_start=MONDAY)
        path = briefing.pdf.path
        text = pdf_text(path)
        for heading in ("创园工作简报", "一、总体情况", "二、未达标指标", "三、督查问题整改", "四、红黑榜", "五、下周到期事项"):
            assert heading in text, heading
        assert "2026年6月7日" in text and f"第{briefing.number}期" in text
        assert "建成区绿地率" in text
        fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True).stdout
        cjk = [line for line in fonts.splitlines()[2:] if "CJK" in line]
        assert cjk and all(line.split()[0].split("+")[0].isupper() and "+" in line.split()[0] for line in cjk)
        assert all(" yes yes " in line for line in cjk)  # embedded, subset
        assert "CJK-JP" not in fonts and "CJK-KR" not in fonts  # the Chinese faces, also in the SVG charts
        assert briefing.pdf.size < 2 * 1024 * 1024

    def test_the_english_briefing_uses_english_dates_and_numbers(self, campaign, busy):
        with travel():
            briefing = briefing_build(campaign=campaign, week_start=MONDAY, language="en")
        text = pdf_text(briefing.pdf.path)
        assert "7 June 2026" in text
        summary = briefing_context_summary(campaign)
        assert ". " in summary and ".B" not in summary and ".T" not in summary  # sentences are spaced
        assert "2026年" not in text
        assert f"No. {briefing.number}" in text and f"第{briefing.number}期" not in text


class BriefingPagesTests:
    def test_leaders_list_and_download_and_unit_staff_are_refused(self, client_for, leader, lead_staff, campaign):
        with travel():
            briefing = briefing_build(campaign=campaign, week_start=MONDAY)
        client = client_for(leader)
        assert str(briefing.number) in client.get("/reports/briefings/").content.decode()
        response = client.get(f"/reports/briefings/{briefing.pk}.pdf")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content)[:4] == b"%PDF"
        staff = client_for(lead_staff)
        assert staff.get("/reports/briefings/").status_code == 403
        assert staff.get(f"/reports/briefings/{briefing.pk}.pdf").status_code == 403

    def test_only_the_office_builds_on_demand(self, client_for, office_admin, leader, campaign):
        with travel():
            assert client_for(leader).post("/reports/briefings/build/", {"week": "2026-06-03"}).status_code == 403
            response = client_for(office_admin).post("/reports/briefings/build/",
                                                     {"week": "2026-06-03", "language": "zh-hans"})
        assert response.status_code == 302
        assert Briefing.objects.get().week_start == MONDAY

    def test_a_future_week_is_refused(self, client_for, office_admin, campaign):
        with travel():
            client_for(office_admin).post("/reports/briefings/build/", {"week": "2026-07-01"})
        assert not Briefing.objects.exists()


class RankingHistoryTests:
    def test_a_black_listed_unit_that_clears_its_overdue_items_leaves_the_black_list(
        self, client_for, office_admin, campaign, unit_a, unit_b
    ):
        from reports.models import RankingEntry, RankingRule

        RankingRule.objects.create(campaign=campaign, red_count=1, black_count=1)
        late = add_finding(campaign, unit_a, found=MONDAY, deadline=MONDAY + timedelta(days=1))
        add_finding(campaign, unit_b, found=MONDAY, deadline=SUNDAY + timedelta(days=5))
        with travel():
            ranking_write(campaign=campaign, day=SUNDAY)
        type(late).objects.filter(pk=late.pk).update(
            status="closed", closed_at=timezone.make_aware(timezone.datetime(2026, 6, 9, 10)))
        with travel(SUNDAY + timedelta(days=7)):
            ranking_write(campaign=campaign, day=SUNDAY + timedelta(days=7))
            body = client_for(office_admin).get("/reports/ranking/").content.decode()
        flags = {(e.period_start, e.unit.name): e.flag for e in RankingEntry.objects.select_related("unit")}
        assert flags[(MONDAY, "市住建局")] == "black"
        assert flags[(MONDAY + timedelta(days=7), "市住建局")] != "black"
        current = body.split("上榜记录")[0]  # this period's table, above the history
        assert 'data-unit="市住建局" data-flag="black"' not in current
        assert 'data-unit="市住建局" data-flag="red"' in current


class AutomaticBriefingTasksTests:
    """The Monday job counts tasks by their real dates, not the day they were imported."""

    def test_the_monday_job_counts_overdue_tasks_and_lists_next_weeks_ones(self, campaign, unit_a, unit_b):
        from reports.jobs import build_weekly_briefing
        from tasks.models import Task

        next_monday = SUNDAY + timedelta(days=1)
        with travel(next_monday, hour=8):
            # the table was typed in this morning, after the week it describes
            Task.objects.create(campaign=campaign, seq=1, content="公园绿地建设", lead_unit=unit_a,
                                due_on=SUNDAY - timedelta(days=3))
            Task.objects.create(campaign=campaign, seq=2, content="道路绿化提升", lead_unit=unit_b,
                                due_on=SUNDAY + timedelta(days=4))
            Task.objects.create(campaign=campaign, seq=3, content="已提交的任务", lead_unit=unit_b,
                                due_on=SUNDAY - timedelta(days=2), review_state="submitted",
                                submitted_at=timezone.make_aware(timezone.datetime(2026, 6, 4, 10)))
            build_weekly_briefing(campaign.pk)
        briefing = Briefing.objects.get(language="zh-hans")
        assert briefing.week_start == MONDAY
        work = briefing.figures["work"]
        assert (work["tasks_overdue"], work["tasks_total"]) == (1, 3)
        assert work["overdue_by_unit"] == [[unit_a.name, 0, 1]]
        assert [(kind, text) for _, kind, text, _ in briefing.figures["upcoming"]] == [("task", "道路绿化提升")]


class BriefingPreviewTests:
    def test_a_leader_previews_the_current_week_unnumbered_and_nothing_is_stored(self, client_for, leader,
                                                                                   campaign, busy):
        client = client_for(leader)
        wednesday = MONDAY + timedelta(days=2)
        with travel(wednesday):
            page = client.get("/reports/briefings/preview/")
            pdf = client.get("/reports/briefings/preview/?format=pdf")
            listing = client.get("/reports/briefings/").content.decode()
        assert page.status_code == 200 and page.context["number"] is None
        assert page.context["on"] == wednesday  # as at today, not the Sunday to come
        body = page.content.decode()
        assert "预览（未编号" in body and "第" not in body.split("预览（未编号")[0].split("masthead")[-1]
        assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
        assert not Briefing.objects.exists()
        assert 'href="/reports/briefings/preview/"' in listing

    def test_unit_staff_cannot_preview(self, client_for, lead_staff, campaign):
        assert client_for(lead_staff).get("/reports/briefings/preview/").status_code == 403

    def test_the_office_issues_the_current_week_numbered_as_at_today(self, client_for, office_admin, campaign, busy):
        wednesday = MONDAY + timedelta(days=2)
        with travel(wednesday):
            response = client_for(office_admin).post("/reports/briefings/build/",
                                                     {"week": wednesday.isoformat(), "language": "zh-hans"})
            preview = client_for(office_admin).get("/reports/briefings/preview/").context["figures"]
        assert response.status_code == 302
        issued = Briefing.objects.get()
        assert issued.number >= 1 and issued.figures["on"] == wednesday.isoformat()
        assert issued.figures["work"] == preview["work"]
