"""Requirements are configuration: edited here by the office, every write audited. Assignments,
documents and packages change on the materials pages through their services (deadlines and
alerts, reviews, versions): read-only here with a link to that page."""
from django.contrib import admin
from django.urls import reverse

from organizations.admin_audit import AuditedAdminMixin, ProductPageAdminMixin, ReadOnlyInline

from .models import (
    MaterialAssignment,
    MaterialDocument,
    MaterialFile,
    MaterialPackage,
    MaterialRequirement,
    Point,
    Route,
    RouteStop,
)


@admin.register(MaterialRequirement)
class MaterialRequirementAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["indicator", "order", "title", "years", "needs_check"]
    list_filter = ["indicator__standard", "needs_check"]
    search_fields = ["title", "description", "indicator__code", "indicator__name"]
    list_select_related = ["indicator"]
    autocomplete_fields = []
    raw_id_fields = ["indicator"]


@admin.register(MaterialAssignment)
class MaterialAssignmentAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ["requirement", "unit", "due_on", "status", "alert_level", "campaign"]
    list_filter = ["campaign", "status", "alert_level"]
    list_select_related = ["requirement__indicator", "unit", "campaign"]

    def product_url(self, obj):
        return reverse("material_assignment", args=[obj.pk])


class FileInline(ReadOnlyInline):
    model = MaterialFile
    fields = ["number", "original_name", "kind", "size", "uploaded_at"]
    readonly_fields = fields


@admin.register(MaterialDocument)
class MaterialDocumentAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ["title", "doc_number", "doc_date", "pages", "review", "assignment"]
    list_filter = ["review"]
    search_fields = ["title", "doc_number"]
    inlines = [FileInline]

    def product_url(self, obj):
        return reverse("material_assignment", args=[obj.assignment_id])


@admin.register(MaterialPackage)
class MaterialPackageAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ["campaign", "state", "document_count", "created_at", "finished_at"]

    def product_url(self, obj):
        return reverse("material_package", args=[obj.pk])


@admin.register(Point)
class PointAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "district", "owner", "leader", "campaign"]
    list_filter = ["campaign", "kind"]
    search_fields = ["name", "address"]

    def product_url(self, obj):
        return reverse("point_detail", args=[obj.pk])


class StopInline(ReadOnlyInline):
    model = RouteStop
    fields = ["order", "point", "planned_time", "minutes"]
    readonly_fields = fields


@admin.register(Route)
class RouteAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ["name", "purpose", "planned_on", "campaign"]
    inlines = [StopInline]

    def product_url(self, obj):
        return reverse("route_board", args=[obj.pk])
