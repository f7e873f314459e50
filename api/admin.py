"""Office admins issue and revoke API tokens and register webhook endpoints here; deliveries
are read-only with their responses."""
from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from organizations.admin_audit import AuditedAdminMixin

from .models import ApiToken, WebhookDelivery, WebhookEndpoint
from .services import token_issue, token_revoke


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "name", "expires_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["prefix", "name", "user", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    actions = ["revoke"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        # A token is issued and revoked, never edited: its owner and expiry are fixed.
        return [*self.readonly_fields, "user", "name", "expires_at"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # revoked tokens stay, for the record

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing is editable on a saved token
        token, key = token_issue(user=obj.user, name=obj.name, issued_by=request.user, expires_at=obj.expires_at)
        obj.pk = token.pk
        messages.warning(request, _("令牌只显示这一次，请立即复制：%(key)s") % {"key": key})

    @admin.action(description=_("吊销所选令牌"), permissions=["change"])
    def revoke(self, request, queryset):
        count = sum(token_revoke(token=t, user=request.user) for t in queryset)
        messages.success(request, _("已吊销 %(n)s 个令牌。") % {"n": count})


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "url", "is_active", "events"]
    list_filter = ["is_active"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event", "endpoint", "status", "attempts", "response_code", "error",
                    "next_try_at"]
    list_filter = ["status", "event", "endpoint"]
    readonly_fields = ["endpoint", "event", "key", "payload", "status", "attempts", "response_code",
                       "response_body", "error", "created_at", "next_try_at", "delivered_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
