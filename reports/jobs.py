"""Weekly briefing job: Monday 08:00 (Asia/Shanghai) builds last week's issue."""
import logging
from datetime import date, timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def build_weekly_briefing(campaign_id, week_start=None):
    """Ranking and briefing (every language) for one campaign and week; a rerun replaces them."""
    from indicators.models import Campaign

    from .selectors import week_bounds
    from .services import briefing_build, ranking_write

    campaign = Campaign.objects.get(pk=campaign_id)
    if week_start is None:
        week_start = week_bounds(timezone.localdate() - timedelta(days=7))[0].isoformat()
    start = date.fromisoformat(week_start)
    ranking_write(campaign=campaign, day=start + timedelta(days=6))
    built = [briefing_build(campaign=campaign, week_start=start, language=code).pk for code, _ in settings.LANGUAGES]
    logger.info("build_weekly_briefing campaign=%s week=%s briefings=%s", campaign_id, week_start, built)
    return built


@shared_task
def build_all_weekly_briefings():
    from indicators.models import Campaign

    for campaign_id in Campaign.objects.filter(is_active=True).values_list("id", flat=True):
        try:
            build_weekly_briefing(campaign_id)
        except Exception:  # one campaign's failure must not stop the others
            logger.exception("weekly briefing failed for campaign %s", campaign_id)
