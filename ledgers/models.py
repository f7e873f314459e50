"""Ledgers (台账): a unit's spreadsheet of one type, uploaded, previewed and confirmed as versions.

Ledger (unit × type) is the row confirmations lock on; every confirmed upload becomes a
LedgerVersion that is kept for good (file, checksum, who, when) with its rows. Exactly one
version per ledger is current — a partial unique constraint guarantees it.
"""
import uuid
from datetime import timedelta
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Unit

from .schemas import LEDGER_TYPE_CHOICES, LEDGER_TYPES


def ledger_file_path(instance, filename):
    # Stored under a random name (the original one travels in original_name): no user text in paths.
    suffix = PurePath(filename).suffix.lower()[:10] or ".xlsx"
    return f"ledgers/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Ledger(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("填报单位"), on_delete=models.PROTECT, related_name="ledgers")
    city = models.ForeignKey(Unit, verbose_name=_("城市"), on_delete=models.PROTECT, related_name="+")
    ledger_type = models.CharField(_("台账类型"), max_length=30, choices=LEDGER_TYPE_CHOICES)
    created_at = models.DateTimeField(_("建立时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("台账")
        verbose_name_plural = _("台账")
        ordering = ["unit__sort_order", "unit_id", "ledger_type"]
        constraints = [models.UniqueConstraint(fields=["unit", "ledger_type"], name="uniq_ledger_per_unit_type")]

    def __str__(self):
        return f"{self.unit} · {self.get_ledger_type_display()}"

    @property
    def schema(self):
        return LEDGER_TYPES[self.ledger_type]


def parse_stale_cutoff(now=None):
    """Before this moment a parse's last sign of life means its worker is gone."""
    return (now or timezone.now()) - timedelta(seconds=settings.LEDGER_PARSE_STALE_SECONDS)


class LedgerUploadQuerySet(models.QuerySet):
    def stuck(self, now=None):
        """Parsing, with no sign of life (queued, claimed, progress) since the stale cutoff:
        the worker that had it died, or the queued job was lost. See LedgerUpload.is_stuck."""
        return self.filter(status=LedgerUpload.Status.PARSING, heartbeat_at__lt=parse_stale_cutoff(now))


class LedgerUpload(models.Model):
    class Status(models.TextChoices):
        PARSING = "parsing", _("解析中")
        READY = "ready", _("待确认")
        FAILED = "failed", _("无法读取")
        CONFIRMED = "confirmed", _("已确认")
        CANCELLED = "cancelled", _("已取消")

    ledger = models.ForeignKey(Ledger, verbose_name=_("台账"), on_delete=models.CASCADE, related_name="uploads")
    campaign = models.ForeignKey(
        "indicators.Campaign", verbose_name=_("创建活动"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    file = models.FileField(_("文件"), upload_to=ledger_file_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    checksum = models.CharField(_("SHA-256"), max_length=64)
    sheet_requested = models.CharField(_("指定工作表"), max_length=100, blank=True)
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PARSING)
    rows_read = models.PositiveIntegerField(_("已读行数"), default=0)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    parse_started_at = models.DateTimeField(_("开始解析"), null=True, blank=True)
    parsed_at = models.DateTimeField(_("解析完成"), null=True, blank=True)
    # The last sign of life of the parse: queued, claimed by a worker, or progress reported.
    heartbeat_at = models.DateTimeField(_("解析心跳"), default=timezone.now)
    # Parses started since the upload (or its last retry by hand); failed after the last one.
    parse_attempts = models.PositiveSmallIntegerField(_("解析次数"), default=0)
    # The parse's summary, a few KB whatever the row count: notes, sheets, columns, the first
    # errors and the diff counts. The rows themselves are LedgerUploadRow (see ledgers/staging.py).
    result = models.JSONField(_("解析结果"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("有效行数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    error_row_count = models.PositiveIntegerField(_("有错误的行数"), default=0)
    added = models.PositiveIntegerField(_("新增"), default=0)
    changed = models.PositiveIntegerField(_("修改"), default=0)
    removed = models.PositiveIntegerField(_("删除"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    base_version = models.ForeignKey(
        "LedgerVersion", verbose_name=_("比对的版本"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    valid_rows_only = models.BooleanField(_("仅导入有效行"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("确认/取消人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("确认/取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("台账上传")
        verbose_name_plural = _("台账上传")
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            models.Index(fields=["ledger", "status"]),
            # The every-minute sweep for stuck parses.
            models.Index(fields=["status", "heartbeat_at"], name="ledger_upload_heartbeat"),
        ]

    objects = LedgerUploadQuerySet.as_manager()

    def __str__(self):
        return f"{self.ledger} · {self.original_name}"

    def is_stuck(self, now=None):
        return self.status == self.Status.PARSING and self.heartbeat_at < parse_stale_cutoff(now)

    @property
    def is_retryable(self):
        """Parsing stuck, or failed for a reason a new attempt may not meet (interrupted, time
        or memory limit, system error): the owner may start it again."""
        if self.status == self.Status.FAILED:
            return bool(self.result.get("retryable"))
        return self.is_stuck()

    @property
    def is_parsing(self):
        return self.status == self.Status.PARSING

    @property
    def is_ready(self):
        return self.status == self.Status.READY

    @property
    def is_open(self):
        return self.status in (self.Status.PARSING, self.Status.READY)

    @property
    def has_changes(self):
        return bool(self.added or self.changed or self.removed)

    @property
    def progress_percent(self):
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_read / self.rows_total))

    def confirm_blocker(self, *, valid_rows_only=False):
        """Why this upload cannot be confirmed as it stands (None when it can). No queries."""
        if self.status != self.Status.READY:
            return _("本次上传不是待确认状态。")
        if self.error_count and not valid_rows_only:
            return _("文件中有错误：请修改后重新上传（创建办可选择“仅导入有效行”）。")
        if valid_rows_only and not self.row_count:
            return _("没有可导入的有效行。")
        if not self.has_changes:
            return _("与当前版本相比没有任何变化，无需确认。")
        return None


class LedgerUploadRow(models.Model):
    """One row of an upload's preview, written in batches by the parse: a valid row of the file
    (added, changed or unchanged against the base version), a row with errors, a skipped row, or
    a row of the base version the file no longer has (removed). Confirm reads the valid rows;
    the preview pages through each kind. Confirm deletes all but the error rows (the skipped
    rows' workbook of a valid-rows-only import); cancel deletes them all."""

    class Kind(models.TextChoices):
        ADDED = "added", _("新增")
        CHANGED = "changed", _("修改")
        UNCHANGED = "unchanged", _("未变")
        ERROR = "error", _("有错误")
        SKIPPED = "skipped", _("已跳过")
        REMOVED = "removed", _("删除")

    VALID = (Kind.ADDED, Kind.CHANGED, Kind.UNCHANGED)

    upload = models.ForeignKey(LedgerUpload, verbose_name=_("上传"), on_delete=models.CASCADE,
                               related_name="staged_rows")
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    # The file's row; for a removed row, its row in the base version.
    row_number = models.PositiveIntegerField(_("行号"))
    key = models.CharField(_("识别键"), max_length=400, blank=True)
    # Valid rows: the parsed data; removed rows: the base version's data.
    data = models.JSONField(_("数据"), default=dict, blank=True)
    # changed: old_row, fields [label, old, new]; error: raw, messages, problems; skipped: reason;
    # removed: has_error.
    detail = models.JSONField(_("说明"), default=dict, blank=True)

    class Meta:
        verbose_name = _("上传预览行")
        verbose_name_plural = _("上传预览行")
        ordering = ["upload", "kind", "row_number"]
        # Every read is one kind of one upload in row order: a page of the preview, confirm.
        indexes = [models.Index(fields=["upload", "kind", "row_number"], name="ledger_staged_row_page")]

    def __str__(self):
        return f"{self.upload_id} {self.kind} #{self.row_number}"


class LedgerVersion(models.Model):
    ledger = models.ForeignKey(Ledger, verbose_name=_("台账"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    upload = models.OneToOneField(LedgerUpload, verbose_name=_("上传"), on_delete=models.PROTECT, related_name="version")
    file = models.FileField(_("文件"), upload_to=ledger_file_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    checksum = models.CharField(_("SHA-256"), max_length=64)
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"))
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    skipped_count = models.PositiveIntegerField(_("未导入的错误行"), default=0)
    summary = models.JSONField(_("变化"), default=dict, blank=True)
    is_current = models.BooleanField(_("当前版本"), default=False)

    class Meta:
        verbose_name = _("台账版本")
        verbose_name_plural = _("台账版本")
        ordering = ["ledger", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["ledger", "number"], name="uniq_ledger_version_number"),
            # Exactly one current version per ledger, whatever the application does.
            models.UniqueConstraint(fields=["ledger"], condition=Q(is_current=True),
                                    name="uniq_ledger_current_version"),
        ]

    def __str__(self):
        return f"{self.ledger} v{self.number}"


class LedgerRow(models.Model):
    version = models.ForeignKey(LedgerVersion, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("行号"))
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    natural_key = models.CharField(_("识别键"), max_length=400)
    data = models.JSONField(_("数据"), default=dict)

    class Meta:
        verbose_name = _("台账行")
        verbose_name_plural = _("台账行")
        ordering = ["version", "row_number"]
        constraints = [models.UniqueConstraint(fields=["version", "natural_key"], name="uniq_ledger_row_key")]
        indexes = [models.Index(fields=["version", "row_number"])]

    def __str__(self):
        return f"{self.version} #{self.row_number}"


class HeaderAlias(models.Model):
    """A header spelling a unit (or, without a unit, the whole city) uses for a column of a
    ledger type: 总长度（米） means 道路长度 in this unit's roads ledgers. The header reader
    consults these after the schema's own spellings and before the closeness match."""

    city = models.ForeignKey(Unit, verbose_name=_("城市"), on_delete=models.CASCADE, related_name="+")
    # Empty: a spelling the office added for every unit of the city.
    unit = models.ForeignKey(Unit, verbose_name=_("填报单位"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="header_aliases")
    ledger_type = models.CharField(_("台账类型"), max_length=30, choices=LEDGER_TYPE_CHOICES)
    # As spreadsheets.headers.normalise folds it; without a unit the column knows (总长度 for 总长度（米）).
    header = models.CharField(_("表头写法"), max_length=100)
    column = models.CharField(_("对应的列"), max_length=50)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("添加人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("表头写法")
        verbose_name_plural = _("表头写法")
        ordering = ["ledger_type", "column", "unit_id", "header"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "ledger_type", "header"], condition=Q(unit__isnull=False),
                                    name="uniq_header_alias_unit"),
            models.UniqueConstraint(fields=["city", "ledger_type", "header"], condition=Q(unit__isnull=True),
                                    name="uniq_header_alias_city"),
        ]

    def __str__(self):
        return f"{self.header} → {self.column_label}"

    @property
    def schema(self):
        return LEDGER_TYPES.get(self.ledger_type)

    @property
    def column_label(self):
        schema = self.schema
        column = next((c for c in schema.columns if c.key == self.column), None) if schema else None
        return str(column.label) if column else self.column

    def clean(self):
        from django.core.exceptions import ValidationError

        from spreadsheets.headers import normalise, split_unit

        schema = self.schema
        if schema is None:
            raise ValidationError({"ledger_type": _("未知的台账类型。")})
        if self.column not in {c.key for c in schema.columns}:
            raise ValidationError({"column": _("「%(type)s」没有这一列。") % {"type": schema.label}})
        self.header = normalise(self.header or "")[:100]
        if not self.header:
            raise ValidationError({"header": _("请填写表头写法。")})
        known = {normalise(name): spec.key for spec in schema.specs() for name in (*spec.names, *spec.inverse_names)}
        # 道路长度（公里） is the schema's 道路长度 in another unit: a saved spelling must not take it.
        name = self.header if self.header in known else split_unit(self.header)[0]
        if name in known:
            label = schema.column(known[name]).label
            raise ValidationError({"header": _("「%(header)s」已是「%(label)s」列的标准写法，无需添加。")
                                   % {"header": self.header, "label": label}})
