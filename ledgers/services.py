"""Writes for ledgers: upload, parse (dry run and preview), confirm as a version, cancel,
and the indicator values that follow from the current versions.

Confirm is the one place a ledger changes. It runs in one transaction holding a lock on the
Ledger row (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions serialize
writers), checks that the preview was made against the version that is still current, and
leans on two database constraints (one current version per ledger; unique version numbers)
so that two confirmations of the same unit and type can never interleave.
"""
import hashlib
import logging
import time
from collections import defaultdict
from itertools import islice
from dataclasses import dataclass, field
from decimal import Decimal

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F as Field, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indicators.models import Campaign, Indicator, IndicatorValue, Measure
from indicators.services import compliance_recompute_request, indicator_value_record
from organizations.audit import audit_record
from organizations.models import AuditEntry, Unit
from spreadsheets.headers import normalise as header_fold
from spreadsheets.headers import split_unit

from . import formulas as F
from . import staging
from .models import HeaderAlias, Ledger, LedgerRow, LedgerUpload, LedgerUploadRow, LedgerVersion, parse_stale_cutoff
from .schemas import LEDGER_TYPES
from .validation import CITY_SCOPE, Context, MeasureInfo, validate_workbook

logger = logging.getLogger(__name__)

STAGED_ROW_BATCH = 2000  # preview rows per INSERT, and base-version rows per fetch
PROGRESS_EVERY_SECONDS = 0.5


class LedgerError(Exception):
    """A refusal the user can act on; the message is for them."""


class LedgerConflict(LedgerError):
    """Someone else confirmed (or is confirming) this unit's ledger of this type."""


# --- units and ledgers ------------------------------------------------------------------


def city_of(unit):
    node = unit
    for _i in range(6):
        if node is None:
            break
        if node.kind == Unit.Kind.CITY:
            return node
        node = node.parent
    raise LedgerError(_("单位「%(unit)s」不属于任何城市，不能填报台账。") % {"unit": unit})


def own_district(unit):
    if unit.kind == Unit.Kind.DISTRICT:
        return unit
    if unit.kind == Unit.Kind.STREET and unit.parent and unit.parent.kind == Unit.Kind.DISTRICT:
        return unit.parent
    return None


def city_districts(city):
    return list(Unit.objects.filter(parent=city, kind=Unit.Kind.DISTRICT).order_by("sort_order", "id"))


def ledger_get_or_create(*, unit, ledger_type):
    if ledger_type not in LEDGER_TYPES:
        raise LedgerError(_("未知的台账类型。"))
    city = city_of(unit)
    ledger, _created = Ledger.objects.get_or_create(unit=unit, ledger_type=ledger_type, defaults={"city": city})
    return ledger


def campaign_for_city(city, preferred=None):
    """The campaign whose parameters (built-up area, population) the formulas use."""
    if preferred is not None and preferred.city_id == city.id:
        return preferred
    return Campaign.objects.filter(city=city, is_active=True).order_by("id").first()


# --- upload and parse -------------------------------------------------------------------


def _checksum(fileobj):
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def ledger_upload_create(*, unit, ledger_type, file, user, campaign=None, sheet_name="", file_name=None):
    """Store the file and an upload waiting to be parsed. `file` is an uploaded file or bytes."""
    ledger = ledger_get_or_create(unit=unit, ledger_type=ledger_type)
    if isinstance(file, (bytes, bytearray)):
        file = ContentFile(bytes(file), name=file_name or "ledger.xlsx")
    name = (file_name or getattr(file, "name", "") or "ledger.xlsx").split("/")[-1][:200]
    upload = LedgerUpload(
        ledger=ledger, campaign=campaign if campaign is not None and campaign.city_id == ledger.city_id else None,
        original_name=name, size=file.size, checksum=_checksum(file), sheet_requested=(sheet_name or "").strip()[:100],
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )
    upload.file.save(name, file, save=False)
    upload.full_clean()
    upload.save()
    audit_record(obj=upload, action=AuditEntry.Action.CREATE, user=user,
                 changes={"original_name": [None, name], "checksum": [None, upload.checksum]},
                 note=str(ledger))
    return upload


def validation_context(*, ledger, file_name, sheet_name="", on_row=None):
    city = ledger.city
    district = own_district(ledger.unit)
    ctx = Context(file_name=file_name, districts=[d.name for d in city_districts(city)], city_name=city.name,
                  own_district=district.name if district else None, sheet_name=sheet_name, on_row=on_row)
    if ledger.ledger_type == "values":
        ctx.measures = measure_lookup(city)
    ctx.formulas = active_formulas(city)
    ctx.aliases = header_aliases_for(ledger=ledger)
    return ctx


def header_aliases_for(*, ledger):
    """normalised header → column key: the city's spellings, then the unit's own over them."""
    rows = HeaderAlias.objects.filter(city=ledger.city, ledger_type=ledger.ledger_type).filter(
        Q(unit__isnull=True) | Q(unit=ledger.unit)).order_by(Field("unit_id").asc(nulls_first=True))
    return {header: column for header, column in rows.values_list("header", "column")}


def active_formulas(city):
    """Formula keys the city's active campaigns use, or None without an active campaign (then
    every column keeps the requirement its schema gives it)."""
    standards = set(Campaign.objects.filter(city=city, is_active=True).values_list("standards", flat=True)) - {None}
    if not standards:
        return None
    return set(Indicator.objects.filter(standard__in=standards).exclude(measure__formula_key="")
               .values_list("measure__formula_key", flat=True))


def measure_lookup(city):
    """Folded indicator code / indicator name / measure name / measure key → MeasureInfo.

    Codes and names of the city's active campaigns' standards win; a code meaning two
    different measures elsewhere is left out (the user writes the name instead).
    """
    measures = {m.id: MeasureInfo(m.key, m.name, m.unit, m.is_qualitative, m.formula_key)
                for m in Measure.objects.all()}
    lookup, ambiguous = {}, set()
    for m in measures.values():
        lookup[header_fold(m.key)] = m
        lookup[header_fold(m.name)] = m
    active = set(Campaign.objects.filter(city=city, is_active=True).values_list("standards", flat=True))
    indicators = sorted(Indicator.objects.values_list("code", "name", "measure_id", "standard_id"),
                        key=lambda i: i[3] not in active)
    preferred = {}
    for code, name, measure_id, standard_id in indicators:
        info = measures[measure_id]
        for text in (code, name):
            folded = header_fold(text)
            if folded in preferred and preferred[folded][0].key != info.key:
                if preferred[folded][1] == (standard_id in active):
                    ambiguous.add(folded)
                continue
            preferred.setdefault(folded, (info, standard_id in active))
    for folded, (info, _active) in preferred.items():
        if folded not in ambiguous:
            lookup.setdefault(folded, info)
    for folded in ambiguous:
        lookup.pop(folded, None)
    return lookup


def _claim(upload_id):
    """Take the parse of an upload: one worker at a time. A queued upload (no claim) is free;
    a claimed one only once its heartbeat went stale (the worker that had it died). Returns
    the claim's time, the token every later write of this parse is conditional on."""
    now = timezone.now()
    taken = LedgerUpload.objects.filter(pk=upload_id, status=LedgerUpload.Status.PARSING).filter(
        Q(parse_started_at__isnull=True) | Q(heartbeat_at__lt=parse_stale_cutoff(now))
    ).update(parse_started_at=now, heartbeat_at=now, rows_read=0, parse_attempts=Field("parse_attempts") + 1)
    return now if taken else None


class _Superseded(Exception):
    """The upload was cancelled, retried or claimed again while this parse ran."""


def _failure(message, *, retryable=True):
    return {"fatal": True, "retryable": retryable, "errors": [{"message": message}]}


def ledger_upload_parse(*, upload, report_progress=False):
    """Parse and validate the stored file, compare it with the ledger's current version and
    store the preview. Writes nothing but the upload row. Returns the upload, refreshed.

    Safe to run twice: a second delivery finds the upload claimed (or parsed) and returns; a
    parse whose claim was taken over (cancel, retry, a stale heartbeat) writes nothing more."""
    claim = _claim(upload.pk)
    if claim is None:
        upload.refresh_from_db()
        return upload
    mine = LedgerUpload.objects.filter(pk=upload.pk, status=LedgerUpload.Status.PARSING, parse_started_at=claim)
    upload.refresh_from_db()
    ledger = upload.ledger
    last = [0.0]

    def on_row(read, total):
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_SECONDS or read == total:
            last[0] = now
            if not mine.update(rows_read=read, rows_total=max(total, read), heartbeat_at=timezone.now()):
                raise _Superseded

    ctx = validation_context(ledger=ledger, file_name=upload.original_name, sheet_name=upload.sheet_requested,
                             on_row=on_row if report_progress else None)
    failure = None
    try:
        with upload.file.open("rb") as fh:
            outcome = validate_workbook(fh, ledger.schema, ctx)
    except _Superseded:
        logger.info("ledger upload %s: parse superseded (cancelled, retried or claimed again)", upload.pk)
        upload.refresh_from_db()
        return upload
    except MemoryError:
        # Outside the except block below: the traceback holds the frames that hold the memory.
        failure = _failure(_("文件展开后所需内存超过上限，未能读取：请删去无关的工作表、图片或空白格式行后重新上传。"))
    except SoftTimeLimitExceeded:
        failure = _failure(_("解析超过 %(s)s 秒仍未完成，已停止：请删去无关的工作表或空白格式行后重新上传。")
                           % {"s": settings.LEDGER_PARSE_TIME_LIMIT_SECONDS})
    except Exception:
        logger.exception("ledger upload %s could not be parsed", upload.pk)
        failure = _failure(_("解析时发生系统错误，请稍后重试或联系创建办。"))
    if failure is not None:
        mine.update(status=LedgerUpload.Status.FAILED, parsed_at=timezone.now(), result=failure, error_count=1)
        upload.refresh_from_db()
        return upload

    base = LedgerVersion.objects.filter(ledger=ledger, is_current=True).first()
    summary = staging.upload_summary(outcome.as_json(), skipped_count=len(outcome.skipped))
    counts = {"added": 0, "changed": 0, "removed": 0, "unchanged": 0}
    if not outcome.fatal:
        mine.update(heartbeat_at=timezone.now())
        if base is not None and base.checksum == upload.checksum:
            summary["notes"].insert(0, _("此文件与当前版本 v%(n)s 的文件完全相同。") % {"n": base.number})
    # The rows and the summary are one write: a parse that lost its claim meanwhile (cancel,
    # retry, a stale heartbeat taken over) leaves no row behind.
    with transaction.atomic():
        LedgerUploadRow.objects.filter(upload_id=upload.pk).delete()
        if not outcome.fatal:
            diff = staged_rows_write(upload=upload, schema=ledger.schema, outcome=outcome, base=base)
            summary["diff"] = diff
            counts = {k: diff[k + "_count"] for k in counts}
        written = mine.update(
            status=LedgerUpload.Status.FAILED if outcome.fatal else LedgerUpload.Status.READY,
            sheet=outcome.sheet, result=summary, row_count=len(outcome.rows), error_count=outcome.error_count,
            error_row_count=len(outcome.error_rows), base_version=base, parsed_at=timezone.now(),
            rows_read=outcome.total_rows, rows_total=outcome.total_rows, **counts,
        )
        if not written:
            transaction.set_rollback(True)
            logger.info("ledger upload %s: parse superseded before its rows were stored", upload.pk)
    upload.refresh_from_db()
    return upload


def staged_rows_write(*, upload, schema, outcome, base):
    """The preview's rows, compared with the base version, bulk-written in batches. Returns the
    diff summary kept on the upload (counts and the base version, no rows)."""
    old = {}
    if base is not None:
        old = {key: (row, data) for key, row, data in
               LedgerRow.objects.filter(version=base).values_list("natural_key", "row_number", "data")
               .iterator(chunk_size=STAGED_ROW_BATCH)}
    counts = {}
    rows = staging.preview_rows(schema, rows=outcome.rows, error_rows=outcome.error_rows, skipped=outcome.skipped,
                                errors=outcome.errors, old=old, counts=counts)
    while batch := list(islice(rows, STAGED_ROW_BATCH)):
        LedgerUploadRow.objects.bulk_create(
            [LedgerUploadRow(upload_id=upload.pk, **{**r, "key": r["key"][:400]}) for r in batch])
    return {"added_count": counts["added"], "changed_count": counts["changed"], "removed_count": counts["removed"],
            "unchanged_count": counts["unchanged"], "removed_with_errors": counts["removed_with_errors"],
            "base_version": base.pk if base else None, "base_number": base.number if base else None}


def ledger_uploads_requeue_stuck(*, now=None):
    """Uploads whose parse lost its worker (or whose queued job was lost): queue them again,
    or mark them failed once they used their attempts. Returns (requeued ids, failed ids).

    Each upload is taken with a conditional UPDATE on its stale heartbeat, so two sweeps at
    once (beat's and a starting worker's) queue nothing twice; the re-queue freshens the
    heartbeat, so the next sweep waits for a new stale interval."""
    now = now or timezone.now()
    cutoff = parse_stale_cutoff(now)
    requeued, failed = [], []
    stuck = list(LedgerUpload.objects.stuck(now).values_list("pk", "parse_attempts"))
    for pk, attempts in stuck:
        row = LedgerUpload.objects.filter(pk=pk, status=LedgerUpload.Status.PARSING, heartbeat_at__lt=cutoff)
        if attempts >= settings.LEDGER_PARSE_MAX_ATTEMPTS:
            message = ngettext("解析了 %(n)s 次都未能完成（后台进程中断）：可以重新解析，或删去无关的工作表后重新上传。",
                               "解析了 %(n)s 次都未能完成（后台进程中断）：可以重新解析，或删去无关的工作表后重新上传。",
                               attempts) % {"n": attempts}
            if row.update(status=LedgerUpload.Status.FAILED, parsed_at=now, result=_failure(message), error_count=1):
                failed.append(pk)
        elif row.update(parse_started_at=None, heartbeat_at=now, rows_read=0):
            requeued.append(pk)
    for upload in LedgerUpload.objects.filter(pk__in=requeued + failed).select_related("ledger__unit"):
        if upload.pk in failed:
            audit_record(obj=upload, action=AuditEntry.Action.TRANSITION, changes={
                "status": [LedgerUpload.Status.PARSING, LedgerUpload.Status.FAILED]},
                note=ngettext("解析 %(n)s 次未完成，标记为无法读取", "解析 %(n)s 次未完成，标记为无法读取",
                              upload.parse_attempts) % {"n": upload.parse_attempts})
        else:
            audit_record(obj=upload, action=AuditEntry.Action.UPDATE, changes={},
                         note=ngettext("后台解析中断，已自动重新排队（已尝试 %(n)s 次）",
                                       "后台解析中断，已自动重新排队（已尝试 %(n)s 次）",
                                       upload.parse_attempts) % {"n": upload.parse_attempts})
    return requeued, failed


def ledger_upload_reparse(*, upload, user, sheet_name=None):
    """Parse again (another sheet, or against a version confirmed since the preview)."""
    if upload.status not in (LedgerUpload.Status.READY, LedgerUpload.Status.FAILED, LedgerUpload.Status.PARSING):
        raise LedgerError(_("已确认或已取消的上传不能重新解析。"))
    # A new round: attempts start again, and a parse still running loses its claim.
    updates = {"status": LedgerUpload.Status.PARSING, "parse_started_at": None, "rows_read": 0,
               "heartbeat_at": timezone.now(), "parse_attempts": 0}
    if sheet_name is not None:
        updates["sheet_requested"] = sheet_name.strip()[:100]
    LedgerUpload.objects.filter(pk=upload.pk).update(**updates)
    audit_record(obj=upload, action=AuditEntry.Action.TRANSITION, user=user,
                 changes={"status": [upload.status, LedgerUpload.Status.PARSING]},
                 note=_("重新解析") + (f"：{sheet_name}" if sheet_name else ""))
    upload.refresh_from_db()
    return upload


# --- header spellings ------------------------------------------------------------------


def _alias_text(text, column):
    """What a mapping saves: the header normalised, without its unit when the column knows the
    unit (总长度（米） → 总长度, so 总长度（公里） is read too and converted)."""
    folded = header_fold(text)
    base, unit = split_unit(folded)
    return base if not unit or unit in {header_fold(u) for u in column.unit_factors} else folded


def header_mapping_save(*, upload, user, mapping):
    """The user's answer to a preview's unrecognised headers: {header text as offered: column
    key or ""}. Saves a spelling per mapped header for the upload's unit and ledger type
    (audited) and parses the upload again. Refuses, writing nothing, what was not offered."""
    if upload.status not in (LedgerUpload.Status.READY, LedgerUpload.Status.FAILED):
        raise LedgerError(_("只有待确认或无法读取的上传可以对应表头。"))
    offered = (upload.result or {}).get("mapping") or {}
    texts = {h["text"] for h in offered.get("headers", [])}
    keys = {c["key"] for c in offered.get("columns", [])}
    chosen = {text: key for text, key in mapping.items() if key}
    if not chosen:
        raise LedgerError(_("请至少为一个表头选择对应的列。"))
    if set(chosen) - texts or set(chosen.values()) - keys:
        raise LedgerError(_("所选的表头或列不在本次上传的可对应范围内，请刷新页面后重试。"))
    if len(set(chosen.values())) != len(chosen):
        raise LedgerError(_("两个表头不能对应到同一列。"))
    ledger = upload.ledger
    schema = ledger.schema
    try:
        with transaction.atomic():
            _header_aliases_write(upload=upload, user=user, chosen=chosen, ledger=ledger, schema=schema)
            return ledger_upload_reparse(upload=upload, user=user)
    except IntegrityError:
        # Somebody saved the same spelling for this unit at the same moment: nothing of ours was written.
        raise LedgerError(_("同一表头写法刚刚被另一位用户保存，请刷新页面后重试。")) from None


def _header_aliases_write(*, upload, user, chosen, ledger, schema):
    """One spelling per mapped header for the upload's unit (a mapping saved before is changed), audited."""
    for text, key in chosen.items():
        header = _alias_text(text, schema.column(key))
        alias = HeaderAlias.objects.filter(unit=ledger.unit, ledger_type=ledger.ledger_type, header=header).first()
        old = alias.column if alias else None
        if alias is None:
            alias = HeaderAlias(city=ledger.city, unit=ledger.unit, ledger_type=ledger.ledger_type, header=header,
                                created_by=_user(user))
        alias.column = key
        try:
            alias.full_clean(validate_constraints=False)
        except ValidationError as exc:
            raise LedgerError("；".join(exc.messages)) from None
        alias.save()
        audit_record(obj=alias, action=AuditEntry.Action.UPDATE if old else AuditEntry.Action.CREATE, user=user,
                     changes={"column": [old, key]},
                     note=_("%(ledger)s：表头「%(text)s」对应「%(label)s」（上传 %(file)s）") % {
                         "ledger": ledger, "text": text, "label": schema.column(key).label,
                         "file": upload.original_name})


def header_alias_add(*, city, ledger_type, header, column, user):
    """A city-wide spelling the office adds in the browser (every unit's files)."""
    schema = LEDGER_TYPES.get(ledger_type)
    known = schema is not None and column in {c.key for c in schema.columns}
    alias = HeaderAlias(city=city, unit=None, ledger_type=ledger_type, column=column, created_by=_user(user),
                        header=_alias_text(header, schema.column(column)) if known else header)
    try:
        alias.full_clean(validate_constraints=False)
    except ValidationError as exc:
        raise LedgerError("；".join(exc.messages)) from None
    if HeaderAlias.objects.filter(city=city, unit=None, ledger_type=ledger_type, header=alias.header).exists():
        raise LedgerError(_("全市已有表头写法「%(header)s」。") % {"header": alias.header})
    try:
        with transaction.atomic():
            alias.save()
            audit_record(obj=alias, action=AuditEntry.Action.CREATE, user=user,
                         changes={"header": [None, alias.header], "column": [None, column]},
                         note=_("全市表头写法：%(type)s") % {"type": alias.schema.label})
    except IntegrityError:  # the same spelling added by somebody else a moment ago
        raise LedgerError(_("全市已有表头写法「%(header)s」。") % {"header": alias.header}) from None
    return alias


def header_alias_delete(*, alias, user):
    with transaction.atomic():
        audit_record(obj=alias, action=AuditEntry.Action.DELETE, user=user,
                     changes={"header": [alias.header, None], "column": [alias.column, None]},
                     note=str(alias.unit) if alias.unit_id else _("全市"))
        alias.delete()


def ledger_upload_cancel(*, upload, user):
    with transaction.atomic():
        upload = LedgerUpload.objects.select_for_update().get(pk=upload.pk)
        if not upload.is_open and upload.status != LedgerUpload.Status.FAILED:
            raise LedgerError(_("本次上传已%(status)s，不能取消。") % {"status": upload.get_status_display()})
        old = upload.status
        upload.status = LedgerUpload.Status.CANCELLED
        upload.decided_by = user if user is not None and user.is_authenticated else None
        upload.decided_at = timezone.now()
        upload.save(update_fields=["status", "decided_by", "decided_at"])
        # The previewed rows are not needed any more; the summary (counts, notes, first errors)
        # stays for the history.
        LedgerUploadRow.objects.filter(upload=upload).delete()
        audit_record(obj=upload, action=AuditEntry.Action.TRANSITION, user=user,
                     changes={"status": [old, upload.status]})
    return upload


# --- confirm ----------------------------------------------------------------------------


def _rows_write(version, upload):
    """The upload's valid rows as the version's rows, in batches; returns how many."""
    staged = (LedgerUploadRow.objects.filter(upload=upload, kind__in=LedgerUploadRow.VALID).order_by("row_number")
              .values_list("row_number", "key", "data").iterator(chunk_size=STAGED_ROW_BATCH))
    count = 0
    while batch := list(islice(staged, STAGED_ROW_BATCH)):
        LedgerRow.objects.bulk_create([LedgerRow(version=version, row_number=n, sheet=upload.sheet, natural_key=key,
                                                 data=data) for n, key, data in batch])
        count += len(batch)
    return count


@dataclass
class ConfirmOutcome:
    version: LedgerVersion
    values: list = field(default_factory=list)  # IndicatorValues written
    skipped: list = field(default_factory=list)  # (formula label, reason)


def ledger_upload_confirm(*, upload, user, valid_rows_only=False, at=None, queue_compliance=True):
    """Write the previewed rows as the ledger's new current version, in one transaction, and
    recompute the values that read this ledger type. The compliance job for the city's
    active campaigns is queued after commit; a broker that is down does not undo anything."""
    at = at or timezone.now()
    try:
        with transaction.atomic():
            ledger = Ledger.objects.select_for_update().get(pk=upload.ledger_id)
            upload = LedgerUpload.objects.select_for_update().get(pk=upload.pk)
            blocker = upload.confirm_blocker(valid_rows_only=valid_rows_only)
            if blocker:
                raise LedgerError(blocker)
            current = LedgerVersion.objects.filter(ledger=ledger, is_current=True).first()
            if (current.pk if current else None) != upload.base_version_id:
                raise LedgerConflict(_(
                    "预览之后，%(ledger)s已有新版本 v%(n)s（%(who)s 于 %(when)s 确认）：本次预览已过时，请点击“重新比对”后再确认。"
                ) % {"ledger": ledger, "n": current.number if current else "—",
                     "who": _person(current.confirmed_by) if current else "—",
                     "when": timezone.localtime(current.confirmed_at).strftime("%Y-%m-%d %H:%M") if current else "—"})
            number = (ledger.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            if current is not None:
                LedgerVersion.objects.filter(pk=current.pk).update(is_current=False)
            version = LedgerVersion(
                ledger=ledger, number=number, upload=upload, file=upload.file.name, original_name=upload.original_name,
                checksum=upload.checksum, sheet=upload.sheet, confirmed_by=_user(user), confirmed_at=at,
                row_count=upload.row_count, skipped_count=upload.error_row_count if valid_rows_only else 0, is_current=True,
                summary={"added": upload.added, "changed": upload.changed, "removed": upload.removed,
                         "unchanged": upload.unchanged},
            )
            version.full_clean(validate_constraints=False)  # the database enforces them, under the lock
            version.save()
            written = _rows_write(version, upload)
            if written != version.row_count:  # never expected: the rows and the count come from one parse
                raise LedgerError(_("预览数据不完整，请点击“重新比对”后再确认。"))
            # Only the error rows stay: the workbook of rows not imported (valid rows only).
            LedgerUploadRow.objects.filter(upload=upload).exclude(kind=LedgerUploadRow.Kind.ERROR).delete()
            upload.status = LedgerUpload.Status.CONFIRMED
            upload.valid_rows_only = valid_rows_only
            upload.decided_by = _user(user)
            upload.decided_at = at
            upload.save(update_fields=["status", "valid_rows_only", "decided_by", "decided_at"])
            audit_record(
                obj=version, action=AuditEntry.Action.IMPORT, user=user,
                changes={"version": [current.number if current else None, number],
                         "rows": [current.row_count if current else 0, version.row_count]},
                note=_("新增 %(a)s 行，修改 %(c)s 行，删除 %(r)s 行%(skip)s") % {
                    "a": upload.added, "c": upload.changed, "r": upload.removed,
                    "skip": (_("；%(n)s 行有错误未导入") % {"n": upload.error_row_count}) if valid_rows_only else ""},
            )
            outcome = ConfirmOutcome(version)
            if ledger.ledger_type == "values":
                outcome.values = generic_values_write(version=version, previous=current, user=user,
                                                      on=timezone.localdate(at))
            else:
                campaign = campaign_for_city(ledger.city, upload.campaign)
                outcome.values, outcome.skipped = ledger_values_recompute(
                    city=ledger.city, ledger_types=[ledger.ledger_type], campaign=campaign, user=user,
                    on=timezone.localdate(at))
            if queue_compliance:
                compliance_requests(city=ledger.city, reason=_("台账确认：%(ledger)s v%(n)s") % {
                    "ledger": ledger, "n": number})
            _notify_confirmed_for_unit(version=version, ledger=ledger, upload=upload, user=user)
    except OperationalError as exc:
        # SQLite reports a concurrent writer as "database is locked" once its wait runs out.
        if "locked" in str(exc).lower():
            raise LedgerConflict(_("另一位用户正在确认%(ledger)s，请稍后刷新页面再试。") % {"ledger": upload.ledger}) from exc
        raise
    except IntegrityError as exc:
        raise LedgerConflict(_("%(ledger)s刚刚被另一位用户确认了新版本：请点击“重新比对”后再确认。")
                             % {"ledger": upload.ledger}) from exc
    return outcome


def _notify_confirmed_for_unit(*, version, ledger, upload, user):
    """Somebody outside the unit (the office) confirmed its ledger: tell the unit's staff."""
    from django.urls import reverse
    from django.utils import translation

    from notifications.services import event_record
    from notifications import titles
    from organizations.models import Membership

    user = _user(user)
    if user is None or Membership.objects.filter(user=user, unit=ledger.unit).exists():
        return
    with translation.override(settings.LANGUAGE_CODE):  # stored in the site's language, as the alert job writes
        title = titles.render(titles.LEDGER_CONFIRMED, ledger=ledger, n=version.number, who=_person(user))
    event_record(kind="ledger_confirmed", key=f"ledgerversion:{version.pk}:confirmed", target=version,
                 unit=ledger.unit, campaign=campaign_for_city(ledger.city, upload.campaign), actor=user,
                 title=title, url=reverse("ledger_version", args=[version.pk]))


def _user(user):
    return user if user is not None and user.is_authenticated else None


def _person(user):
    if user is None:
        return _("系统")
    person = getattr(user, "person", None)
    return person.name if person else user.get_username()


def compliance_requests(*, city, reason):
    """Ask for the city's active campaigns to be recomputed: an outbox row per campaign written
    in this transaction, the job queued after commit. A broker that is down leaves the rows to
    the scheduled drain; the confirmation stands."""
    for campaign in Campaign.objects.filter(city=city, is_active=True):
        compliance_recompute_request(campaign=campaign, reason=reason)


# --- values -----------------------------------------------------------------------------


def current_rows(city, ledger_types):
    """Rows of the current versions of the city's ledgers: {type: [formulas.Row]}, and the versions.

    The same natural key in two units' ledgers (a park listed by both the 园林中心 and its
    district) is counted once, from the most recently confirmed version.
    """
    versions = list(LedgerVersion.objects.filter(ledger__city=city, ledger__ledger_type__in=ledger_types,
                                                 is_current=True)
                    .select_related("ledger__unit", "confirmed_by__person").order_by("-confirmed_at", "-id"))
    by_type = defaultdict(list)
    duplicates = []
    seen = defaultdict(dict)
    rows = LedgerRow.objects.filter(version__in=versions).values_list("version_id", "row_number", "natural_key", "data")
    by_version = defaultdict(list)
    for version_id, row_number, key, data in rows.iterator(chunk_size=2000):
        by_version[version_id].append((row_number, key, data))
    for version in versions:  # newest first
        t = version.ledger.ledger_type
        for row_number, key, data in sorted(by_version[version.pk]):
            if key in seen[t]:
                duplicates.append((t, key, version, seen[t][key]))
                continue
            seen[t][key] = version
            by_type[t].append(F.Row(version.pk, row_number, data))
    return by_type, versions, duplicates


def _version_json(v):
    return {"id": v.pk, "ledger": v.ledger_id, "ledger_type": v.ledger.ledger_type,
            "ledger_type_label": str(v.ledger.get_ledger_type_display()), "unit": v.ledger.unit.name,
            "number": v.number, "file": v.original_name, "sheet": v.sheet, "checksum": v.checksum,
            "confirmed_at": v.confirmed_at.isoformat(), "confirmed_by": _person(v.confirmed_by)}


def ledger_values_recompute(*, city, ledger_types=None, campaign=None, user=None, on=None, skip_unchanged=False):
    """Recompute every ledger formula that reads one of `ledger_types` (all when None) and
    record the values, as of `on`, for each measure whose formula key it is. With
    `skip_unchanged` (the nightly run) a value equal to the latest one is not written again."""
    on = on or timezone.localdate()
    campaign = campaign if campaign is not None else campaign_for_city(city)
    chosen = [f for f in F.FORMULAS.values() if ledger_types is None or set(f.reads) & set(ledger_types)]
    measures = defaultdict(list)
    for m in Measure.objects.filter(formula_key__in=[f.key for f in chosen]):
        measures[m.formula_key].append(m)
    chosen = [f for f in chosen if measures.get(f.key)]
    if not chosen:
        return [], []
    needed = sorted({t for f in chosen for t in f.reads})
    rows, versions, duplicates = current_rows(city, needed)
    versions_by_id = {v.pk: v for v in versions}
    params = campaign.params() if campaign else {}
    scopes = {d.name: d for d in city_districts(city)}
    written, skipped = [], []
    dup_notes = [_("「%(key)s」同时出现在%(a)s和%(b)s中，按较新的 v%(n)s 计一次。") % {
        "key": key, "a": older.ledger, "b": newer.ledger, "n": newer.number} for _t, key, older, newer in duplicates]
    for formula in chosen:
        if not any(rows.get(t) for t in formula.reads if t != "district_base"):
            continue  # no ledger feeds it yet: leave the measure alone
        results = F.evaluate(formula, rows, params)
        for scope_name, result in results.items():
            scope = city if scope_name is None else scopes.get(scope_name)
            if scope is None:
                continue
            if result.value is None:
                skipped.append((formula.label, scope, "；".join(str(n) for n in result.notes) or _("没有数据")))
                continue
            used = sorted({v for group in result.refs for v, _r in group.rows})
            body = result.as_json()
            provenance = {
                "ledger": True, "formula": formula.key, "formula_label": str(formula.label),
                "expression": str(formula.expression), "unit": formula.unit, "places": formula.places,
                "scope": scope.name, "computed_at": timezone.now().isoformat(),
                "versions": [_version_json(versions_by_id[v]) for v in used if v in versions_by_id],
                "params": {"campaign": campaign.pk if campaign else None,
                           "campaign_name": campaign.name if campaign else "",
                           "built_up_area_km2": F._text(params.get("built_up_area_km2")),
                           "urban_population": F._text(params.get("urban_population"))},
                **body,
            }
            relevant_types = set(formula.reads)
            provenance["notes"] += [n for n, (t, *_x) in zip(dup_notes, duplicates) if t in relevant_types]
            for measure in measures[formula.key]:
                if skip_unchanged:
                    latest = (IndicatorValue.objects.filter(measure=measure, scope=scope, as_of__lte=on)
                              .order_by("-as_of").values_list("value", flat=True).first())
                    if latest is not None and latest == result.value:
                        continue
                written.append(indicator_value_record(
                    measure=measure, scope=scope, as_of=on, value=result.value, user=user,
                    source=IndicatorValue.Source.LEDGER, provenance=provenance,
                    note=_("由台账计算：%(formula)s") % {"formula": formula.label},
                ))
    return written, skipped


def generic_values_write(*, version, previous, user, on=None):
    """指标数据填报表: each row is a value of a measure in a scope as of its date. Rows dropped
    since the previous version take their values with them."""
    ledger = version.ledger
    city = ledger.city
    scopes = {d.name: d for d in city_districts(city)}
    scopes[CITY_SCOPE] = city
    measures = {m.key: m for m in Measure.objects.all()}
    written = []
    keys_now = set()
    for row in LedgerRow.objects.filter(version=version).order_by("row_number"):
        data = row.data
        measure, scope = measures.get(data["measure"]), scopes.get(data["scope"])
        if measure is None or scope is None or measure.formula_key:
            continue
        keys_now.add((measure.pk, scope.pk, data["as_of"]))
        note = _("指标数据填报表第 %(row)s 行") % {"row": row.row_number}
        if data.get("evidence"):
            note += _("；佐证材料：%(file)s") % {"file": data["evidence"]}
        written.append(indicator_value_record(
            measure=measure, scope=scope, as_of=data["as_of"], value=Decimal(data["value"]), user=user,
            source=IndicatorValue.Source.LEDGER, note=note[:300],
            provenance={"ledger": True, "formula": "", "generic": True, "scope": scope.name,
                        "computed_at": timezone.now().isoformat(), "versions": [_version_json(version)],
                        "refs": [{"label": _("填报行"), "ledger_type": "values", "role": "counted", "count": 1,
                                  "versions": [{"version": version.pk, "rows": str(row.row_number)}]}],
                        "inputs": [{"label": _("填报数值"), "value": data["value"], "unit": measure.unit}],
                        "notes": [data["note"]] if data.get("note") else [], "details": {},
                        "evidence": data.get("evidence", "")},
        ))
    if previous is not None:
        stale = IndicatorValue.objects.filter(source=IndicatorValue.Source.LEDGER, provenance__generic=True,
                                              provenance__versions__0__ledger=ledger.pk)
        for value in stale:
            if (value.measure_id, value.scope_id, value.as_of.isoformat()) not in keys_now:
                audit_record(obj=value, action=AuditEntry.Action.DELETE, user=user,
                             changes={"value": [value.value, None]},
                             note=_("%(ledger)s v%(n)s 中已删除此行") % {"ledger": ledger, "n": version.number})
                value.delete()
    return written


def ledger_values_recompute_all(*, on=None):
    """Nightly: recompute ledger values for every city with ledgers (parameters may have changed)."""
    count = 0
    for city in Unit.objects.filter(pk__in=Ledger.objects.values("city_id")):
        try:
            with transaction.atomic():
                written, _skipped = ledger_values_recompute(city=city, on=on, skip_unchanged=True)
            count += len(written)
        except Exception:
            logger.exception("ledger values recompute failed for city %s", city.pk)
    return count
