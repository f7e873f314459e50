from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from organizations.paging import paginate
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from indicators.selectors import current_campaign
from organizations.access import get_access, require_office
from organizations.audit import audit_for
from organizations.models import Person, Unit

from . import selectors
from .access import (COOPERATING, LEAD, OFFICE, acting_unit, get_task_for_user, require_role, staff_unit_ids,
                     task_role)
from .forms import (AcceptForm, ContributionForm, MilestoneForm, ProgressForm, SendBackForm, SubmitForm, TaskForm,
                    UploadForm)
from .models import Status, Task, TaskEvidence, TaskImport, TaskMilestone
from .services import (ImportChoiceError, ImportStaleError, TaskStateError, task_accept, task_contribute,
                       task_create, task_edit, task_milestone_add, task_milestone_toggle, task_progress_report, task_send_back, task_submit,
                       task_table_import_commit, task_table_import_preview, task_table_import_refresh)
from .table import COLUMN_BY_FIELD, COLUMNS, TableError, export_workbook, template_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 100


def _campaign_or_empty(request):
    campaign = current_campaign(request)
    if campaign is None:
        return None, render(request, "indicators/no_campaign.html")
    return campaign, None


# The table ---------------------------------------------------------------------------


@login_required
@require_GET
def task_list(request):
    campaign, empty = _campaign_or_empty(request)
    if empty:
        return empty
    access = get_access(request)
    today = timezone.localdate()
    filters = selectors.TableFilters.from_request(request.GET)
    rows, counts = selectors.task_table(campaign, access, filters, today)
    page = paginate(rows, PAGE_SIZE, request.GET.get("page"))
    return render(request, "tasks/task_list.html", {
        "campaign": campaign,
        "today": today,
        "page": page,
        "counts": counts,
        "total": sum(counts.values()),
        "statuses": Status.choices,
        "filters": filters,
        "choices": selectors.filter_choices(campaign, access),
        "filtered": any([filters.unit, filters.unit_role, filters.leader, filters.status, filters.aspect, filters.q]),
        # Unit staff see which rows their unit leads and which it only cooperates on.
        "viewer_units": None if access.sees_all else access.own_unit_ids,
    })


# One task ----------------------------------------------------------------------------


def _detail(request, task, *, status=200, error=None, **forms):
    access = get_access(request)
    role = task_role(access, task)
    today = timezone.localdate()
    task.status_now = task.status(today)
    defaults = {
        "progress_form": ProgressForm(initial={"progress": task.progress}),
        "contribution_form": ContributionForm(),
        "submit_form": SubmitForm(),
        "accept_form": AcceptForm(),
        "send_back_form": SendBackForm(),
        "milestone_form": MilestoneForm(),
    }
    defaults.update(forms)
    if error:
        messages.error(request, error)
    history = list(audit_for(task)[:100])
    return render(request, "tasks/task_detail.html", {
        "task": task,
        "campaign": task.campaign,
        "role": role,
        "can_report": role in (LEAD, OFFICE) and task.is_open,
        "can_contribute": role == COOPERATING and task.review_state != "accepted",
        "can_submit": role in (LEAD, OFFICE) and task.can_submit,
        "can_review": role == OFFICE and task.can_review,
        "can_edit": role == OFFICE,
        "can_plan": role in (LEAD, OFFICE),
        "today": today,
        "alert_level": task.alert_level_on(today, task.campaign.alert_policy()),
        "days_left": task.days_left(today),
        "days_overdue": task.days_overdue(today),
        "milestones": list(task.milestones.all()),
        "timeline": selectors.task_timeline(task),
        "evidence": list(task.evidence.select_related("uploaded_by", "uploaded_by__person")),
        "history": history,
        **defaults,
    }, status=status)


@login_required
@require_GET
def task_detail(request, pk):
    return _detail(request, get_task_for_user(request, pk))


def _form_errors(form, exc):
    """A service's ValidationError shown on the form: on the field it names, else on the form."""
    for field, errors in (exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]):
        form.add_error(field if field in form.fields else None, errors)


def _post_action(request, pk, allowed, form_class, form_name, action, success):
    """Shared shape of the task actions: 404 unless visible, 403 unless allowed, 400 on a bad
    form, 409 when the task's state does not allow it, else redirect with a message."""
    task = get_task_for_user(request, pk)
    role = task_role(get_access(request), task)
    require_role(role, *allowed)
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, task, status=400, **{form_name: form})
    try:
        action(task, role, form.cleaned_data)
    except TaskStateError as exc:
        return _detail(request, task, status=409, error=str(exc))
    except ValidationError as exc:
        _form_errors(form, exc)
        return _detail(request, task, status=400, **{form_name: form})
    messages.success(request, success)
    return redirect("task_detail", pk=task.pk)


@login_required
@require_POST
def task_progress(request, pk):
    def act(task, role, data):
        task_progress_report(task=task, user=request.user, unit=acting_unit(get_access(request), task, role),
                             text=data["text"], progress=data["progress"], files=data["files"])
    return _post_action(request, pk, (LEAD, OFFICE), ProgressForm, "progress_form", act, _("进度已报送。"))


@login_required
@require_POST
def task_contribute_view(request, pk):
    def act(task, role, data):
        task_contribute(task=task, user=request.user, unit=acting_unit(get_access(request), task, role),
                        text=data["text"], files=data["files"])
    return _post_action(request, pk, (COOPERATING,), ContributionForm, "contribution_form", act,
                        _("配合工作情况已报送，牵头单位和创建办可以看到。"))


@login_required
@require_POST
def task_submit_view(request, pk):
    def act(task, role, data):
        task_submit(task=task, user=request.user, unit=acting_unit(get_access(request), task, role),
                    note=data["note"])
    return _post_action(request, pk, (LEAD, OFFICE), SubmitForm, "submit_form", act,
                        _("已提交审核，等待创建办审核。"))


@login_required
@require_POST
def task_accept_view(request, pk):
    def act(task, role, data):
        task_accept(task=task, user=request.user, unit=acting_unit(get_access(request), task, role),
                    note=data["note"])
    return _post_action(request, pk, (OFFICE,), AcceptForm, "accept_form", act, _("任务已审核通过。"))


@login_required
@require_POST
def task_send_back_view(request, pk):
    def act(task, role, data):
        task_send_back(task=task, user=request.user, unit=acting_unit(get_access(request), task, role),
                       reason=data["reason"])
    return _post_action(request, pk, (OFFICE,), SendBackForm, "send_back_form", act,
                        _("任务已退回牵头单位修改。"))


@login_required
@require_POST
def task_milestone_create(request, pk):
    def act(task, role, data):
        task_milestone_add(task=task, user=request.user, due_on=data["due_on"], text=data["text"])
    return _post_action(request, pk, (LEAD, OFFICE), MilestoneForm, "milestone_form", act, _("进度节点已添加。"))


@login_required
@require_POST
def task_milestone_done(request, pk, milestone_pk):
    task = get_task_for_user(request, pk)
    require_role(task_role(get_access(request), task), LEAD, OFFICE)
    milestone = get_object_or_404(TaskMilestone, pk=milestone_pk, task=task)
    task_milestone_toggle(milestone=milestone, user=request.user)
    return redirect("task_detail", pk=task.pk)


@login_required
@require_GET
def task_evidence(request, pk, evidence_pk):
    task = get_task_for_user(request, pk)
    evidence = get_object_or_404(TaskEvidence, pk=evidence_pk, task=task)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=evidence.name)


@login_required
@require_http_methods(["GET", "POST"])
def task_create_view(request):
    require_office(request)
    campaign, empty = _campaign_or_empty(request)
    if empty:
        return empty
    next_seq = (Task.objects.filter(campaign=campaign).order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    form = TaskForm(request.POST or None, campaign=campaign, initial={"seq": next_seq})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                task = task_create(campaign=campaign, user=request.user, **data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("任务已新建。"))
                return redirect("task_detail", pk=task.pk)
        return render(request, "tasks/task_form.html", {"form": form, "campaign": campaign}, status=400)
    return render(request, "tasks/task_form.html", {"form": form, "campaign": campaign})


@login_required
@require_http_methods(["GET", "POST"])
def task_edit_view(request, pk):
    task = get_task_for_user(request, pk)
    require_role(task_role(get_access(request), task), OFFICE)
    form = TaskForm(request.POST or None, instance=task, campaign=task.campaign)
    if request.method == "POST":
        if form.is_valid():
            try:
                task_edit(task=Task.objects.get(pk=task.pk), user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("任务已保存。"))
                return redirect("task_detail", pk=task.pk)
        return render(request, "tasks/task_form.html", {"form": form, "campaign": task.campaign, "task": task},
                      status=400)
    return render(request, "tasks/task_form.html", {"form": form, "campaign": task.campaign, "task": task})


# Views of the table by person and unit ------------------------------------------------


@login_required
@require_GET
def task_mine(request):
    campaign, empty = _campaign_or_empty(request)
    if empty:
        return empty
    access = get_access(request)
    today = timezone.localdate()
    mine = selectors.my_tasks(access, campaign, today, request.user)
    person = getattr(request.user, "person", None)
    return render(request, "tasks/task_mine.html", {
        "campaign": campaign, "today": today, "mine": mine,
        "counts": selectors.unit_task_counts(campaign, today, unit_ids=staff_unit_ids(access)),
        "leader_person": person if person is not None and person.is_leader else None,
    })


@login_required
@require_GET
def task_leader_list(request):
    campaign, empty = _campaign_or_empty(request)
    if empty:
        return empty
    today = timezone.localdate()
    return render(request, "tasks/task_leader_list.html", {
        "campaign": campaign, "today": today,
        "rows": selectors.leaders_with_counts(campaign, get_access(request), today),
    })


@login_required
@require_GET
def task_leader(request, pk):
    campaign, empty = _campaign_or_empty(request)
    if empty:
        return empty
    leader = get_object_or_404(Person.objects.select_related("unit"), pk=pk, is_leader=True)
    today = timezone.localdate()
    tasks, units = selectors.leader_tasks(campaign, get_access(request), leader, today)
    return render(request, "tasks/task_leader.html", {
        "campaign": campaign, "today": today, "leader": leader, "tasks": tasks, "units": units,
        "overdue": sum(1 for t in tasks if t.status_now == Status.OVERDUE),
        "done": sum(1 for t in tasks if t.status_now == Status.DONE),
    })


@login_required
@require_GET
def task_unit_counts(request):
    campaign, empty = _campaign_or_empty(request)
    if empty:
        return empty
    access = get_access(request)
    today = timezone.localdate()
    rows = selectors.unit_task_counts(campaign, today, unit_ids=access.unit_ids())
    if request.GET.get("sort") == "overdue":
        rows.sort(key=lambda r: (-r.overdue, -r.led, r.unit.sort_order))
    elif request.GET.get("sort") == "led":
        rows.sort(key=lambda r: (-r.led, r.unit.sort_order))
    return render(request, "tasks/task_unit_counts.html", {
        "campaign": campaign, "today": today, "rows": rows, "sort": request.GET.get("sort", ""),
        "totals": {
            "led": sum(r.led for r in rows), "done": sum(r.done for r in rows),
            "overdue": sum(r.overdue for r in rows), "submitted": sum(r.submitted for r in rows),
        },
    })


# Excel -------------------------------------------------------------------------------


def _xlsx_response(data, filename):
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_GET
def task_export(request):
    campaign, empty = _campaign_or_empty(request)
    if empty:
        return empty
    today = timezone.localdate()
    # The list's filters apply, so "export what I am looking at" works; with none it is the
    # whole table, which re-imports with zero changes.
    filters = selectors.TableFilters.from_request(request.GET)
    tasks = filters.apply(Task.objects.filter(campaign=campaign).visible_to(get_access(request)), today)
    if filters.status:
        tasks = tasks.filter(Task.objects.status_q(filters.status, today))
    tasks = tasks.order_by("seq").prefetch_related("cooperating_units")
    return _xlsx_response(export_workbook(campaign, tasks, today), f"任务分解表-{campaign.name}-{today:%Y%m%d}.xlsx")


@login_required
@require_GET
def task_template(request):
    campaign, empty = _campaign_or_empty(request)
    if empty:
        return empty
    return _xlsx_response(template_workbook(campaign), "任务分解表-模板.xlsx")


def _import_page(request, campaign, *, form=None, errors=(), status=200):
    recent = TaskImport.objects.filter(campaign=campaign).select_related("uploaded_by", "uploaded_by__person")[:10]
    return render(request, "tasks/task_import.html", {
        "campaign": campaign, "form": form or UploadForm(), "errors": list(errors), "recent": recent,
        "columns": COLUMNS, "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        "max_rows": f"{settings.TASK_TABLE_MAX_ROWS:,}",
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def task_import(request):
    require_office(request)
    campaign, empty = _campaign_or_empty(request)
    if empty:
        return empty
    if request.method == "GET":
        return _import_page(request, campaign)
    form = UploadForm(request.POST, request.FILES)
    upload = request.FILES.get("file")
    if upload is not None and upload.size > settings.UPLOAD_MAX_BYTES:
        return _import_page(request, campaign, form=UploadForm(), status=413, errors=[
            _("文件「%(name)s」大小 %(size).1f MB，超过上限 %(max)s MB") % {
                "name": upload.name, "size": upload.size / 1024 / 1024,
                "max": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}])
    if not form.is_valid():
        return _import_page(request, campaign, form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        task_import_row = task_table_import_preview(campaign=campaign, upload=upload, user=request.user)
    except TableError as exc:
        return _import_page(request, campaign, form=form, errors=[str(e) for e in exc.errors], status=400)
    return redirect("task_import_preview", pk=task_import_row.pk)


def _get_import(request, pk):
    require_office(request)
    return get_object_or_404(TaskImport.objects.select_related("campaign", "uploaded_by"), pk=pk)


@login_required
@require_GET
def task_import_preview(request, pk):
    task_import_row = _get_import(request, pk)
    summary = task_import_row.summary
    return _preview_page(request, task_import_row, summary)


def _pending_questions(campaign, pending, chosen=None):
    """One select per name the import asks about: the suggestions first (best preselected),
    then every unit, or every leader / person, to pick from when none fits."""
    if not pending:
        return []
    units = list(Unit.objects.order_by("sort_order", "id").values_list("id", "name"))
    people = list(Person.objects.select_related("unit").order_by("unit__sort_order", "id"))
    questions = []
    for key, info in pending.items():
        suggested = [(sid, label) for sid, label, _score in info["suggestions"]]
        if info["kind"] == "unit":
            others = [(uid, name) for uid, name in units]
        else:
            others = [(p.id, f"{p.name}（{p.unit.short_name or p.unit.name}{'·' + p.title if p.title else ''}）")
                      for p in people if p.is_leader or info["kind"] == "person"]
        seen = {sid for sid, _label in suggested}
        selected = str((chosen or {}).get(key) or (suggested[0][0] if suggested else ""))
        questions.append({
            "key": key, "field": f"choice-{key}", "text": info["text"], "kind": info["kind"],
            "cells": info.get("cells", []), "suggested": suggested, "selected": selected,
            "others": [o for o in others if o[0] not in seen],
        })
    return questions


def _preview_page(request, task_import_row, summary, *, status=200, chosen=None):
    return render(request, "tasks/task_import_preview.html", {
        "imp": task_import_row, "campaign": task_import_row.campaign, "summary": summary,
        "counts": summary.get("counts", {}),
        "new_rows": [r for r in summary.get("rows", []) if r["action"] == "new"],
        "changed_rows": [r for r in summary.get("rows", []) if r["action"] == "changed"],
        "columns": [COLUMN_BY_FIELD[f] for f in summary.get("columns", []) if f in COLUMN_BY_FIELD],
        "headers": {c.field: c.header for c in COLUMNS},
        "questions": _pending_questions(task_import_row.campaign, summary.get("pending"), chosen)
        if task_import_row.state == TaskImport.State.PREVIEW else [],
    }, status=status)


@login_required
@require_POST
def task_import_confirm(request, pk):
    task_import_row = _get_import(request, pk)
    choices = {key: request.POST.get(f"choice-{key}") for key in task_import_row.summary.get("pending", {})}
    try:
        counts = task_table_import_commit(task_import=task_import_row, user=request.user, choices=choices)
    except ImportChoiceError as exc:
        messages.error(request, str(exc))
        return _preview_page(request, task_import_row, task_import_row.summary, status=400, chosen=choices)
    except ImportStaleError as exc:
        try:
            task_table_import_refresh(task_import=task_import_row)
        except TableError as table_exc:
            return _import_page(request, task_import_row.campaign, errors=[str(e) for e in table_exc.errors],
                                status=400)
        messages.warning(request, str(exc))
        return redirect("task_import_preview", pk=task_import_row.pk)
    except TaskStateError as exc:
        messages.error(request, str(exc))
        return redirect("task_import_preview", pk=task_import_row.pk)
    except TableError as exc:
        return _import_page(request, task_import_row.campaign, errors=[str(e) for e in exc.errors], status=400)
    messages.success(request, _("导入完成：新增 %(new)s 项，更新 %(changed)s 项，未变 %(unchanged)s 项。") % counts)
    return redirect("task_list")

