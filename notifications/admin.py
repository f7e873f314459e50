from django.contrib import admin

from .models import AlertEvent, DeliveryAttempt, Notification


@admin.register(AlertEvent)
class AlertEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "level", "title", "unit", "deadline", "processed_at", "attempts")
    list_filter = ("level", "campaign")
    search_fields = ("title",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "alert", "read_at")


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(admin.ModelAdmin):
    list_display = ("at", "alert", "channel", "recipient", "ok")
