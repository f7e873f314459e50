"""Admin edits go through the audit trail too: a mixin that records old → new per field."""
from django.forms.models import model_to_dict

from .audit import audit_record
from .models import AuditEntry


class AuditedAdminMixin:
    def save_model(self, request, obj, form, change):
        before = model_to_dict(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else {}
        super().save_model(request, obj, form, change)
        after = model_to_dict(obj)
        changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v and k != "id"}
        if changes or not change:
            audit_record(obj=obj, action=AuditEntry.Action.UPDATE if change else AuditEntry.Action.CREATE,
                         user=request.user, changes=changes, note="admin")

    def save_formset(self, request, form, formset, change):
        befores = {o.pk: model_to_dict(o) for o in formset.get_queryset()} if formset.is_bound else {}
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit_record(obj=obj, action=AuditEntry.Action.DELETE, user=request.user, note="admin")
            obj.delete()
        for obj in instances:
            before = befores.get(obj.pk, {})
            obj.save()
            after = model_to_dict(obj)
            changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v and k != "id"}
            audit_record(obj=obj, action=AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE,
                         user=request.user, changes=changes, note="admin")
        formset.save_m2m()

    def delete_model(self, request, obj):
        audit_record(obj=obj, action=AuditEntry.Action.DELETE, user=request.user, note="admin")
        super().delete_model(request, obj)
