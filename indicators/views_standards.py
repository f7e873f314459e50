from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import Standard


@login_required
@require_GET
def standard_list(request):
    return render(request, "indicators/standard_list.html", {"standards": Standard.objects.all()})
