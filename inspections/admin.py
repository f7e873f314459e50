"""Read-mostly admin for support staff; state changes go through the pages (services)."""
from django.contrib import admin

from .models import (
    AccountabilityRecord,
    ExtensionRequest,
    Finding,
    FindingEvent,
    FindingPhoto,
    InspectionRound,
    InspectionSettings,
    SupervisionOrder,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = FindingEvent
    fields = ["at", "kind", "actor_name", "from_status", "to_status", "note", "deadline_before", "deadline_after"]
    readonly_fields = fields


class PhotoInline(ReadOnlyInline):
    model = FindingPhoto
    fields = ["kind", "original_name", "width", "height", "size", "location_stripped", "uploaded_at"]
    readonly_fields = fields


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["id", "description", "unit", "status", "deadline", "alert_level", "campaign"]
    list_filter = ["campaign", "status", "alert_level", "source", "category"]
    search_fields = ["description", "address"]
    raw_id_fields = ["round", "indicator", "unit", "created_by"]
    # Status, deadline and alerts move only through services (events, audit).
    readonly_fields = ["status", "deadline", "alert_level", "next_alert_at", "submitted_at", "closed_at",
                       "created_by", "created_at"]
    inlines = [PhotoInline, EventInline]


@admin.register(InspectionRound)
class InspectionRoundAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "title", "area", "campaign"]
    list_filter = ["campaign", "kind"]
    filter_horizontal = ["team"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(admin.ModelAdmin):
    list_display = ["finding", "current_deadline", "requested_deadline", "status", "requested_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ExtensionRequest._meta.fields]


@admin.register(AccountabilityRecord)
class AccountabilityRecordAdmin(admin.ModelAdmin):
    list_display = ["date", "unit", "kind", "title", "campaign"]
    list_filter = ["campaign", "kind"]
    raw_id_fields = ["findings"]


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "unit", "issued_at", "issued_by_name"]
    list_filter = ["campaign", "kind", "year"]
    readonly_fields = [f.name for f in SupervisionOrder._meta.fields]


admin.site.register(InspectionSettings)
