from django.contrib import admin

from .admin_audit import AuditedAdminMixin
from .models import AuditEntry, Membership, Person, Unit


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0
    fields = ("name", "title", "phone", "email", "is_leader", "user")
    autocomplete_fields = ("user",)


@admin.register(Unit)
class UnitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "short_name", "kind", "parent", "responsible_leader", "sort_order")
    list_filter = ("kind",)
    search_fields = ("name", "short_name")
    autocomplete_fields = ("parent", "responsible_leader")
    inlines = [PersonInline]


@admin.register(Person)
class PersonAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "title", "unit", "phone", "is_leader", "user")
    list_filter = ("is_leader", "unit__kind")
    search_fields = ("name", "title", "unit__name", "phone")
    autocomplete_fields = ("unit", "user")


@admin.register(Membership)
class MembershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "unit", "role")
    list_filter = ("role",)
    search_fields = ("user__username", "unit__name")
    autocomplete_fields = ("user", "unit")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "user__username", "note")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
