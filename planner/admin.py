from django.contrib import admin
from django.urls import reverse

from organizations.admin_audit import ProductPageAdminMixin

from .models import CityMap, Plan, PlanItem

# Pins, exclusions and tasks change on the plan page (planner.services, audited). Read-only here.


@admin.register(Plan)
class PlanAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ("campaign", "indicator", "created_by", "updated_at")
    list_select_related = ("campaign", "indicator", "created_by")

    def product_url(self, obj):
        return reverse("plan_detail", args=[obj.campaign_id, obj.indicator_id])


@admin.register(PlanItem)
class PlanItemAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ("plan", "label", "district", "quantity", "unit", "task")
    list_select_related = ("plan__campaign", "plan__indicator", "task")

    def product_url(self, obj):
        return reverse("plan_detail", args=[obj.plan.campaign_id, obj.plan.indicator_id])


@admin.register(CityMap)
class CityMapAdmin(ProductPageAdminMixin, admin.ModelAdmin):
    list_display = ("city", "original_name", "uploaded_by", "uploaded_at")
    exclude = ("outlines",)

    def product_url(self, obj):
        return reverse("planner_map")
