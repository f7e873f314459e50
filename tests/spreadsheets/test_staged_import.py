"""StagedImport: the file and its fingerprint kept between preview and decision, closed once."""
from pathlib import Path

import pytest

from organizations.models import AuditEntry
from spreadsheets.models import StagedImport
from spreadsheets.services import (
    StagedImportError,
    staged_import_cancel,
    staged_import_close,
    staged_import_content,
    staged_import_create,
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def stage(user, content=b"PK-workbook", reference="garden-city-2016"):
    return staged_import_create(kind=StagedImport.Kind.STANDARD, reference=reference, content=content,
                                original_name="../../etc/标准.xlsx", user=user, base_fingerprint="f" * 64,
                                summary={"new": 0, "changed": 1, "unchanged": 40})


class StagedImportTests:
    def test_it_stores_the_file_under_a_random_name_with_its_sha256_and_an_audit_entry(self, office_admin):
        staged = stage(office_admin)
        assert staged.original_name == "标准.xlsx" and "标准" not in staged.file.name
        assert staged.file.name.startswith("imports/standard/") and staged.size == len(b"PK-workbook")
        assert staged_import_content(staged) == b"PK-workbook"
        assert AuditEntry.objects.filter(object_id=str(staged.pk), action="create").count() == 1

    def test_it_closes_once(self, office_admin):
        staged = stage(office_admin)
        assert staged_import_close(staged=staged, user=office_admin, status=StagedImport.Status.CONFIRMED)
        again = StagedImport.objects.get(pk=staged.pk)
        assert not staged_import_close(staged=again, user=office_admin, status=StagedImport.Status.CONFIRMED)
        assert not staged_import_cancel(staged=again, user=office_admin)
        assert again.status == "confirmed" and Path(again.file.path).exists()
        assert AuditEntry.objects.filter(object_id=str(staged.pk), action="transition").count() == 1

    def test_a_changed_file_is_refused(self, office_admin):
        staged = stage(office_admin)
        Path(staged.file.path).write_bytes(b"PK-other")
        with pytest.raises(StagedImportError):
            staged_import_content(staged)

    def test_a_new_upload_cancels_the_same_owners_open_preview_only(self, office_admin, lead_staff):
        first, theirs = stage(office_admin), stage(lead_staff)
        other_target = stage(office_admin, reference="eco-garden-2022")
        second = stage(office_admin)
        statuses = dict(StagedImport.objects.values_list("pk", "status"))
        assert statuses == {first.pk: "cancelled", theirs.pk: "preview", other_target.pk: "preview",
                            second.pk: "preview"}
        assert not Path(first.file.path).exists() and Path(second.file.path).exists()
