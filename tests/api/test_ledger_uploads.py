"""A department system sends a ledger file through the browser's staged flow: the preview
comes back as JSON, then the unit confirms (or cancels); nothing is stored before confirm."""
from django.core.files.uploadedfile import SimpleUploadedFile

from ledgers.models import LedgerUpload, LedgerVersion
from tests.ledgers.conftest import park, template_with

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(*rows):
    content = template_with("parks", list(rows))
    data = content.getvalue() if hasattr(content, "getvalue") else content
    return SimpleUploadedFile("公园台账.xlsx", data, content_type=XLSX)


class LedgerUploadTests:
    def test_upload_preview_then_confirm(self, api_for, lead_staff, outsider, campaign, districts, unit_a):
        client = api_for(lead_staff)
        response = client.post("/api/v1/ledger-uploads/", {
            "unit": unit_a.pk, "ledger_type": "parks", "file": workbook(park(name="人民公园"), park(name="滨江公园"))},
            format="multipart")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["upload"]["status"] == "ready" and body["confirm_blocker"] is None
        assert body["preview"]["added"]["total"] == 2 and body["preview"]["added"]["pages"] == 1
        added = [row["cells"] for row in body["preview"]["added"]["items"]]
        assert len(added) == 2 and any("滨江公园" in cells for cells in added)
        assert not LedgerVersion.objects.exists()
        upload_id = body["upload"]["id"]
        assert api_for(outsider).get(f"/api/v1/ledger-uploads/{upload_id}/").status_code == 404
        assert api_for(outsider).post(f"/api/v1/ledger-uploads/{upload_id}/confirm/").status_code == 404
        confirmed = client.post(f"/api/v1/ledger-uploads/{upload_id}/confirm/", {}, format="json")
        assert confirmed.status_code == 200, confirmed.content
        version = LedgerVersion.objects.get()
        assert confirmed.json()["id"] == version.pk and version.row_count == 2
        rows = client.get(f"/api/v1/ledger-versions/{version.pk}/rows/").json()
        assert rows["count"] == 2
        again = client.post(f"/api/v1/ledger-uploads/{upload_id}/confirm/", {}, format="json")
        assert again.status_code == 409

    def test_a_bad_file_is_refused_with_the_forms_message(self, api_for, lead_staff, campaign, unit_a):
        response = api_for(lead_staff, "en").post("/api/v1/ledger-uploads/", {
            "unit": unit_a.pk, "ledger_type": "parks",
            "file": SimpleUploadedFile("x.xlsx", b"not a workbook", content_type=XLSX)}, format="multipart")
        assert response.status_code == 400 and "file" in response.json()["error"]["fields"]
        assert not LedgerUpload.objects.exists()

    def test_another_units_staff_cannot_upload_for_unit_a(self, api_for, outsider, campaign, unit_a):
        response = api_for(outsider).post("/api/v1/ledger-uploads/", {
            "unit": unit_a.pk, "ledger_type": "parks", "file": workbook(park())}, format="multipart")
        assert response.status_code in (400, 403)
        assert not LedgerUpload.objects.exists()
