from django.contrib import admin
from django.urls import reverse
from import_export import fields, resources

from organizations.admin_audit import AuditedAdminMixin, ProductPageAdminMixin, ReadOnlyInline
from spreadsheets.admin import GatedImportExportMixin

from .models import Campaign, ComplianceSnapshot, Holiday, Indicator, IndicatorValue, Measure, Phase, Standard, \
    StandardNode, Threshold


class ThresholdInline(ReadOnlyInline):
    model = Threshold


@admin.register(Indicator)
class IndicatorAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    """Indicators and thresholds change on the library page (indicator_update: validation,
    audit, recompute) or by the standard's Excel round trip, not here."""

    list_display = ("code", "name", "standard", "kind", "measure", "aggregation", "verification")
    list_filter = ("standard", "kind", "verification", "aggregation")
    search_fields = ("code", "name", "measure__key")
    list_select_related = ("standard", "measure")
    inlines = [ThresholdInline]

    def product_url(self, obj):
        return reverse("standard_indicator_edit", args=[obj.standard.code, obj.code])


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
class IndicatorValueAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    """Values are typed on the indicator page or computed from ledgers (indicator_value_record:
    audit, recompute, no typing over a computed value)."""

    list_display = ("measure", "scope", "as_of", "value", "source", "entered_by")
    list_filter = ("source", "measure")
    list_select_related = ("measure", "scope", "entered_by")
    date_hierarchy = "as_of"

    def product_url(self, obj):
        return reverse("ledger_value", args=[obj.pk])


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
class ComplianceSnapshotAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ("campaign", "indicator", "scope", "date", "value", "status", "gap")
    list_filter = ("campaign", "status")
    list_select_related = ("campaign", "indicator", "scope")
    date_hierarchy = "date"

    def product_url(self, obj):
        return reverse("campaign_indicator", args=[obj.campaign_id, obj.indicator_id])
