from django.contrib import admin

from .models import Ledger, LedgerRow, LedgerUpload, LedgerVersion


@admin.register(Ledger)
class LedgerAdmin(admin.ModelAdmin):
    list_display = ("unit", "ledger_type", "city", "created_at")
    list_filter = ("ledger_type",)
    search_fields = ("unit__name",)


@admin.register(LedgerUpload)
class LedgerUploadAdmin(admin.ModelAdmin):
    list_display = ("ledger", "original_name", "status", "row_count", "error_count", "uploaded_by", "uploaded_at")
    list_filter = ("status", "ledger__ledger_type")
    exclude = ("result",)  # can be megabytes; the preview page shows it
    readonly_fields = [f.name for f in LedgerUpload._meta.fields if f.name != "result"]


@admin.register(LedgerVersion)
class LedgerVersionAdmin(admin.ModelAdmin):
    list_display = ("ledger", "number", "is_current", "row_count", "confirmed_by", "confirmed_at")
    list_filter = ("is_current", "ledger__ledger_type")
    readonly_fields = [f.name for f in LedgerVersion._meta.fields]


@admin.register(LedgerRow)
class LedgerRowAdmin(admin.ModelAdmin):
    list_display = ("version", "row_number", "natural_key")
    list_select_related = ("version__ledger__unit",)
    readonly_fields = ("version", "row_number", "sheet", "natural_key", "data")
