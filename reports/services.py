"""Writes of the reports app: ranking periods and weekly briefings. Both are idempotent."""
import calendar
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import translation

from organizations.pdf import render_pdf

from .models import Briefing, RankingEntry, RankingRule
from .ranking import rank_units
from .selectors import ranking_metrics, week_bounds


def period_bounds(period, day):
    if period == RankingRule.Period.MONTH:
        start = day.replace(day=1)
        return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return week_bounds(day)


def ranking_rule_for(campaign):
    rule, _ = RankingRule.objects.get_or_create(campaign=campaign)
    return rule


def ranking_write(*, campaign, day):
    """Score every unit for the period containing `day` and store the result (replacing
    any earlier computation of that period)."""
    rule = ranking_rule_for(campaign)
    start, end = period_bounds(rule.period, day)
    ranked = rank_units(ranking_metrics(campaign, start, min(end, day)), rule)
    with transaction.atomic():
        RankingEntry.objects.filter(campaign=campaign, period=rule.period, period_start=start).exclude(
            unit_id__in=[r.metrics.unit_id for r in ranked]
        ).delete()
        for r in ranked:
            RankingEntry.objects.update_or_create(
                campaign=campaign, period=rule.period, period_start=start, unit_id=r.metrics.unit_id,
                defaults={"score": r.score, "rank": r.rank, "flag": r.flag, "metrics": r.metrics.as_dict()},
            )
    return ranked


def briefing_number(campaign, week_start):
    """第N期 follows from the week: weeks since the campaign's first phase (or first briefing)."""
    first = campaign.phases.order_by("starts_on").values_list("starts_on", flat=True).first()
    origin = week_bounds(first or week_start)[0]
    return max(1, (week_start - origin).days // 7 + 1)


def briefing_as_of(week_start, today):
    """The day a week's figures are taken at: its Sunday, or today for the week under way
    (a Sunday still to come would count Saturday's deadlines as already missed)."""
    return min(week_start + timedelta(days=6), today)


def briefing_preview(*, campaign, today, language="zh-hans", links=False):
    """The current week's briefing as at today, unnumbered and not stored: what a leader
    may look at any time; only the office issues the numbered one (briefing_build)."""
    from .briefing import briefing_context

    with translation.override(language):
        return briefing_context(campaign, today, number=None, links=links)


def briefing_build(*, campaign, week_start: date, language="zh-hans", user=None, today=None):
    """Build (or rebuild) the numbered weekly briefing of the week starting `week_start` with
    the figures as at that week's end (Sunday; today for the week under way), in one language."""
    from django.utils import timezone

    from .briefing import briefing_context

    week_start = week_bounds(week_start)[0]
    on = briefing_as_of(week_start, today or timezone.localdate())
    with translation.override(language):
        context = briefing_context(campaign, on, number=briefing_number(campaign, week_start))
        pdf = render_pdf("reports/briefing_pdf.html", context)
    filename = f"briefing-{campaign.pk}-{week_start:%Y%m%d}-{language}.pdf"
    with transaction.atomic():
        briefing, _ = Briefing.objects.select_for_update().get_or_create(
            campaign=campaign, week_start=week_start, language=language,
            defaults={"number": context["number"], "figures": {}},
        )
        old = briefing.pdf.name if briefing.pdf else None
        briefing.number = context["number"]
        briefing.figures = context["figures"]
        briefing.built_by = user if user is not None and user.is_authenticated else None
        briefing.pdf.save(filename, ContentFile(pdf), save=False)
        briefing.save()
        from api.webhooks import on_briefing_issued  # webhook hook (issue #14)

        on_briefing_issued(briefing)
    if old and old != briefing.pdf.name:
        briefing.pdf.storage.delete(old)
    return briefing
