from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from organizations.paging import paginate
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from organizations.sessions import background_poll
from organizations.access import get_access, require_office

from .channels import enabled_channels
from .forms import PreferenceForm, UnitChannelForm
from .models import AlertEvent, Notification, UnitChannel
from .services import (
    notification_mark_read,
    notification_preference_update,
    unit_channel_delete,
    unit_channel_save,
)

EVENTS = "events"  # the list's filter for everything that is not a deadline alert


@login_required
@require_GET
def notification_list(request):
    qs = Notification.objects.filter(user=request.user).select_related(
        "alert", "alert__unit", "alert__campaign", "superseded_by")
    show = request.GET.get("show", "unread")
    level = request.GET.get("level", "")
    if show == "unread":
        qs = qs.filter(read_at__isnull=True)
    if level in AlertEvent.Level.values:
        qs = qs.filter(alert__kind=AlertEvent.Kind.DEADLINE, alert__level=level)
    elif level == EVENTS:
        qs = qs.exclude(alert__kind=AlertEvent.Kind.DEADLINE)
    else:
        level = ""
    page = paginate(qs, 50, request.GET.get("page"))
    levels = AlertEvent.Level.choices + [(EVENTS, _("业务通知"))]
    return render(
        request,
        "notifications/notification_list.html",
        {"page": page, "show": show, "level": level, "levels": levels, "is_office": get_access(request).is_office},
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    form = PreferenceForm.for_user(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            notification_preference_update(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        else:
            messages.success(request, _("通知设置已保存。"))
            return redirect("notification_preferences")
    person = getattr(request.user, "person", None)
    return render(request, "notifications/preferences.html", {
        "form": form,
        "phone": getattr(person, "phone", ""),
        "address": request.user.email or getattr(person, "email", ""),
        "sms_available": any(c.name == "sms" for c in enabled_channels()),
    })


@login_required
@require_http_methods(["GET", "POST"])
def unit_channel_list(request):
    require_office(request)
    form = UnitChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit_channel_save(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已添加群机器人。"))
            return redirect("unit_channel_list")
    channels = UnitChannel.objects.select_related("unit")
    return render(request, "notifications/unit_channels.html", {"form": form, "channels": channels})


@login_required
@require_POST
def unit_channel_delete_view(request, pk):
    require_office(request)
    channel = get_object_or_404(UnitChannel, pk=pk)
    unit_channel_delete(user=request.user, channel=channel)
    messages.success(request, _("已删除群机器人。"))
    return redirect("unit_channel_list")


@login_required
@require_POST
def notification_read(request, pk):
    notification = get_object_or_404(Notification.objects.select_related("alert"), pk=pk, user=request.user)
    notification_mark_read(user=request.user, notification_id=notification.pk)
    target = notification.alert.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notification_list")


@login_required
@require_POST
def notification_read_all(request):
    notification_mark_read(user=request.user)
    return redirect("notification_list")


@background_poll
@login_required
@require_GET
def notification_count(request):
    return JsonResponse({"unread": request.user.notifications.filter(read_at__isnull=True).count()})
