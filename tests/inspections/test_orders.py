"""Supervision orders (督办单): numbering that never repeats, and a PDF that is really Chinese."""
import re
import shutil
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from indicators.models import Campaign
from inspections import services
from inspections.models import Finding, FindingEvent, OrderSequence, SupervisionOrder

needs_poppler = pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")


def poppler(tool, pdf, tmp_path, *args):
    path = tmp_path / "order.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])], capture_output=True,
                          text=True, check=True).stdout


def pages(pdf, tmp_path):
    return int(re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", pdf, tmp_path), re.M).group(1))


class OrderNumberTests:
    def test_numbers_follow_the_official_pattern(self):
        assert services.format_order_number("创园督", 2026, 12) == "创园督〔2026〕第12号"

    def test_it_counts_per_campaign_and_year(self, campaign, city, office_unit):
        other = Campaign.objects.create(name="另一个创建", city=city, office=office_unit, kind="creation", tier="eco")
        got = [services.order_number_allocate(campaign=campaign, year=2026) for _ in range(3)]
        got.append(services.order_number_allocate(campaign=campaign, year=2027))
        got.append(services.order_number_allocate(campaign=other, year=2026))
        assert got == [1, 2, 3, 1, 1]
        assert OrderSequence.objects.get(campaign=campaign, year=2026).last == 3

    def test_each_finding_gets_the_next_number(self, make_finding, today):
        numbers = [make_finding().orders.get().number for _ in range(3)]
        assert numbers == [f"创园督〔{today.year}〕第{n}号" for n in (1, 2, 3)]

    def test_the_prefix_is_the_offices_choice(self, campaign, office_admin, make_finding):
        services.inspection_settings_update(campaign=campaign, user=office_admin, order_prefix="园督办")
        assert make_finding().orders.get().number.startswith("园督办〔")

    def test_the_database_refuses_a_duplicate_number(self, finding):
        order = finding.orders.get()
        duplicate = SupervisionOrder(campaign=order.campaign, year=order.year, seq=order.seq, number="dup",
                                     unit=order.unit, issuer_name="x", issued_at=timezone.now())
        with pytest.raises(IntegrityError), transaction.atomic():
            duplicate.save()

    @pytest.mark.django_db(transaction=True)
    def test_concurrent_issuers_never_share_a_number(self, campaign):
        results, errors = [], []

        def issue():
            try:
                for _ in range(5):
                    for _attempt in range(500):
                        try:
                            results.append(services.order_number_allocate(campaign=campaign, year=2026))
                            break
                        except OperationalError:  # SQLite's shared-cache table lock: the loser retries
                            time.sleep(0.005)
                    else:
                        errors.append("gave up")
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                connection.close()  # each thread has its own; PostgreSQL would keep it open

        threads = [threading.Thread(target=issue) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert sorted(results) == list(range(1, 31)), f"{connection.vendor}: {sorted(results)}"


class OrderIssueTests:
    def test_a_batch_collects_a_units_open_findings(self, make_finding, campaign, unit_a, office_admin):
        findings = [make_finding() for _ in range(3)]
        order = services.supervision_order_issue(campaign=campaign, unit=unit_a, findings=findings, user=office_admin,
                                                 kind=SupervisionOrder.Kind.BATCH)
        assert order.seq == 4 and set(order.findings.all()) == set(findings)
        assert FindingEvent.objects.filter(kind="order_issued", note=order.number).count() == 3

    def test_a_batch_holds_one_units_findings_only(self, make_finding, campaign, unit_a, unit_b, office_admin):
        mixed = [make_finding(unit=unit_a), make_finding(unit=unit_b, cooperating_units=[])]
        with pytest.raises(Exception):
            services.supervision_order_issue(campaign=campaign, unit=unit_a, findings=mixed, user=office_admin,
                                             kind=SupervisionOrder.Kind.BATCH)
        assert SupervisionOrder.objects.filter(kind="batch").count() == 0


@needs_poppler
class OrderPdfTests:
    def test_the_order_reads_back_as_chinese_with_an_embedded_font(self, client_for, lead_staff, finding, tmp_path):
        order = finding.orders.get()
        response = client_for(lead_staff).get(f"/inspections/orders/{order.pk}/pdf/")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert "filename*=utf-8''" in response["Content-Disposition"]
        text = re.sub(r"\s+", "", poppler("pdftotext", response.content, tmp_path))
        for expected in ["督办单", order.number, "市住建局：", "人民公园东门绿地黄土裸露约50平方米", "整改期限",
                         f"{finding.deadline.year}年{finding.deadline.month}月{finding.deadline.day}日", "市城管执法局",
                         "签收人", "签收回执", "整改前照片", "签发人"]:
            assert expected in text, expected
        fonts = poppler("pdffonts", response.content, tmp_path)
        cjk = [line for line in fonts.splitlines()[2:] if "CJK" in line]
        assert cjk, fonts
        assert all(re.match(r"^[A-Z]{6}\+", line) and " yes yes yes " in line for line in cjk), fonts
        assert "Noto-Sans-CJK-SC" in fonts or "Noto-Serif-CJK-SC" in fonts  # the Chinese face, not JP
        assert pages(response.content, tmp_path) == 1

    def test_it_is_chinese_even_for_an_english_interface(self, client_for, lead_staff, finding, tmp_path):
        client = client_for(lead_staff)
        client.cookies["django_language"] = "en"
        response = client.get(f"/inspections/orders/{finding.orders.get().pk}/pdf/")
        assert "签收回执" in re.sub(r"\s+", "", poppler("pdftotext", response.content, tmp_path))

    def test_a_batch_order_has_a_page_per_finding(self, client_for, office_admin, make_finding, unit_a, tmp_path):
        findings = [make_finding(description=f"第{i}处黄土裸露") for i in range(2)]
        client = client_for(office_admin)
        response = client.post("/inspections/orders/batch/", {"unit": unit_a.pk})
        assert response.status_code == 302
        order = SupervisionOrder.objects.get(kind="batch")
        assert set(order.findings.all()) == set(findings)
        pdf = client.get(f"/inspections/orders/{order.pk}/pdf/").content
        assert pages(pdf, tmp_path) == 3
        text = re.sub(r"\s+", "", poppler("pdftotext", pdf, tmp_path))
        assert "第0处黄土裸露" in text and "第1处黄土裸露" in text and "附件2" in text

    def test_a_batch_skips_closed_and_submitted_findings(self, client_for, office_admin, make_finding, advance,
                                                          unit_a):
        open_one, closed = make_finding(), make_finding()
        advance(closed, Finding.Status.CLOSED)
        client_for(office_admin).post("/inspections/orders/batch/", {"unit": unit_a.pk})
        assert list(SupervisionOrder.objects.get(kind="batch").findings.all()) == [open_one]


class OrderViewAccessTests:
    def test_pdf_requires_login(self, client, finding):
        assert client.get(f"/inspections/orders/{finding.orders.get().pk}/pdf/").status_code == 302

    def test_pdf_is_404_for_another_units_order(self, client_for, outsider, finding):
        assert client_for(outsider).get(f"/inspections/orders/{finding.orders.get().pk}/pdf/").status_code == 404

    def test_pdf_rejects_post(self, client_for, lead_staff, finding):
        assert client_for(lead_staff).post(f"/inspections/orders/{finding.orders.get().pk}/pdf/").status_code == 405

    def test_batch_is_for_inspectors_and_the_office(self, client_for, lead_staff, unit_a, finding):
        response = client_for(lead_staff).post("/inspections/orders/batch/", {"unit": unit_a.pk})
        assert response.status_code == 403
        assert not SupervisionOrder.objects.filter(kind="batch").exists()

    def test_batch_rejects_get(self, client_for, inspector):
        assert client_for(inspector).get("/inspections/orders/batch/").status_code == 405

    def test_the_list_shows_only_the_users_units(self, client_for, outsider, lead_staff, finding):
        number = finding.orders.get().number
        assert number in client_for(lead_staff).get("/inspections/orders/").content.decode()
        assert number not in client_for(outsider).get("/inspections/orders/").content.decode()

    def test_an_order_with_no_open_findings_is_refused(self, client_for, inspector, unit_c, campaign):
        response = client_for(inspector).post("/inspections/orders/batch/", {"unit": unit_c.pk}, follow=True)
        assert "没有需要督办的问题" in response.content.decode()
        assert not SupervisionOrder.objects.exists()


def test_deadline_text_uses_the_campaign_calendar(finding):
    assert finding.deadline == timezone.localdate() + timedelta(days=7)


class OrderFoundDateTests:
    def test_the_body_and_the_table_show_the_same_found_date_in_the_campaigns_zone(self, campaign, make_finding):
        from datetime import date

        import time_machine
        from django.template.loader import render_to_string
        from django.utils import translation

        from inspections.models import InspectionRound
        from inspections.selectors import order_for_pdf

        # 01:00 in Shanghai is the previous day in UTC; the round started two days before
        with time_machine.travel("2026-11-29 01:00 +0800", tick=False):
            round_ = InspectionRound.objects.create(campaign=campaign, date=date(2026, 11, 27), kind="open")
            finding = make_finding(round=round_, deadline=date(2026, 12, 6))
        assert finding.found_on == date(2026, 11, 29)
        order = finding.orders.get()
        with translation.override("zh-hans"):
            html = render_to_string("inspections/supervision_order_pdf.html", {
                "order": order, "findings": order_for_pdf(order), "campaign": campaign, "today": finding.found_on,
                "issued_on": finding.found_on})
        lead = re.search(r'<p class="lead">(.*?)</p>', html, re.S).group(1)
        assert "2026年11月29日，创园督查组在明察中发现" in lead
        assert "发现日期</th><td>2026年11月29日" in html
        assert "11月27日" not in html
