"""Writes of the expert visit's materials: requirements, assignments and their deadlines,
uploads (versions kept), the office's review, and the package. Every write is audited."""
import hashlib
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.audit import audit_record, snapshot_fields
from organizations.models import AuditEntry

from .models import (
    MaterialAssignment,
    MaterialDocument,
    MaterialFile,
    MaterialPackage,
    MaterialRequirement,
    Status,
)

DOCUMENT_FIELDS = ("title", "doc_number", "doc_date", "pages")


def reference_year(campaign):
    """The year a 近 N 年 window ends with: the evaluation year (or this year without one)."""
    return (campaign.evaluation_date or timezone.localdate()).year


def _check_date(campaign, value, field):
    start, end = campaign.date_bounds(timezone.localdate())
    if value is None or not (start <= value <= end):
        raise ValidationError({field: _("日期须在 %(start)s 至 %(end)s 之间") % {"start": start, "end": end}})


# A document's own date: old founding documents (a 2005 green-line approval) are valid evidence,
# so the window reaches far back; a date after today is a typing error.
EARLIEST_DOC_DATE = date(1949, 10, 1)


def _check_doc_date(value):
    today = timezone.localdate()
    if value is None or not (EARLIEST_DOC_DATE <= value <= today):
        raise ValidationError({"doc_date": _("成文日期须在 %(start)s 至今天（%(end)s）之间")
                               % {"start": EARLIEST_DOC_DATE, "end": today}})


# --- requirements (data in the standard) -------------------------------------------------


def material_requirements_load(*, indicator_rows, user=None):
    """Load requirement lists ({indicator: [{"title", "description", "years", "needs_check",
    "source"}]}) keyed by Indicator; existing titles are updated, new ones added, none deleted.
    Returns the number of rows created or changed."""
    changed = 0
    for indicator, rows in indicator_rows.items():
        for order, row in enumerate(rows, start=1):
            values = {"order": order, "description": row.get("description", ""), "years": row.get("years"),
                      "needs_check": row.get("needs_check", True), "source": row.get("source", "")}
            requirement = MaterialRequirement.objects.filter(indicator=indicator, title=row["title"]).first()
            if requirement is None:
                requirement = MaterialRequirement(indicator=indicator, title=row["title"], **values)
                requirement.full_clean()
                requirement.save()
                audit_record(obj=requirement, action=AuditEntry.Action.CREATE, user=user,
                             changes={k: [None, v] for k, v in values.items()}, note="fixture")
                changed += 1
                continue
            before = snapshot_fields(requirement, values)
            for k, v in values.items():
                setattr(requirement, k, v)
            after = snapshot_fields(requirement, values)
            if before != after:
                requirement.full_clean()
                requirement.save()
                audit_record(obj=requirement, action=AuditEntry.Action.UPDATE, user=user,
                             changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
                             note="fixture")
                changed += 1
    return changed


# --- assignments and deadlines ------------------------------------------------------------


def material_assign(*, campaign, requirement, unit, due_on, user):
    """A unit owes a requirement for the campaign by `due_on` (an existing assignment gets the
    new deadline through material_assignment_set_deadline)."""
    if requirement.indicator.standard_id not in set(campaign.standards.values_list("pk", flat=True)):
        raise ValidationError(_("该资料要求不属于本创建活动的标准"))
    _check_date(campaign, due_on, "due_on")
    existing = MaterialAssignment.objects.filter(campaign=campaign, requirement=requirement, unit=unit).first()
    if existing is not None:
        return material_assignment_set_deadline(assignment=existing, due_on=due_on, user=user)
    assignment = MaterialAssignment(campaign=campaign, requirement=requirement, unit=unit, due_on=due_on)
    assignment.full_clean()
    assignment.save()
    audit_record(obj=assignment, action=AuditEntry.Action.CREATE, user=user,
                 changes={"unit": [None, unit.name], "due_on": [None, due_on]})
    return assignment


def material_assignment_set_deadline(*, assignment, due_on, user):
    """Every write of an assignment's deadline comes here: it clears the alert fields so the
    detect job watches the new deadline from blue."""
    _check_date(assignment.campaign, due_on, "due_on")
    if assignment.due_on == due_on:
        return assignment
    old = assignment.due_on
    assignment.due_on = due_on
    assignment.alert_level = None
    assignment.next_alert_at = None
    assignment.full_clean()
    assignment.save(update_fields=["due_on", "alert_level", "next_alert_at"])
    audit_record(obj=assignment, action=AuditEntry.Action.UPDATE, user=user, changes={"due_on": [old, due_on]})
    return assignment


def material_deadline_set(*, campaign, requirement, due_on, user):
    """One deadline for a requirement in a campaign: every unit's assignment of it."""
    assignments = list(MaterialAssignment.objects.filter(campaign=campaign, requirement=requirement)
                       .select_related("campaign"))
    for assignment in assignments:
        material_assignment_set_deadline(assignment=assignment, due_on=due_on, user=user)
    return assignments


def material_assignment_refresh(*, assignment):
    """Recompute the stored status from the documents (after an upload or a review)."""
    documents = list(assignment.documents.all())
    accepted = [d.doc_date for d in documents if d.review == MaterialDocument.Review.ACCEPTED]
    status = MaterialAssignment.status_for(
        accepted_dates=accepted,
        submitted=any(d.review == MaterialDocument.Review.SUBMITTED for d in documents),
        returned=any(d.review == MaterialDocument.Review.RETURNED for d in documents),
        requirement=assignment.requirement, reference_year=reference_year(assignment.campaign))
    if status == assignment.status:
        return assignment
    old = assignment.status
    assignment.status = status
    assignment.completed_at = timezone.now() if status == Status.COMPLETE else None
    assignment.save(update_fields=["status", "completed_at"])
    audit_record(obj=assignment, action=AuditEntry.Action.UPDATE, user=None, changes={"status": [old, status]},
                 note="refresh")
    return assignment


# --- uploads ------------------------------------------------------------------------------


def _store_version(*, document, checked, user):
    number = (document.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = MaterialFile(document=document, number=number, original_name=checked.name[:200],
                           extension=checked.extension, kind=checked.kind, size=checked.size, sha256=checked.sha256,
                           uploaded_by=user)
    version.file.save(f"m{document.pk}-v{number}.{checked.extension}", ContentFile(checked.content), save=False)
    version.save()
    return version


def material_document_upload(*, assignment, user, checked, title, doc_number, doc_date, pages):
    """A unit hands in one document against its assignment; `checked` is visits.files.CheckedFile."""
    if assignment.status == Status.COMPLETE:
        raise ValidationError(_("该项资料已齐备，无需再上传；如需补充请联系创建办"))
    _check_doc_date(doc_date)
    with transaction.atomic():
        document = MaterialDocument(assignment=assignment, title=title, doc_number=doc_number, doc_date=doc_date,
                                    pages=pages, uploaded_by=user)
        document.full_clean()
        document.save()
        version = _store_version(document=document, checked=checked, user=user)
        audit_record(obj=document, action=AuditEntry.Action.CREATE, user=user,
                     changes={**{f: [None, getattr(document, f)] for f in DOCUMENT_FIELDS},
                              "file": [None, f"{version.original_name} v{version.number}"]})
        material_assignment_refresh(assignment=assignment)
    return document


def material_document_reupload(*, document, user, checked, title=None, doc_number=None, doc_date=None, pages=None):
    """A new version of a submitted or returned document; it goes back to the office."""
    if not document.can_reupload:
        raise ValidationError(_("已采用的资料不能再替换"))
    before = snapshot_fields(document, DOCUMENT_FIELDS + ("review",))
    with transaction.atomic():
        for field, value in (("title", title), ("doc_number", doc_number), ("doc_date", doc_date),
                             ("pages", pages)):
            if value is not None:
                setattr(document, field, value)
        _check_doc_date(document.doc_date)
        document.review = MaterialDocument.Review.SUBMITTED
        document.full_clean()
        document.save()
        version = _store_version(document=document, checked=checked, user=user)
        after = snapshot_fields(document, DOCUMENT_FIELDS + ("review",))
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        changes["file"] = [None, f"{version.original_name} v{version.number}"]
        audit_record(obj=document, action=AuditEntry.Action.UPDATE, user=user, changes=changes)
        material_assignment_refresh(assignment=document.assignment)
    return document


# --- review -------------------------------------------------------------------------------


def _review(*, document, user, review, reason=""):
    if not document.can_review:
        raise ValidationError(_("该资料不是待审核状态"))
    latest = document.versions.order_by("-number").values_list("number", flat=True).first()
    with transaction.atomic():
        old = document.review
        document.review = review
        document.return_reason = reason
        document.reviewed_by = user
        document.reviewed_at = timezone.now()
        document.reviewed_version = latest
        document.save(update_fields=["review", "return_reason", "reviewed_by", "reviewed_at", "reviewed_version",
                                     "updated_at"])
        audit_record(obj=document, action=AuditEntry.Action.UPDATE, user=user,
                     changes={"review": [old, review], "reviewed_version": [None, latest]}, note=reason)
        material_assignment_refresh(assignment=document.assignment)
    return document


def material_document_accept(*, document, user):
    return _review(document=document, user=user, review=MaterialDocument.Review.ACCEPTED)


def material_document_return(*, document, user, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回理由")})
    return _review(document=document, user=user, review=MaterialDocument.Review.RETURNED, reason=reason)


# --- the package --------------------------------------------------------------------------


def material_package_request(*, campaign, user):
    package = MaterialPackage.objects.create(campaign=campaign, requested_by=user)
    audit_record(obj=package, action=AuditEntry.Action.CREATE, user=user)

    def queue():
        from ledgers.jobs import enqueue

        from .jobs import build_material_package

        enqueue(build_material_package, package.pk)

    transaction.on_commit(queue)
    return package


def default_due_on(campaign):
    if campaign.materials_deadline:
        return campaign.materials_deadline
    if campaign.evaluation_date:
        return campaign.evaluation_date - timedelta(days=30)
    return timezone.localdate() + timedelta(days=30)


def sha256_of(data):
    return hashlib.sha256(data).hexdigest()
