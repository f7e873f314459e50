from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .admin_audit import AuditedAdminMixin
from .models import AuditEntry, Membership, Person, Unit

admin.site.site_header = _("创园指挥中心")
admin.site.site_title = _("创园指挥中心")
admin.site.index_title = _("系统管理")


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
    list_display = ("at", "actor_display", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type", "actor_role")
    list_select_related = ("user", "content_type")
    search_fields = ("object_repr", "user__username", "actor_name", "actor_unit", "note")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class AuditedUserAdmin(AuditedAdminMixin, UserAdmin):
    """Office admins create and edit logins (audited, never the password hash); making a
    superuser or granting single permissions stays with superusers."""

    superuser_only = ("is_superuser", "user_permissions")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [(name, {**opts, "fields": [f for f in opts["fields"] if f not in self.superuser_only]})
                for name, opts in fieldsets]

    def has_delete_permission(self, request, obj=None):
        # Deactivate instead: the audit trail and past records keep pointing at the login.
        return request.user.is_superuser and super().has_delete_permission(request, obj)
