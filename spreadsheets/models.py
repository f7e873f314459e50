"""Staged imports: an uploaded workbook between its preview and the user's decision.

One model for every import that previews before it writes (issue #12): the file (stored under
a random name), its SHA-256, the small parsed summary the preview showed, the reference it
imports into and the fingerprint of that reference's state at preview time (its base version).
Confirm re-reads the stored file, checks the file is the one previewed and the base unchanged,
and applies it; nothing lives in a view, a session or a loose file.
"""
import uuid
from datetime import timedelta
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def staged_file_path(instance, filename):
    # A random name (the original travels in original_name): no user text in paths.
    suffix = PurePath(filename).suffix.lower()[:10] or ".xlsx"
    return f"imports/{instance.kind}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class StagedImport(models.Model):
    class Kind(models.TextChoices):
        STANDARD = "standard", _("指标库")
        TASK_TABLE = "task_table", _("任务分解表")
        LEDGER = "ledger", _("台账")

    class Status(models.TextChoices):
        PREVIEW = "preview", _("待确认")
        CONFIRMED = "confirmed", _("已导入")
        CANCELLED = "cancelled", _("已取消")

    kind = models.CharField(_("导入类别"), max_length=20, choices=Kind.choices)
    # What it imports into: a standard's code, a campaign's or a ledger's id.
    reference = models.CharField(_("导入对象"), max_length=100)
    file = models.FileField(_("文件"), upload_to=staged_file_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The reference's state when the preview was made; confirm refuses if it moved since.
    base_fingerprint = models.CharField(_("预览时的版本指纹"), max_length=64, blank=True)
    summary = models.JSONField(_("摘要"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PREVIEW)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL,
                              related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("确认/取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待确认导入")
        verbose_name_plural = _("待确认导入")
        ordering = ["-created_at", "-id"]
        # The open previews of one owner and reference: superseded by a new upload.
        indexes = [models.Index(fields=["kind", "reference", "owner", "status"], name="staged_import_open")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name}"

    def is_expired(self, now=None):
        """Open longer than STAGED_IMPORT_TTL_HOURS: the preview is too old to confirm."""
        ttl = timedelta(hours=getattr(settings, "STAGED_IMPORT_TTL_HOURS", 24))
        return self.created_at < (now or timezone.now()) - ttl
