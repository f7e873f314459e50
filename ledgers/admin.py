from django.contrib import admin
from django.urls import reverse

from organizations.admin_audit import AuditedAdminMixin, ProductPageAdminMixin

from .models import HeaderAlias, Ledger, LedgerRow, LedgerUpload, LedgerVersion

# Ledgers change only by upload → preview → confirm (versions, values recomputed, audit).


@admin.register(Ledger)
class LedgerAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ("unit", "ledger_type", "city", "created_at")
    list_filter = ("ledger_type",)
    search_fields = ("unit__name",)
    list_select_related = ("unit", "city")

    def product_url(self, obj):
        return reverse("ledger_detail", args=[obj.pk])


@admin.register(LedgerUpload)
class LedgerUploadAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ("ledger", "original_name", "status", "row_count", "error_count", "uploaded_by", "uploaded_at")
    list_filter = ("status", "ledger__ledger_type")
    list_select_related = ("ledger__unit", "uploaded_by")
    exclude = ("result",)  # the preview page shows it

    def product_url(self, obj):
        return reverse("ledger_upload_detail", args=[obj.pk])


@admin.register(LedgerVersion)
class LedgerVersionAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ("ledger", "number", "is_current", "row_count", "confirmed_by", "confirmed_at")
    list_filter = ("is_current", "ledger__ledger_type")
    list_select_related = ("ledger__unit", "confirmed_by")

    def product_url(self, obj):
        return reverse("ledger_version", args=[obj.pk])


@admin.register(LedgerRow)
class LedgerRowAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ("version", "row_number", "natural_key")
    list_select_related = ("version__ledger__unit",)

    def product_url(self, obj):
        return reverse("ledger_version", args=[obj.version_id])


@admin.register(HeaderAlias)
class HeaderAliasAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Configuration: the office may edit spellings here too (checked by HeaderAlias.clean,
    audited); the product page is /ledgers/headers/."""

    list_display = ("header", "ledger_type", "column", "unit", "city", "created_by", "created_at")
    list_filter = ("ledger_type",)
    search_fields = ("header",)
    list_select_related = ("unit", "city", "created_by")
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
