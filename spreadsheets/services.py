"""Writes for staged imports: stage an uploaded file, then confirm or cancel it, audited.

The import's own service applies the data; these keep the staged file and its state. A
status change is a conditional UPDATE on the preview state, so a double click or two tabs
confirm once.
"""
import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.audit import audit_record
from organizations.models import AuditEntry

from .models import StagedImport


class StagedImportError(Exception):
    """A staged import that cannot be used any more; the message is for the user."""


def staged_import_create(*, kind, reference, content, original_name, user, base_fingerprint="", summary=None):
    """Store the uploaded bytes as an open preview. Earlier open previews of the same owner and
    reference are cancelled (and their files removed): one open preview per person and target."""
    for older in StagedImport.objects.filter(kind=kind, reference=reference, owner=user,
                                             status=StagedImport.Status.PREVIEW):
        staged_import_cancel(staged=older, user=user, note=_("已被新的上传取代"))
    name = (original_name or "upload.xlsx").split("/")[-1][:200]
    staged = StagedImport(kind=kind, reference=str(reference)[:100], original_name=name, size=len(content),
                          sha256=hashlib.sha256(content).hexdigest(), base_fingerprint=base_fingerprint or "",
                          summary=summary or {}, owner=user)
    staged.file.save(name, ContentFile(content), save=False)
    staged.full_clean()
    staged.save()
    audit_record(obj=staged, action=AuditEntry.Action.CREATE, user=user,
                 changes={"original_name": [None, name], "sha256": [None, staged.sha256]},
                 note=f"{staged.get_kind_display()} {staged.reference}")
    return staged


def staged_import_content(staged):
    """The stored bytes, refused if they are not the file that was previewed."""
    with staged.file.open("rb") as fh:
        content = fh.read()
    if hashlib.sha256(content).hexdigest() != staged.sha256:
        raise StagedImportError(_("预览的文件已无法读取或已被改动，请重新上传。"))
    return content


def staged_import_close(*, staged, user, status, note=""):
    """preview → confirmed / cancelled, once. Call inside the transaction that applied the
    import (confirm) so both commit together. Returns False when it was no longer open."""
    now = timezone.now()
    done = StagedImport.objects.filter(pk=staged.pk, status=StagedImport.Status.PREVIEW).update(
        status=status, decided_at=now)
    if not done:
        return False
    audit_record(obj=staged, action=AuditEntry.Action.TRANSITION, user=user,
                 changes={"status": [StagedImport.Status.PREVIEW, status]}, note=note)
    staged.status, staged.decided_at = status, now
    return True


def staged_import_cancel(*, staged, user, note=""):
    """Cancel an open preview and delete its file (a confirmed import keeps its file as the
    record of what was imported)."""
    with transaction.atomic():
        closed = staged_import_close(staged=staged, user=user, status=StagedImport.Status.CANCELLED, note=note)
    if closed:
        staged.file.delete(save=False)
    return closed
