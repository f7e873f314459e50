"""Demo ranking history (twelve weeks) and last week's briefing in both languages."""
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import Briefing
from .selectors import week_bounds
from .services import briefing_build, ranking_write

WEEKS = 12


def seed(context):
    campaign = context["campaign"]
    if Briefing.objects.filter(campaign=campaign).exists():
        return
    this_week = week_bounds(timezone.localdate())[0]
    for k in range(WEEKS, 0, -1):
        ranking_write(campaign=campaign, day=this_week - timedelta(weeks=k) + timedelta(days=6))
    ranking_write(campaign=campaign, day=timezone.localdate())
    last_week = this_week - timedelta(weeks=1)
    for code, _ in settings.LANGUAGES:
        briefing_build(campaign=campaign, week_start=last_week, language=code)
