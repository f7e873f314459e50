from django.contrib import admin

from .models import Task, TaskEvidence, TaskImport, TaskMilestone, TaskUpdate


class MilestoneInline(admin.TabularInline):
    model = TaskMilestone
    extra = 0


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("seq", "content", "campaign", "indicator", "lead_unit", "responsible_leader", "due_on",
                    "progress", "review_state")
    list_filter = ("campaign", "review_state", "lead_unit")
    search_fields = ("content", "indicator__code", "indicator__name")
    autocomplete_fields = ()
    raw_id_fields = ("indicator", "responsible_leader", "responsible_person")
    filter_horizontal = ("cooperating_units",)
    inlines = [MilestoneInline]
    list_select_related = ("campaign", "indicator", "lead_unit", "responsible_leader")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A due date written here reaches the alert fields like any other (services).
        if not change or "due_on" in form.changed_data:
            from .services import task_deadline_refresh

            task_deadline_refresh(task_ids=[obj.pk])


@admin.register(TaskUpdate)
class TaskUpdateAdmin(admin.ModelAdmin):
    list_display = ("task", "kind", "progress", "unit", "author", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("task",)


@admin.register(TaskEvidence)
class TaskEvidenceAdmin(admin.ModelAdmin):
    list_display = ("name", "task", "uploaded_by", "uploaded_at")
    raw_id_fields = ("task", "update")


@admin.register(TaskImport)
class TaskImportAdmin(admin.ModelAdmin):
    list_display = ("original_name", "campaign", "state", "uploaded_by", "uploaded_at", "committed_at")
    readonly_fields = ("summary",)
