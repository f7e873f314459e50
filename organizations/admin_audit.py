"""Every admin write is audited or refused.

- AuditedAdminMixin: configuration models edited in the admin; every save, inline change,
  delete and bulk delete writes an audit row (old → new per field, person, unit and role).
- ProductPageAdminMixin: rows whose writes belong to a service (tasks, findings, rounds, ledgers,
  values, indicators with their thresholds, machine records): read-only in the admin, with a
  link to the page where the service changes them, its checks, recomputes and alerts included.
"""
from django.contrib import admin
from django.forms.models import model_to_dict
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .audit import audit_record, audit_record_many
from .models import AuditEntry

# Never copied into the trail: a password hash is a secret, login times are not edits.
UNAUDITED_FIELDS = {"id", "password", "last_login"}


def _changes(before, after):
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v and k not in UNAUDITED_FIELDS}


class AuditedAdminMixin:
    def save_model(self, request, obj, form, change):
        before = model_to_dict(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else {}
        super().save_model(request, obj, form, change)
        after = model_to_dict(obj)
        changes = _changes(before, after)
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
            changes = _changes(before, model_to_dict(obj))
            audit_record(obj=obj, action=AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE,
                         user=request.user, changes=changes, note="admin")
        formset.save_m2m()

    def delete_model(self, request, obj):
        audit_record(obj=obj, action=AuditEntry.Action.DELETE, user=request.user, note="admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The admin's bulk "delete selected": one audit row per row, written before the rows go.
        audit_record_many(objs=list(queryset), action=AuditEntry.Action.DELETE, user=request.user,
                          note="admin: delete selected")
        super().delete_queryset(request, queryset)


class ProductPageAdminMixin:
    """View-only in the admin; `product_url(obj)` names the page that changes the row."""

    product_link_label = _("在业务页面查看和修改")

    def product_url(self, obj):
        return None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("业务页面"))
    def product_link(self, obj):
        url = self.product_url(obj) if obj is not None and obj.pk else None
        return format_html('<a href="{}">{} →</a>', url, self.product_link_label) if url else "—"

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "product_link"]
        return ["product_link", *fields]

    def get_readonly_fields(self, request, obj=None):
        return ["product_link", *[f for f in super().get_readonly_fields(request, obj) if f != "product_link"]]

    def get_list_display(self, request):
        return [*super().get_list_display(request), "product_link"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
