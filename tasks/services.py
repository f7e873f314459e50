"""Writes to the task table. Every change leaves an audit row (who, when, old → new)."""
import hashlib
import io

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.calendar import check_dates
from indicators.models import Campaign
from organizations.audit import actor_of, audit_record, audit_record_many
from organizations.models import AuditEntry

from .models import NameAlias, Review, Task, TaskEvidence, TaskImport, TaskMilestone, TaskUpdate
from .table import build_plan, plan_from_summary

# Fields the audit trail follows on a task, with how to show each value.
TRACKED_FIELDS = ["seq", "indicator", "content", "requirement", "measures", "lead_unit", "cooperating_units",
                  "responsible_leader", "responsible_person", "starts_on", "due_on"]
ATTNAMES = {"indicator": "indicator_id", "lead_unit": "lead_unit_id", "responsible_leader": "responsible_leader_id",
            "responsible_person": "responsible_person_id"}


class TaskStateError(Exception):
    """The action does not fit the task's (or the import's) current state."""


class ImportStaleError(TaskStateError):
    pass


class ImportChoiceError(TaskStateError):
    """A name the preview asked about has no valid choice."""


def clean_text(value):
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _display(task, name):
    if name == "cooperating_units":
        return "、".join(u.name for u in sorted(task.cooperating_units.all(), key=lambda u: (u.sort_order, u.id)))
    if name == "indicator":
        return task.indicator.code if task.indicator_id else ""
    if name in ("lead_unit", "responsible_leader", "responsible_person"):
        obj = getattr(task, name)
        return obj.name if obj is not None else ""
    value = getattr(task, name)
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else value


def _snapshot(task):
    return {name: _display(task, name) for name in TRACKED_FIELDS}


def _changes(before, after):
    return {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}


def _attach(*, task, update, files, user):
    for f in files or ():
        TaskEvidence.objects.create(
            task=task, update=update, file=f, name=f.name[:200], size=f.size or 0, uploaded_by=user
        )


def _locked(task):
    return Task.objects.select_for_update().get(pk=task.pk)


# Up to this many tasks are re-evaluated at once (their alerts raised in the same request);
# a bigger import leaves them to the alert job, queued on commit.
IMMEDIATE_ALERT_LIMIT = 50


def task_deadline_refresh(*, task_ids, today=None):
    """Every write of a due date (form, import, admin, service) ends here.

    The stored alert fields are cleared in one UPDATE, so they can never describe an old
    deadline: a task moved to two days ago is a candidate of the alert job at once
    (alert_level IS NULL), however far its old next_alert_at lay. A few tasks are then
    re-evaluated now (the alert service raises red straight away); a big import queues the
    job instead, so the work stays set-based."""
    ids = sorted(set(task_ids))
    if not ids:
        return
    Task.objects.filter(pk__in=ids).update(alert_level=None, next_alert_at=None)
    if len(ids) > IMMEDIATE_ALERT_LIMIT:
        transaction.on_commit(_queue_detect)
        return
    from notifications.services import alert_refresh

    today = today or timezone.localdate()
    policies = {}
    for task in Task.objects.filter(pk__in=ids).select_related("campaign", "lead_unit"):
        if task.campaign_id not in policies:
            policies[task.campaign_id] = task.campaign.alert_policy()
        alert_refresh(obj=task, today=today, policy=policies[task.campaign_id])


def _queue_detect():
    import logging

    from notifications.jobs import detect_overdue

    try:
        detect_overdue.delay()
    except Exception:  # broker down: the 15-minute schedule picks them up (alert_level is null)
        logging.getLogger(__name__).warning("could not queue detect_overdue", exc_info=True)


def task_create(*, campaign, user, seq, content, lead_unit, due_on, indicator=None, requirement="", measures="",
                cooperating_units=(), responsible_leader=None, responsible_person=None, starts_on=None):
    check_dates(campaign, timezone.localdate(), due_on=due_on, starts_on=starts_on)
    with transaction.atomic():
        task = Task(
            campaign=campaign, seq=seq, indicator=indicator, content=clean_text(content),
            requirement=clean_text(requirement), measures=clean_text(measures), lead_unit=lead_unit,
            responsible_leader=responsible_leader, responsible_person=responsible_person, starts_on=starts_on,
            due_on=due_on,
        )
        task.full_clean()
        task.save()
        task.cooperating_units.set([u for u in cooperating_units if u != lead_unit])
        after = _snapshot(task)
        audit_record(obj=task, action=AuditEntry.Action.CREATE, user=user,
                     changes={k: ["", v] for k, v in after.items() if v not in ("", None)})
        task_deadline_refresh(task_ids=[task.pk])
    task.refresh_from_db(fields=["alert_level", "next_alert_at"])
    return task


def task_edit(*, task, user, **fields):
    """The office edits any field of the table (not progress or review: those have their own actions)."""
    unknown = set(fields) - set(TRACKED_FIELDS)
    if unknown:
        raise TypeError(f"task_edit() cannot change {sorted(unknown)}")
    check_dates(task.campaign, timezone.localdate(), **{k: fields[k] for k in ("due_on", "starts_on") if k in fields})
    with transaction.atomic():
        task = _locked(task)
        before = _snapshot(task)
        coop = fields.pop("cooperating_units", None)
        for name, value in fields.items():
            setattr(task, name, clean_text(value) if name in ("content", "requirement", "measures") else value)
        task.full_clean()
        task.save()
        if coop is not None:
            task.cooperating_units.set([u for u in coop if u != task.lead_unit])
        changes = _changes(before, _snapshot(task))
        if changes:
            audit_record(obj=task, action=AuditEntry.Action.UPDATE, user=user, changes=changes)
        if "due_on" in changes:
            task_deadline_refresh(task_ids=[task.pk])
            task.refresh_from_db(fields=["alert_level", "next_alert_at"])
    return task


def task_progress_report(*, task, user, unit, text, progress, files=()):
    """The lead unit (or the office) reports progress: text, a new percentage, evidence."""
    with transaction.atomic():
        task = _locked(task)
        if not task.is_open:
            raise TaskStateError(_("任务已提交审核或已通过，不能再报送进度"))
        now = timezone.now()
        update = TaskUpdate(task=task, kind=TaskUpdate.Kind.PROGRESS, text=clean_text(text), progress=progress,
                            author=user, unit=unit, created_at=now)
        update.full_clean()
        update.save()
        _attach(task=task, update=update, files=files, user=user)
        old = task.progress
        task.progress = progress
        task.last_reported_at = now
        task.full_clean()
        task.save(update_fields=["progress", "last_reported_at", "updated_at"])
        changes = {"progress": [old, progress]} if old != progress else {}
        if files:
            changes["evidence"] = [None, [f.name for f in files]]
        audit_record(obj=task, action=AuditEntry.Action.UPDATE, user=user, changes=changes,
                     note=_("进度报送：%(text)s") % {"text": update.text[:150]})
    return update


def task_contribute(*, task, user, unit, text, files=()):
    """A cooperating unit reports what it did; the lead's fields stay as they are."""
    with transaction.atomic():
        task = _locked(task)
        if task.review_state == Review.ACCEPTED:
            raise TaskStateError(_("任务已审核通过，不能再报送"))
        update = TaskUpdate(task=task, kind=TaskUpdate.Kind.CONTRIBUTION, text=clean_text(text), author=user,
                            unit=unit)
        update.full_clean()
        update.save()
        _attach(task=task, update=update, files=files, user=user)
        changes = {"contribution": [None, unit.name if unit else ""]}
        if files:
            changes["evidence"] = [None, [f.name for f in files]]
        audit_record(obj=task, action=AuditEntry.Action.CREATE, user=user, changes=changes,
                     note=_("配合单位报送：%(text)s") % {"text": update.text[:150]})
    return update


def _transition(task, *, user, to, kind, text, unit=None, allowed_from, error, extra=None):
    with transaction.atomic():
        task = _locked(task)
        if task.review_state not in allowed_from:
            raise TaskStateError(error)
        old_state, old_progress = task.review_state, task.progress
        now = timezone.now()
        task.review_state = to
        for name, value in (extra or {}).items():
            setattr(task, name, value(now) if callable(value) else value)
        task.full_clean()
        task.save()
        update = TaskUpdate.objects.create(task=task, kind=kind, text=clean_text(text), author=user, unit=unit,
                                           progress=task.progress, created_at=now)
        changes = {"review_state": [old_state, to]}
        if task.progress != old_progress:
            changes["progress"] = [old_progress, task.progress]
        audit_record(obj=task, action=AuditEntry.Action.TRANSITION, user=user, changes=changes, note=update.text)
    return task


def _notify(task, kind, user, *, update_kind, note=""):
    """Tell the task's lead unit (the notifications app delivers it); once per timeline entry."""
    from notifications.services import event_record

    update = task.updates.filter(kind=update_kind).latest("id")
    event_record(kind=kind, key=f"taskupdate:{update.pk}", target=task, unit=task.lead_unit, campaign=task.campaign,
                 actor=user, note=note)


def task_submit(*, task, user, unit=None, note=""):
    """The lead unit hands the task in as complete: progress becomes 100 %, the office reviews."""
    return _transition(
        task, user=user, to=Review.SUBMITTED, kind=TaskUpdate.Kind.SUBMISSION, text=note, unit=unit,
        allowed_from=(Review.DRAFT, Review.CHANGES_REQUESTED), error=_("只有未提交或被退回的任务可以提交审核"),
        extra={"progress": 100, "submitted_at": lambda now: now, "last_reported_at": lambda now: now},
    )


def task_accept(*, task, user, unit=None, note=""):
    with transaction.atomic():
        task = _transition(
            task, user=user, to=Review.ACCEPTED, kind=TaskUpdate.Kind.ACCEPTANCE, text=note, unit=unit,
            allowed_from=(Review.SUBMITTED,), error=_("只有待审核的任务可以审核通过"),
            extra={"accepted_at": lambda now: now},
        )
        _notify(task, "task_accepted", user, update_kind=TaskUpdate.Kind.ACCEPTANCE, note=clean_text(note))
    return task


def task_send_back(*, task, user, reason, unit=None):
    if not clean_text(reason):
        raise TaskStateError(_("退回须填写理由"))
    with transaction.atomic():
        task = _transition(
            task, user=user, to=Review.CHANGES_REQUESTED, kind=TaskUpdate.Kind.RETURN, text=reason, unit=unit,
            allowed_from=(Review.SUBMITTED,), error=_("只有待审核的任务可以退回"),
        )
        _notify(task, "task_sent_back", user, update_kind=TaskUpdate.Kind.RETURN, note=clean_text(reason))
    return task


def task_milestone_add(*, task, user, due_on, text):
    check_dates(task.campaign, timezone.localdate(), due_on=due_on)
    with transaction.atomic():
        milestone = TaskMilestone(task=task, due_on=due_on, text=clean_text(text))
        milestone.full_clean()
        milestone.save()
        audit_record(obj=task, action=AuditEntry.Action.UPDATE, user=user,
                     changes={"milestone": [None, str(milestone)]}, note=_("新增进度节点"))
    return milestone


def task_milestone_toggle(*, milestone, user):
    with transaction.atomic():
        milestone = TaskMilestone.objects.select_for_update().get(pk=milestone.pk)
        milestone.done = not milestone.done
        milestone.done_on = timezone.localdate() if milestone.done else None
        milestone.full_clean()
        milestone.save()
        audit_record(obj=milestone.task, action=AuditEntry.Action.UPDATE, user=user,
                     changes={"milestone_done": [not milestone.done, milestone.done]}, note=str(milestone))
    return milestone


# The whole table from Excel ---------------------------------------------------------


def task_table_import_preview(*, campaign, upload, user):
    """Read an uploaded table and keep it with its preview. Raises table.TableError; writes
    nothing (not even the file) when any cell is wrong."""
    data = upload.read()
    name = (getattr(upload, "name", "") or "task-table.xlsx")[:200]
    # The upload form's WorkbookField ran the gate on these bytes: its facts spare a second scan.
    plan = build_plan(campaign, io.BytesIO(data), name, facts=getattr(upload, "facts", None))
    digest = hashlib.sha256(data).hexdigest()
    task_import = TaskImport(campaign=campaign, original_name=name, sha256=digest, summary=plan.summary(),
                             parsed=plan.parsed_json(), uploaded_by=user if user and user.is_authenticated else None)
    task_import.file.save(f"{digest[:16]}.xlsx", ContentFile(data), save=False)
    task_import.full_clean()
    task_import.save()
    return task_import


def _plan_for(task_import, choices=None):
    """The preview's rows against the database as it is now. Imports previewed before the
    parsed rows were kept are read from their file again."""
    if task_import.parsed:
        return plan_from_summary(task_import.campaign, task_import.summary, task_import.parsed,
                                 task_import.original_name, choices)
    with task_import.file.open("rb") as f:
        data = f.read()
    return build_plan(task_import.campaign, io.BytesIO(data), task_import.original_name)


def task_table_import_refresh(*, task_import):
    """Recompute a preview against the database as it is now (after someone else changed it)."""
    plan = _plan_for(task_import)
    task_import.summary = plan.summary()
    task_import.save(update_fields=["summary"])
    return task_import


def _chunks(items, size=500):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _checked_choices(plan, choices):
    """{pending key: id} for every name the preview asked about, each a unit (or a person, a
    leader for the leader column) that exists; ImportChoiceError naming the file, the cells
    and the text of every name left without a valid choice."""
    people, units = plan.dirs.people.by_id, plan.dirs.units.by_id
    checked, missing = {}, []
    for key, info in plan.pending.items():
        raw = (choices or {}).get(key)
        try:
            chosen = int(raw)
        except (TypeError, ValueError):
            chosen = None
        kind = info["kind"]
        valid = (chosen in units) if kind == "unit" else (
            chosen in people and (kind != "leader" or people[chosen].is_leader))
        if valid:
            checked[key] = chosen
        else:
            missing.append(_("「%(text)s」（%(cells)s）") % {"text": info["text"], "cells": "、".join(info.get("cells", []))})
    if missing:
        raise ImportChoiceError(_("文件「%(file)s」工作表「%(sheet)s」：请为以下名称选择对应的单位或人员后再确认：%(names)s")
                                % {"file": plan.file_name, "sheet": plan.sheet, "names": "；".join(missing)})
    return checked


def name_aliases_remember(*, campaign, pending, choices, user):
    """Keep the names chosen in a preview for the campaign's city, audited, so the next table
    with 城管局 or 王副市长 reads without asking. One row per distinct name, not per cell."""
    made = []
    for key, chosen in choices.items():
        info = pending[key]
        kind = NameAlias.Kind.UNIT if info["kind"] == "unit" else NameAlias.Kind.PERSON
        target = {"unit_id": chosen, "person_id": None} if kind == NameAlias.Kind.UNIT else {
            "person_id": chosen, "unit_id": None}
        alias, created = NameAlias.objects.get_or_create(
            city_id=campaign.city_id, kind=kind, alias=key.split(":", 1)[1],
            defaults={**target, "created_by": user if user and user.is_authenticated else None})
        if not created and (alias.unit_id, alias.person_id) != (target["unit_id"], target["person_id"]):
            alias.unit_id, alias.person_id = target["unit_id"], target["person_id"]
            alias.save(update_fields=["unit", "person"])
        made.append(alias)
    if made:
        audit_record_many(objs=made, action=AuditEntry.Action.CREATE, user=user,
                          changes_for=lambda a: {"alias": [None, a.alias], "target": [None, str(a.target)]},
                          note=_("导入预览中确认的名称对照"))
    return made


def task_table_import_commit(*, task_import, user, choices=None):
    """Write a previewed table, all or nothing, as the preview showed it (the file is not read
    again). `choices` answers the preview's questions ({pending key: unit or person id}); they
    are kept as name aliases. Raises ImportStaleError when the table in the database changed
    since the preview (the office must look again), ImportChoiceError when a question has no
    valid answer, TaskStateError when the import was already committed."""
    with transaction.atomic():
        ti = TaskImport.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=task_import.pk)
        if ti.state != TaskImport.State.PREVIEW:
            raise TaskStateError(_("该文件已经导入，不能重复确认"))
        # One import per campaign at a time (PostgreSQL row lock; SQLite serialises writers anyway).
        list(Campaign.objects.select_for_update().filter(pk=ti.campaign_id).values_list("pk", flat=True))
        plan = _plan_for(ti)
        if plan.fingerprint() != ti.summary.get("fingerprint"):
            raise ImportStaleError(_("预览之后任务表已有变化，请重新核对预览后再确认"))
        if plan.pending:
            checked = _checked_choices(plan, choices)
            name_aliases_remember(campaign=ti.campaign, pending=plan.pending, choices=checked, user=user)
            plan = _plan_for(ti, checked)
        counts = _apply_plan(plan, ti, user)
        ti.state = TaskImport.State.COMMITTED
        ti.committed_at = timezone.now()
        ti.summary = {**ti.summary, "committed": counts}
        ti.save(update_fields=["state", "committed_at", "summary"])
        audit_record(obj=ti, action=AuditEntry.Action.IMPORT, user=user,
                     changes={"tasks": [None, counts]}, note=ti.original_name)
    return counts


def _insert_many(model, columns, rows, *, chunk=2000):
    """Plain INSERTs of many rows, one executemany per chunk (a bounded number of queries).

    A 5 000-row table means 20 000 rows (tasks, their cooperating units, one audit row each);
    building model instances for bulk_create cost more than reading the workbook, and SQLite's
    999-parameter cap split it into hundreds of statements. The values are already checked
    by the parse and prepared for the database by the caller."""
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    names = ", ".join(ops.quote_name(model._meta.get_field(c).column) for c in columns)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for part in _chunks(rows, chunk):
            cursor.executemany(sql, part)


def _apply_plan(plan, ti, user):
    """Bulk writes with a bounded number of queries. The plan's values were parsed and
    resolved against the prefetched units, people and indicators (every id exists, text is
    text, 序号 a positive integer, dates dates), so no per-row model validation runs here."""
    campaign, now = ti.campaign, timezone.now()
    ops = connection.ops
    db_now = ops.adapt_datetimefield_value(now)
    through = Task.cooperating_units.through
    new_rows = [r for r in plan.rows if r.action == "new"]
    changed_rows = [r for r in plan.rows if r.action == "changed"]

    task_columns = ["campaign", "seq", "indicator", "content", "requirement", "measures", "lead_unit",
                    "responsible_leader", "responsible_person", "due_on", "progress", "review_state", "created_at",
                    "updated_at"]
    _insert_many(Task, task_columns, [
        (campaign.pk, r.seq, r.values.get("indicator"), r.values["content"], r.values.get("requirement", ""),
         r.values.get("measures", ""), r.values["lead_unit"], r.values.get("responsible_leader"),
         r.values.get("responsible_person"), ops.adapt_datefield_value(r.values["due_on"]), 0, Review.DRAFT,
         db_now, db_now)
        for r in new_rows])
    ids = dict(Task.objects.filter(campaign=campaign, seq__gte=min((r.seq for r in new_rows), default=0))
               .values_list("seq", "id")) if new_rows else {}
    new_ids = [ids[r.seq] for r in new_rows]

    existing = Task.objects.in_bulk([r.task_id for r in changed_rows])
    updated, update_fields, coop_reset = [], {"updated_at"}, []
    for r in changed_rows:
        task = existing[r.task_id]
        for name in r.changes:
            if name == "cooperating_units":
                coop_reset.append(task.id)
                continue
            attname = ATTNAMES.get(name, name)
            setattr(task, attname, r.values[name])
            update_fields.add(attname)
        task.updated_at = now
        updated.append(task)
    if updated:
        Task.objects.bulk_update(updated, sorted(update_fields), batch_size=500)

    for chunk in _chunks(coop_reset):
        through.objects.filter(task_id__in=chunk).delete()
    links = [(task_id, u) for task_id, r in zip(new_ids, new_rows) for u in sorted(r.values.get("cooperating_units", ()))]
    links += [(r.task_id, u) for r in changed_rows if "cooperating_units" in r.changes
              for u in sorted(r.values["cooperating_units"])]
    _insert_many(through, ["task", "unit"], links)

    content_type = ContentType.objects.get_for_model(Task)
    actor = actor_of(user)
    acting = user.pk if user is not None and user.is_authenticated else None
    changes_field = AuditEntry._meta.get_field("changes")
    note = _("导入「%(file)s」第 %(row)s 行")

    def entry(task_id, seq, content, row, changes):
        return (db_now, acting, AuditEntry.Action.IMPORT, content_type.pk, str(task_id), f"{seq}. {content[:40]}"[:200],
                changes_field.get_db_prep_save(changes, connection), note % {"file": ti.original_name, "row": row},
                actor["actor_name"], actor["actor_unit"], actor["actor_role"])

    entries = [entry(task_id, r.seq, r.values["content"], r.row,
                     {k: ["", v] for k, v in plan.display(r).items() if v not in ("", None)})
               for task_id, r in zip(new_ids, new_rows)]
    entries += [entry(r.task_id, r.seq, existing[r.task_id].content, r.row, r.changes) for r in changed_rows]
    _insert_many(AuditEntry, ["at", "user", "action", "content_type", "object_id", "object_repr", "changes", "note",
                              "actor_name", "actor_unit", "actor_role"], entries)
    task_deadline_refresh(task_ids=new_ids + [r.task_id for r in changed_rows if "due_on" in r.changes])
    return plan.counts()
