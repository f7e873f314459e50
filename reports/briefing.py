"""The content of the dashboard's figures and of the weekly briefing, from one function."""
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from indicators.models import format_decimal

from .models import RankingEntry
from .selectors import compliance_view, upcoming_deadlines, week_bounds, work_stats


def headline_figures(campaign, on, unit_ids=None):
    """The numbers both the dashboard and the briefing print for `on`."""
    compliance = compliance_view(campaign, on)
    work = work_stats(campaign, on, unit_ids)
    s = compliance.summary
    return compliance, work, {
        "on": on.isoformat(),
        "days_left": (campaign.evaluation_date - on).days if campaign.evaluation_date else None,
        "veto_failed": [r.indicator.code for r in s.veto_failed],
        "veto_total": s.veto_total,
        "basic": [s.basic_met, s.basic_total],
        "improvement": [s.improvement_met, s.improvement_total],
        "not_met": [r.indicator.code for r in compliance.not_met],
        "work": work.as_dict(),
    }


def work_links(work, *, scoped):
    """The list behind each work figure, with the filters that select exactly the rows the
    figure counts (indicators.states). A unit's figures count what its units lead, so its
    links carry role=lead."""
    from urllib.parse import urlencode

    from django.urls import reverse

    findings, tasks = reverse("finding_list"), reverse("task_list")
    lead = {"role": "lead"} if scoped else {}

    def url(base, **params):
        query = urlencode({**lead, **params})
        return f"{base}?{query}" if query else base

    return {
        "findings_all": url(findings),
        "findings_new": url(findings, date_from=work.week_start.isoformat(), date_to=work.on.isoformat()),
        "findings_closed": url(findings, state="closed", closed_from=work.week_start.isoformat()),
        "findings_open": url(findings, state="open"),
        "findings_overdue": url(findings, state="overdue"),
        "tasks_total": url(tasks),
        "tasks_overdue": url(tasks, status="overdue"),
        "tasks_done": url(tasks, status="done"),
    }


@dataclass
class Capped:
    """A list shown to its first `settings.LIST_LIMITS[key]` rows, most urgent first; the
    page says how many more there are and links to the full list (`url`), whose length is
    `total`: shown rows + more = total = the rows behind the link."""

    key: str
    rows: list
    total: int
    url: str

    @property
    def more(self):
        return self.total - len(self.rows)


def capped(key, rows, url):
    rows = list(rows)
    return Capped(key, rows[: settings.LIST_LIMITS[key]], len(rows), url)


def list_urls(campaign, *, absolute=False, scoped=False):
    """The full list behind each capped list. `absolute`: for the PDF, read outside the
    product (settings.SITE_URL). `scoped`: a unit's dashboard, whose lists are its own."""
    root = settings.SITE_URL if absolute else ""
    urls = {
        "not_met": reverse("campaign_overview", args=[campaign.pk]) + "?status=not_met",
        "overdue_units": reverse("overdue_units"),
        "flags": reverse("ranking"),
        "upcoming": reverse("upcoming_list"),
    }
    return {key: root + url for key, url in urls.items()}


def lead_unit_lists(campaign, compliance, rows, *, absolute=False):
    """{indicator id: Capped lead units} for the indicators shown; the full list is the
    indicator's page (its tasks and who leads them)."""
    root = settings.SITE_URL if absolute else ""
    return {
        r.indicator.id: capped("lead_units", compliance.lead_units.get(r.indicator.id, []),
                               root + reverse("campaign_indicator", args=[campaign.pk, r.indicator.pk]))
        for r in rows
    }


def summary_paragraph(campaign, figures, compliance, work):
    s = compliance.summary
    parts = []
    if figures["days_left"] is not None:
        parts.append(_("距实地考评还有%(n)s天。") % {"n": figures["days_left"]})
    if s.veto_failed:
        # The list separator is a msgid: 、 in Chinese, ", " in English.
        names = _("、").join(r.indicator.display_name for r in s.veto_failed)
        parts.append(_("否决项%(names)s未达标，须作为头号任务攻坚。") % {"names": names})
    elif s.has_veto:
        parts.append(_("否决项全部达标。"))
    if s.has_improvement:
        parts.append(
            _("基本项达标%(bm)s/%(bt)s项，提升项达标%(im)s/%(it)s项。")
            % {"bm": s.basic_met, "bt": s.basic_total, "im": s.improvement_met, "it": s.improvement_total}
        )
    else:
        parts.append(_("基本项达标%(bm)s/%(bt)s项。") % {"bm": s.basic_met, "bt": s.basic_total})
    parts.append(
        _("本周新发现问题%(new)s个，销号%(closed)s个；目前在办%(open)s个，其中逾期%(overdue)s个；逾期任务%(tasks)s项。")
        % {"new": work.findings_new, "closed": work.findings_closed, "open": work.findings_open,
           "overdue": work.findings_overdue, "tasks": work.tasks_overdue}
    )
    # Chinese sentences end in 。 and run on; English ones need a space between them.
    separator = "" if (get_language() or "").startswith("zh") else " "
    return separator.join(parts) if figures else ""


# SVG text does not inherit the page's lang: without a named family Noto's Japanese face is
# picked for the unit names.
SVG_FONT = "Noto Sans CJK SC, Noto Sans SC, sans-serif"


def svg_bars(rows, *, width=520, bar=16, gap=8, colors=("#d93b3b", "#c77700"), legend=()):
    """A horizontal stacked bar chart as inline SVG (vector in the PDF, no JavaScript)."""
    if not rows:
        return ""
    label_w = 130
    top = 24 if legend else 4
    height = top + len(rows) * (bar + gap)
    peak = max(sum(values) for _, *values in rows) or 1
    scale = (width - label_w - 40) / peak
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
           f' font-family="{SVG_FONT}">']
    x = label_w
    for i, name in enumerate(legend):
        out.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{colors[i]}"/>'
                   f'<text x="{x + 14}" y="13" font-size="10" fill="#3b4754">{escape(name)}</text>')
        x += 14 + 12 * len(name) + 16
    for i, (name, *values) in enumerate(rows):
        y = top + i * (bar + gap)
        out.append(f'<text x="{label_w - 6}" y="{y + bar - 4}" font-size="11" text-anchor="end" fill="#17202a">'
                   f"{escape(name)}</text>")
        x = label_w
        for value, color in zip(values, colors):
            w = value * scale
            if w:
                out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{color}"/>')
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + bar - 4}" font-size="11" fill="#3b4754">{sum(values)}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))


def svg_line(points, *, width=520, height=150, color="#208a5f"):
    """Met indicators over the weeks, as an inline SVG polyline."""
    if len(points) < 2:
        return ""
    left, right, top, bottom = 30, 10, 10, 22
    ys = [met for _, met, _ in points]
    totals = [total for _, _, total in points]
    peak = max(totals + ys) or 1
    step = (width - left - right) / (len(points) - 1)

    def y_of(v):
        return top + (height - top - bottom) * (1 - v / peak)

    coords = " ".join(f"{left + i * step:.1f},{y_of(v):.1f}" for i, v in enumerate(ys))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
           f' font-family="{SVG_FONT}">',
           f'<line x1="{left}" y1="{y_of(peak):.1f}" x2="{width - right}" y2="{y_of(peak):.1f}" stroke="#d9dfe5"/>',
           f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="#b7c0ca"/>',
           f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="2.5"/>']
    for i, (d, met, _total) in enumerate(points):
        x = left + i * step
        out.append(f'<circle cx="{x:.1f}" cy="{y_of(met):.1f}" r="2.5" fill="{color}"/>')
        if i % 2 == 0 or i == len(points) - 1:
            out.append(f'<text x="{x:.1f}" y="{height - 6}" font-size="9" text-anchor="middle" fill="#6b7785">'
                       f"{d:%m-%d}</text>")
    out.append(f'<text x="{left - 4}" y="{y_of(peak) + 4:.1f}" font-size="9" text-anchor="end" fill="#6b7785">{peak}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))


def briefing_context(campaign, on, *, number, links=False):
    """What the briefing prints for the week containing `on`, as at the end of `on`.
    `number` None: an unnumbered preview. `links`: each work figure links to its list (the
    preview page; the PDF carries no links)."""
    compliance, work, figures = headline_figures(campaign, on)
    week_start, week_end = week_bounds(on)
    entries = list(
        RankingEntry.objects.filter(campaign=campaign, period_start__lte=on)
        .filter(period_start=RankingEntry.objects.filter(campaign=campaign, period_start__lte=on)
                .order_by("-period_start").values("period_start")[:1])
        .select_related("unit")
        .order_by("rank")
    )
    red = [e for e in entries if e.flag == "red"]
    black = [e for e in entries if e.flag == "black"]
    figures["red"] = [e.unit.name for e in red]
    figures["black"] = [e.unit.name for e in black]
    upcoming = upcoming_deadlines(campaign, on, days=7)
    urls = list_urls(campaign, absolute=not links)
    lists = {
        "not_met": capped("not_met", compliance.not_met, urls["not_met"]),
        "overdue_units": capped("overdue_units", work.overdue_by_unit, urls["overdue_units"]),
        "red": capped("flags", red, urls["flags"]),
        "black": capped("flags", black, urls["flags"]),
        "upcoming": capped("upcoming", upcoming, urls["upcoming"]),
    }
    figures["upcoming"] = [[due.isoformat(), kind, text, unit] for due, kind, text, unit in lists["upcoming"].rows]
    figures["upcoming_total"] = len(upcoming)
    upcoming_kinds = {"finding": 0, "task": 0}
    for row in upcoming:
        upcoming_kinds[row.kind] += 1
    return {
        "campaign": campaign,
        "number": number,
        "on": on,
        "week_start": week_start,
        "week_end": week_end,
        "figures": figures,
        "c": compliance,
        "work": work,
        "params": campaign.params(),
        "summary": summary_paragraph(campaign, figures, compliance, work),
        "upcoming": upcoming,
        "upcoming_kinds": upcoming_kinds,
        "lists": lists,
        "lead_units": lead_unit_lists(campaign, compliance, lists["not_met"].rows, absolute=not links),
        "show_urls": not links,  # paper has no links: print where the full list is
        "links": {**work_links(work, scoped=False), "upcoming": urls["upcoming"]} if links else None,
        "red": red,
        "black": black,
        "overdue_chart": svg_bars(
            [(name, f, t) for name, f, t in lists["overdue_units"].rows],
            legend=(_("逾期问题"), _("逾期任务")),
        ),
        "met_chart": svg_line(compliance.met_history),
        "format_decimal": format_decimal,
    }
