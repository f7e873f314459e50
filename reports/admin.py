from django.contrib import admin

from organizations.admin_audit import AuditedAdminMixin

from .models import Briefing, RankingEntry, RankingRule


@admin.register(RankingRule)
class RankingRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("campaign", "period", "weight_on_time", "weight_task_completion", "penalty_overdue",
                    "penalty_returned", "red_count", "black_count")


@admin.register(RankingEntry)
class RankingEntryAdmin(admin.ModelAdmin):
    list_display = ("campaign", "period_start", "rank", "unit", "score", "flag")
    list_filter = ("campaign", "period", "flag")


@admin.register(Briefing)
class BriefingAdmin(admin.ModelAdmin):
    list_display = ("campaign", "number", "week_start", "language", "built_at")
