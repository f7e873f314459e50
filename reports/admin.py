from django.contrib import admin
from django.urls import reverse

from organizations.admin_audit import AuditedAdminMixin, ProductPageAdminMixin

from .models import Briefing, RankingEntry, RankingRule


@admin.register(RankingRule)
class RankingRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("campaign", "period", "weight_on_time", "weight_task_completion", "penalty_overdue",
                    "penalty_returned", "red_count", "black_count")


@admin.register(RankingEntry)
class RankingEntryAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ("campaign", "period_start", "rank", "unit", "score", "flag")
    list_filter = ("campaign", "period", "flag")

    def product_url(self, obj):
        return reverse("ranking")


@admin.register(Briefing)
class BriefingAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ("campaign", "number", "week_start", "language", "built_at")

    def product_url(self, obj):
        return reverse("briefing_list")
