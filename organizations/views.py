import math

from axes.utils import reset as axes_reset
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .access import get_access, get_unit_for_user
from .models import Unit
from .selectors import login_unlock_at


@login_required
@require_GET
def unit_list(request):
    units = get_access(request).scope(Unit.objects.select_related("parent"), field="id").prefetch_related("people")
    groups = {}
    for unit in units:
        groups.setdefault(unit.get_kind_display(), []).append(unit)
    return render(request, "organizations/unit_list.html", {"groups": groups})


@login_required
@require_GET
def unit_detail(request, pk):
    unit = get_unit_for_user(request, pk)
    return render(
        request,
        "organizations/unit_detail.html",
        {
            "unit": unit,
            "people": unit.people.select_related("user"),
            "children": unit.children.all(),
            "members": unit.memberships.select_related("user", "user__person"),
        },
    )


def login_locked(request, response, credentials):
    """The lock page django-axes shows instead of the login (AXES_LOCKOUT_CALLABLE)."""
    seconds = (login_unlock_at(request, credentials) - timezone.now()).total_seconds()
    minutes = max(1, math.ceil(seconds / 60))
    return render(request, "registration/login_locked.html", {"minutes": minutes, "bare_layout": True}, status=429)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's last reset step; a new password set through the mailed link also lifts the
    login lock on that user name (the link proves the mailbox, which a guesser lacks)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response
