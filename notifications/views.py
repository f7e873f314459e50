from django.contrib.auth.decorators import login_required
from organizations.paging import paginate
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from .models import AlertEvent, Notification
from .services import notification_mark_read


@login_required
@require_GET
def notification_list(request):
    qs = Notification.objects.filter(user=request.user).select_related("alert", "alert__unit", "alert__content_type")
    show = request.GET.get("show", "unread")
    level = request.GET.get("level", "")
    if show == "unread":
        qs = qs.filter(read_at__isnull=True)
    if level in AlertEvent.Level.values:
        qs = qs.filter(alert__level=level)
    page = paginate(qs, 50, request.GET.get("page"))
    return render(
        request,
        "notifications/notification_list.html",
        {"page": page, "show": show, "level": level, "levels": AlertEvent.Level.choices},
    )


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


@login_required
@require_GET
def notification_count(request):
    return JsonResponse({"unread": request.user.notifications.filter(read_at__isnull=True).count()})
