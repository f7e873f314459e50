from django.contrib import admin
from django.urls import reverse

from organizations.admin_audit import ProductPageAdminMixin

from .models import AlertEvent, DeliveryAttempt, Notification

# Machine records of the alert jobs: read-only.


class _Notifications(ProductPageAdminMixin, admin.ModelAdmin):
    def product_url(self, obj):
        return reverse("notification_list")


@admin.register(AlertEvent)
class AlertEventAdmin(_Notifications):
    list_display = ("created_at", "level", "title", "unit", "deadline", "processed_at", "attempts")
    list_filter = ("level", "campaign")
    search_fields = ("title",)


@admin.register(Notification)
class NotificationAdmin(_Notifications):
    list_display = ("created_at", "user", "alert", "read_at")


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(_Notifications):
    list_display = ("at", "alert", "channel", "recipient", "ok")
