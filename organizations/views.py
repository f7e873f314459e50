from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .access import get_access, get_unit_for_user
from .models import Unit


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
