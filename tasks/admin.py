from django.contrib import admin
from django.urls import reverse

from organizations.admin_audit import AuditedAdminMixin, ProductPageAdminMixin, ReadOnlyInline

from .models import NameAlias, Task, TaskEvidence, TaskImport, TaskMilestone, TaskUpdate

# Tasks change on the task pages and by the table import (task_edit, task_table_import_commit):
# validation, audit and the alert fields recomputed with any new due date. Read-only here.


class MilestoneInline(ReadOnlyInline):
    model = TaskMilestone


@admin.register(Task)
class TaskAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ("seq", "content", "campaign", "indicator", "lead_unit", "responsible_leader", "due_on",
                    "progress", "review_state")
    list_filter = ("campaign", "review_state", "lead_unit")
    search_fields = ("content", "indicator__code", "indicator__name")
    inlines = [MilestoneInline]
    list_select_related = ("campaign", "indicator", "lead_unit", "responsible_leader")

    def product_url(self, obj):
        return reverse("task_detail", args=[obj.pk])


@admin.register(TaskUpdate)
class TaskUpdateAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ("task", "kind", "progress", "unit", "author", "created_at")
    list_filter = ("kind",)
    list_select_related = ("task", "unit", "author")

    def product_url(self, obj):
        return reverse("task_detail", args=[obj.task_id])


@admin.register(TaskEvidence)
class TaskEvidenceAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ("name", "task", "uploaded_by", "uploaded_at")
    list_select_related = ("task", "uploaded_by")

    def product_url(self, obj):
        return reverse("task_detail", args=[obj.task_id])


@admin.register(TaskImport)
class TaskImportAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ("original_name", "campaign", "state", "uploaded_by", "uploaded_at", "committed_at")
    exclude = ("summary", "parsed")  # can be large; the preview page shows it

    def product_url(self, obj):
        return reverse("task_import_preview", args=[obj.pk])


@admin.register(NameAlias)
class NameAliasAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Names confirmed in import previews; the office checks them here and deletes a wrong one
    (the next import then asks again). Every change is audited."""

    list_display = ("alias", "kind", "unit", "person", "city", "created_by", "created_at")
    list_filter = ("kind", "city")
    search_fields = ("alias", "unit__name", "person__name")
    list_select_related = ("unit", "person", "city", "created_by")
    raw_id_fields = ("unit", "person")
