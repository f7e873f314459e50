from django.contrib import admin
from import_export import fields, resources

from organizations.admin_audit import AuditedAdminMixin
from spreadsheets.admin import GatedImportExportMixin

from .models import Campaign, ComplianceSnapshot, Holiday, Indicator, IndicatorValue, Measure, Phase, Standard, \
    StandardNode, Threshold


class ThresholdInline(admin.TabularInline):
    model = Threshold
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "standard", "kind", "measure", "aggregation", "verification")
    list_filter = ("standard", "kind", "verification", "aggregation")
    search_fields = ("code", "name", "measure__key")
    inlines = [ThresholdInline]


@admin.register(Standard)
class StandardAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "title", "version", "tier")


@admin.register(StandardNode)
class StandardNodeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("standard", "level", "code", "name", "parent")
    list_filter = ("standard", "level")


@admin.register(Measure)
class MeasureAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("key", "name", "unit", "is_qualitative", "formula_key")
    search_fields = ("key", "name")


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "city", "kind", "tier", "evaluation_date", "is_active")
    filter_horizontal = ("standards",)
    inlines = [PhaseInline]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("measure", "scope", "as_of", "value", "source", "entered_by")
    list_filter = ("source", "measure")
    date_hierarchy = "as_of"
    raw_id_fields = ("entered_by",)


class HolidayResource(resources.ModelResource):
    """The public-holiday calendar as a spreadsheet the office uploads each year (日期, 名称, 调休上班)."""

    date = fields.Field(attribute="date", column_name="日期", widget=resources.widgets.DateWidget("%Y-%m-%d"))
    name = fields.Field(attribute="name", column_name="名称")
    is_workday = fields.Field(attribute="is_workday", column_name="调休上班", widget=resources.widgets.BooleanWidget())

    class Meta:
        model = Holiday
        import_id_fields = ("date",)
        fields = ("date", "name", "is_workday")
        use_transactions = True
        # All or nothing: one bad row rolls the whole file back (tech-notes).
        rollback_on_validation_errors = True
        skip_unchanged = True
        report_skipped = True


@admin.register(Holiday)
class HolidayAdmin(AuditedAdminMixin, GatedImportExportMixin, admin.ModelAdmin):
    resource_classes = [HolidayResource]
    list_display = ("date", "name", "is_workday")


@admin.register(ComplianceSnapshot)
class ComplianceSnapshotAdmin(admin.ModelAdmin):
    list_display = ("campaign", "indicator", "scope", "date", "value", "status", "gap")
    list_filter = ("campaign", "status")
    date_hierarchy = "date"

    def has_change_permission(self, request, obj=None):
        return False
