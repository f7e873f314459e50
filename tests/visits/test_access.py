"""Unit staff see only their unit's materials: another unit's assignment, document, file and
every package are 404; reviewing is the office's (403 on a visible document)."""
from datetime import date

import pytest

from visits import services
from visits.files import check_material_file
from visits.models import MaterialDocument

from .conftest import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def b_document(campaign, funds, unit_b, coop_staff, office_admin):
    _, _, approval = funds
    assignment = services.material_assign(campaign=campaign, requirement=approval, unit=unit_b,
                                          due_on=date(2026, 12, 1), user=office_admin)
    return services.material_document_upload(assignment=assignment, user=coop_staff,
                                             checked=check_material_file(pdf_upload()), title="城管秘密资料",
                                             doc_number="", doc_date=date(2025, 1, 1), pages=1)


class MaterialAccessTests:
    def test_another_unit_gets_404_for_everything_of_unit_b(self, client_for, lead_staff, outsider, b_document):
        version = b_document.versions.get()
        package = services.material_package_request(campaign=b_document.assignment.campaign, user=None)
        for user in (lead_staff, outsider):
            client = client_for(user)
            for method, url in (
                ("get", f"/visits/materials/{b_document.assignment_id}/"),
                ("post", f"/visits/materials/{b_document.assignment_id}/upload/"),
                ("post", f"/visits/materials/documents/{b_document.pk}/reupload/"),
                ("post", f"/visits/materials/documents/{b_document.pk}/accept/"),
                ("post", f"/visits/materials/documents/{b_document.pk}/return/"),
                ("get", f"/visits/materials/files/{version.pk}/"),
                ("get", f"/visits/materials/packages/{package.pk}/"),
                ("get", f"/visits/materials/packages/{package.pk}/download/"),
            ):
                response = getattr(client, method)(url)
                assert response.status_code == 404, (user.username, url, response.status_code)
            listing = client.get("/visits/materials/").content.decode()
            assert "城管秘密资料" not in listing and "市城管执法局" not in listing
        b_document.refresh_from_db()
        assert b_document.review == MaterialDocument.Review.SUBMITTED

    def test_the_unit_itself_sees_its_document_but_cannot_review_it(self, client_for, coop_staff, b_document):
        client = client_for(coop_staff)
        assert client.get(f"/visits/materials/{b_document.assignment_id}/").status_code == 200
        assert client.get(f"/visits/materials/files/{b_document.versions.get().pk}/").status_code == 200
        assert client.post(f"/visits/materials/documents/{b_document.pk}/accept/").status_code == 403
        b_document.refresh_from_db()
        assert b_document.review == MaterialDocument.Review.SUBMITTED

    def test_pages_require_login_and_the_right_method(self, client, client_for, office_admin, b_document):
        assert client.get("/visits/materials/").status_code == 302
        assert client.get(f"/visits/materials/{b_document.assignment_id}/").status_code == 302
        office = client_for(office_admin)
        assert office.get(f"/visits/materials/documents/{b_document.pk}/accept/").status_code == 405
        assert office.get("/visits/materials/packages/new/").status_code == 405
