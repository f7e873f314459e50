"""Material files are judged by their bytes: PDF, JPEG / PNG and Office Open XML only."""
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from visits.files import check_material_file

from .conftest import pdf_upload, png_upload


def ooxml(main_part, extra=()):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(main_part, "<doc/>")
        for name in extra:
            zf.writestr(name, "x")
    return out.getvalue()


pytestmark = pytest.mark.django_db


class MaterialFileTests:
    def test_it_takes_pdf_png_and_docx_by_content(self):
        assert check_material_file(pdf_upload("a.pdf")).extension == "pdf"
        assert check_material_file(png_upload("scan.jpg")).extension == "png"  # the name lies; the bytes decide
        docx = check_material_file(SimpleUploadedFile("a.docx", ooxml("word/document.xml")))
        assert (docx.kind, docx.extension) == ("office", "docx")

    @pytest.mark.parametrize("name,content,code", [
        ("tool.pdf", b"MZ\x90\x00" + b"\x00" * 100, "type"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "legacy_office"),
        ("macro.docx", ooxml("word/document.xml", ["word/vbaProject.bin"]), "macro"),
        ("empty.pdf", b"", "empty"),
        ("archive.docx", ooxml("other/thing.xml"), "structure"),
    ])
    def test_it_refuses_what_is_not_a_document(self, name, content, code):
        with pytest.raises(ValidationError) as exc:
            check_material_file(SimpleUploadedFile(name, content))
        assert exc.value.code == code
        assert name in exc.value.messages[0] or code == "empty"

    def test_it_refuses_a_file_over_the_upload_limit(self, settings):
        settings.UPLOAD_MAX_BYTES = 100
        with pytest.raises(ValidationError) as exc:
            check_material_file(SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 200))
        assert exc.value.code == "too_large"

    def test_a_refused_upload_stores_nothing(self, client_for, lead_staff, unit_a, campaign, funds, office_admin):
        from datetime import date

        from visits import services
        from visits.models import MaterialDocument, MaterialFile

        _, _, approval = funds
        assignment = services.material_assign(campaign=campaign, requirement=approval, unit=unit_a,
                                              due_on=date(2026, 12, 1), user=office_admin)
        response = client_for(lead_staff).post(f"/visits/materials/{assignment.pk}/upload/", {
            "title": "x", "doc_number": "", "doc_date": "2025-01-01", "pages": 1,
            "file": SimpleUploadedFile("x.pdf", b"MZ" + b"\x00" * 50)})
        assert response.status_code == 400
        assert "不是可接收的文件" in response.content.decode()
        assert not MaterialDocument.objects.exists() and not MaterialFile.objects.exists()
