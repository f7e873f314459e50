from django.contrib import admin
from django.urls import reverse

from organizations.admin_audit import ProductPageAdminMixin

from .models import AlertEvent, DeliveryAttempt, Notification, NotificationPreference, UnitChannel

# Machine records of the alert jobs: read-only.


class _Notifications(ProductPageAdminMixin, admin.ModelAdmin):
    def product_url(self, obj):
        return reverse("notification_list")


@admin.register(AlertEvent)
class AlertEventAdmin(_Notifications):
    list_display = ("created_at", "kind", "level", "title", "campaign", "unit", "deadline", "processed_at", "attempts")
    list_filter = ("kind", "level", "campaign")
    search_fields = ("title",)


@admin.register(Notification)
class NotificationAdmin(_Notifications):
    list_display = ("created_at", "user", "alert", "read_at", "superseded_by")


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(_Notifications):
    list_display = ("at", "alert", "channel", "recipient", "ok")
    list_filter = ("channel", "ok")


class ViewOnly:
    """Changed on the product's pages (with the audit trail), looked at here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("user", "email", "sms", "quiet_start", "quiet_end")


@admin.register(UnitChannel)
class UnitChannelAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("unit", "kind", "msgtype", "enabled")
    list_filter = ("kind", "enabled")
    exclude = ("secret",)  # set on the office's page; never shown back
