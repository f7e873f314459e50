"""The materials loop end to end through the pages: required → uploaded by two units → one
returned and uploaded again → accepted → 100 % for the indicator → the package zip holds
exactly the accepted files with correct indexes."""
import io
import zipfile
from datetime import date

import pytest
import time_machine
from openpyxl import load_workbook

from organizations.models import AuditEntry
from visits import jobs
from visits.models import MaterialAssignment, MaterialDocument, MaterialPackage, Status
from visits.selectors import indicator_completeness

from .conftest import pdf_upload, png_upload

pytestmark = pytest.mark.django_db


def upload(client, assignment, *, title, number, on, pages, file):
    return client.post(f"/visits/materials/{assignment.pk}/upload/", {
        "title": title, "doc_number": number, "doc_date": on.isoformat(), "pages": pages, "file": file})


@pytest.fixture
def build_now(monkeypatch):
    """Run the package job in the request's on_commit, as a worker would right after."""
    monkeypatch.setattr(jobs.build_material_package, "apply_async",
                        lambda args=(), **kw: jobs.build_material_package.run(*args))


@pytest.fixture(autouse=True)
def june_2026():
    with time_machine.travel("2026-06-10 10:00 +0800", tick=False):
        yield


class MaterialScenarioTests:
    def test_it_goes_from_required_to_a_package_of_the_accepted_files(
            self, client_for, office_admin, lead_staff, coop_staff, unit_a, unit_b, campaign, funds, build_now,
            django_capture_on_commit_callbacks):
        indicator, budgets, approval = funds
        office = client_for(office_admin)
        # Required: the office assigns the budgets to unit A and the approval to unit B.
        for requirement, unit in ((budgets, unit_a), (approval, unit_b)):
            r = office.post(f"/visits/materials/requirements/{requirement.pk}/assign/?campaign={campaign.pk}",
                            {"unit": unit.pk, "due_on": "2026-06-30"})
            assert r.status_code == 302
        a_budgets = MaterialAssignment.objects.get(requirement=budgets, unit=unit_a)
        b_approval = MaterialAssignment.objects.get(requirement=approval, unit=unit_b)
        assert indicator_completeness(campaign, indicator).percent == 0

        # Uploaded by two units: A three budgets (one per year of the window), B the approval.
        a = client_for(lead_staff)
        for year in (2024, 2025, 2026):
            r = upload(a, a_budgets, title=f"{year}年园林绿化专项资金预算", number=f"示财〔{year}〕3号",
                       on=date(year, 2, 1), pages=5, file=pdf_upload(f"budget{year}.pdf"))
            assert r.status_code == 302, r.content.decode()[:500]
        b = client_for(coop_staff)
        assert upload(b, b_approval, title="资金管理办法", number="示政办〔2023〕7号", on=date(2023, 5, 4), pages=3,
                      file=pdf_upload("rules.pdf")).status_code == 302
        a_budgets.refresh_from_db()
        b_approval.refresh_from_db()
        assert (a_budgets.status, b_approval.status) == (Status.SUBMITTED, Status.SUBMITTED)

        # The office returns B's with a reason; B uploads a new version; the return is audited.
        rules = MaterialDocument.objects.get(assignment=b_approval)
        office = client_for(office_admin)
        assert office.post(f"/visits/materials/documents/{rules.pk}/return/",
                           {"reason": "缺少批复页"}).status_code == 302
        rules.refresh_from_db()
        b_approval.refresh_from_db()
        assert rules.review == MaterialDocument.Review.RETURNED and rules.return_reason == "缺少批复页"
        assert b_approval.status == Status.RETURNED
        assert AuditEntry.objects.filter(object_id=str(rules.pk), note="缺少批复页").exists()
        b = client_for(coop_staff)
        page = b.get(f"/visits/materials/{b_approval.pk}/")
        assert "缺少批复页" in page.content.decode()
        assert b.post(f"/visits/materials/documents/{rules.pk}/reupload/",
                      {"file": png_upload("rules-with-approval.png"), "pages": 4}).status_code == 302
        rules.refresh_from_db()
        assert rules.review == MaterialDocument.Review.SUBMITTED and rules.pages == 4
        assert list(rules.versions.values_list("number", flat=True)) == [2, 1]  # both kept

        # Accepted: everything. 100 % for the indicator, on the page too.
        office = client_for(office_admin)
        for d in MaterialDocument.objects.filter(review=MaterialDocument.Review.SUBMITTED):
            assert office.post(f"/visits/materials/documents/{d.pk}/accept/").status_code == 302
        a_budgets.refresh_from_db()
        b_approval.refresh_from_db()
        assert (a_budgets.status, b_approval.status) == (Status.COMPLETE, Status.COMPLETE)
        assert indicator_completeness(campaign, indicator).percent == 100
        listing = office.get(f"/visits/materials/?campaign={campaign.pk}").content.decode()
        assert 'data-complete="2" data-total="2"' in listing

        # The package: built by the job, progress reported, exactly the accepted files.
        with django_capture_on_commit_callbacks(execute=True):
            r = office.post(f"/visits/materials/packages/new/?campaign={campaign.pk}")
        package = MaterialPackage.objects.get()
        assert r["Location"] == f"/visits/materials/packages/{package.pk}/"
        progress = office.get(f"/visits/materials/packages/{package.pk}/progress/").json()
        assert progress["done"] and progress["percent"] == 100 and progress["state"] == "ready"
        response = office.get(f"/visits/materials/packages/{package.pk}/download/")
        assert response.status_code == 200
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        folder = "1.2 城市园林绿化建设维护专项资金"
        names = sorted(archive.namelist())
        assert names == sorted([
            "00 总目录.xlsx", "00 总目录.pdf", f"{folder}/00 目录.xlsx", f"{folder}/00 目录.pdf",
            f"{folder}/1.2-01 2024年园林绿化专项资金预算.pdf", f"{folder}/1.2-02 2025年园林绿化专项资金预算.pdf",
            f"{folder}/1.2-03 2026年园林绿化专项资金预算.pdf", f"{folder}/1.2-04 资金管理办法.png",
        ])
        # The returned first version is not in it: the accepted PNG (version 2) is.
        assert archive.read(f"{folder}/1.2-04 资金管理办法.png").startswith(b"\x89PNG")
        assert archive.read("00 总目录.pdf").startswith(b"%PDF-")

        index = load_workbook(io.BytesIO(archive.read(f"{folder}/00 目录.xlsx"))).active
        rows = [[c.value for c in row] for row in index.iter_rows(min_row=2)]
        assert rows[0] == ["文件编号", "题名", "文号", "成文日期", "页数", "报送单位", "资料要求"]
        assert rows[1:5] == [
            ["1.2-01", "2024年园林绿化专项资金预算", "示财〔2024〕3号", "2024-02-01", 5, "市住建局", "近三年专项资金预算文件"],
            ["1.2-02", "2025年园林绿化专项资金预算", "示财〔2025〕3号", "2025-02-01", 5, "市住建局", "近三年专项资金预算文件"],
            ["1.2-03", "2026年园林绿化专项资金预算", "示财〔2026〕3号", "2026-02-01", 5, "市住建局", "近三年专项资金预算文件"],
            ["1.2-04", "资金管理办法", "示政办〔2023〕7号", "2023-05-04", 4, "市城管执法局", "资金管理办法及批复"],
        ]
        assert rows[5][0] == "合计" and rows[5][4] == 19
        master = load_workbook(io.BytesIO(archive.read("00 总目录.xlsx"))).active
        master_rows = [[c.value for c in row] for row in master.iter_rows(min_row=3)]
        assert [r[0] for r in master_rows[:4]] == ["1.2-01", "1.2-02", "1.2-03", "1.2-04"]
        assert master_rows[0][1] == "1.2 城市园林绿化建设维护专项资金"

    def test_a_budget_outside_the_window_does_not_complete_a_three_year_requirement(
            self, client_for, office_admin, lead_staff, unit_a, campaign, funds):
        _, budgets, _ = funds
        from visits import services

        assignment = services.material_assign(campaign=campaign, requirement=budgets, unit=unit_a,
                                              due_on=date(2026, 6, 30), user=office_admin)
        a = client_for(lead_staff)
        for year in (2021, 2025, 2026):  # 2024 missing; 2021 is outside 2024–2026
            upload(a, assignment, title=f"{year}预算", number="", on=date(year, 3, 1), pages=1, file=pdf_upload())
        office = client_for(office_admin)
        for d in MaterialDocument.objects.all():
            office.post(f"/visits/materials/documents/{d.pk}/accept/")
        assignment.refresh_from_db()
        # Everything handed in was accepted, yet 2024 is missing: the unit still owes it.
        assert assignment.status == Status.PENDING
        page = a.get(f"/visits/materials/{assignment.pk}/").content.decode()
        assert page.count("不在年限内") == 1


class PackageFailureTests:
    def test_a_missing_accepted_file_fails_the_package_naming_the_document(
            self, office_admin, lead_staff, unit_a, campaign, funds):
        from visits import services
        from visits.files import check_material_file
        from visits.package import material_package_build

        _, _, approval = funds
        assignment = services.material_assign(campaign=campaign, requirement=approval, unit=unit_a,
                                              due_on=date(2026, 6, 30), user=office_admin)
        document = services.material_document_upload(
            assignment=assignment, user=lead_staff, checked=check_material_file(pdf_upload()), title="资金管理办法",
            doc_number="", doc_date=date(2025, 1, 1), pages=2)
        services.material_document_accept(document=document, user=office_admin)
        document.versions.get().file.delete(save=False)
        package = MaterialPackage.objects.create(campaign=campaign)
        package = material_package_build(package_id=package.pk, with_pdf=False)
        assert package.state == MaterialPackage.State.FAILED
        assert "1.2-01" in package.error and "资金管理办法" in package.error and not package.file
        assert material_package_build(package_id=package.pk) is None  # claimed once: a redelivery does nothing
