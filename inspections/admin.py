"""Read-only admin: findings, rounds, extensions, orders and accountability records change on the
inspection pages, through their services (events, audit trail, alert fields, notifications)."""
from django.contrib import admin
from django.urls import reverse

from organizations.admin_audit import ProductPageAdminMixin, ReadOnlyInline

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


class EventInline(ReadOnlyInline):
    model = FindingEvent
    fields = ["at", "kind", "actor_name", "from_status", "to_status", "note", "deadline_before", "deadline_after"]
    readonly_fields = fields


class PhotoInline(ReadOnlyInline):
    model = FindingPhoto
    fields = ["kind", "original_name", "width", "height", "size", "location_stripped", "uploaded_at"]
    readonly_fields = fields


@admin.register(Finding)
class FindingAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ["id", "description", "unit", "status", "deadline", "alert_level", "campaign"]
    list_filter = ["campaign", "status", "alert_level", "source", "category"]
    search_fields = ["description", "address"]
    list_select_related = ["unit", "campaign"]
    inlines = [PhotoInline, EventInline]

    def product_url(self, obj):
        return reverse("finding_detail", args=[obj.pk])


@admin.register(InspectionRound)
class InspectionRoundAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ["date", "kind", "title", "area", "campaign"]
    list_filter = ["campaign", "kind"]

    def product_url(self, obj):
        return reverse("round_detail", args=[obj.pk])


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ["finding", "current_deadline", "requested_deadline", "status", "requested_at"]
    list_filter = ["status"]

    def product_url(self, obj):
        return reverse("finding_detail", args=[obj.finding_id])


@admin.register(AccountabilityRecord)
class AccountabilityRecordAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ["date", "unit", "kind", "title", "campaign"]
    list_filter = ["campaign", "kind"]

    def product_url(self, obj):
        return reverse("finding_accountability_unit", args=[obj.unit_id])


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ["number", "kind", "unit", "issued_at", "issued_by_name"]
    list_filter = ["campaign", "kind", "year"]

    def product_url(self, obj):
        return reverse("finding_order_pdf", args=[obj.pk])


@admin.register(InspectionSettings)
class InspectionSettingsAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    def product_url(self, obj):
        return reverse("finding_settings")
