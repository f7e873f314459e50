"""Reads of the expert visit's materials: scoped lookups and completeness, shared by the
materials pages, the dashboard panel and the briefing."""
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.http import Http404

from indicators import states
from indicators.states import day_end
from organizations.access import get_access

from .models import MaterialAssignment, MaterialDocument, MaterialFile, MaterialPackage, Status


def visible_assignments(access, campaign=None):
    qs = MaterialAssignment.objects.all()
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return access.scope(qs, field="unit")


def get_assignment_for_user(request, pk):
    assignment = (visible_assignments(get_access(request))
                  .select_related("campaign", "unit", "requirement__indicator__standard").filter(pk=pk).first())
    if assignment is None:
        raise Http404
    return assignment


def get_document_for_user(request, pk):
    document = (MaterialDocument.objects.filter(assignment__in=visible_assignments(get_access(request)))
                .select_related("assignment__campaign", "assignment__unit", "assignment__requirement__indicator")
                .filter(pk=pk).first())
    if document is None:
        raise Http404
    return document


def get_material_file_for_user(request, pk):
    version = (MaterialFile.objects
               .filter(document__assignment__in=visible_assignments(get_access(request)))
               .select_related("document").filter(pk=pk).first())
    if version is None:
        raise Http404
    return version


def get_package_for_user(request, pk):
    """Packages hold every unit's documents: the office's and the leaders' only (others 404)."""
    access = get_access(request)
    if not (access.is_office or access.is_leader):
        raise Http404
    package = MaterialPackage.objects.select_related("campaign").filter(pk=pk).first()
    if package is None:
        raise Http404
    return package


@dataclass
class Completeness:
    complete: int = 0
    total: int = 0

    @property
    def percent(self):
        return round(100 * self.complete / self.total) if self.total else 0

    @property
    def missing(self):
        return self.total - self.complete


@dataclass
class CampaignMaterials:
    overall: Completeness = field(default_factory=Completeness)
    by_indicator: list = field(default_factory=list)  # (indicator, Completeness)
    by_unit: list = field(default_factory=list)  # (unit, Completeness)
    to_review: int = 0
    overdue: int = 0


def campaign_materials(campaign, access, today, *, as_at=False):
    """Completeness per indicator, per unit and overall (complete assignments ÷ assignments),
    within the user's units; a bounded number of queries whatever the size. `as_at`: as at
    the end of `today` from the timestamps (a past week's briefing); complete is terminal,
    so the instant it became complete is kept."""
    qs = visible_assignments(access, campaign)
    if as_at:
        end = day_end(today)
        qs = qs.filter(created_at__lt=end)
        done = Count("pk", filter=Q(status=Status.COMPLETE, completed_at__lt=end))
    else:
        done = Count("pk", filter=Q(status=Status.COMPLETE))
    result = CampaignMaterials()
    totals = qs.aggregate(total=Count("pk"), complete=done)
    result.overall = Completeness(totals["complete"] or 0, totals["total"] or 0)
    from indicators.models import Indicator
    from organizations.models import Unit

    rows = list(qs.values("requirement__indicator").annotate(total=Count("pk"), complete=done))
    indicators = Indicator.objects.in_bulk([r["requirement__indicator"] for r in rows])
    result.by_indicator = sorted(
        ((indicators[r["requirement__indicator"]], Completeness(r["complete"], r["total"])) for r in rows),
        key=lambda p: (p[0].standard_id, p[0].order))
    rows = list(qs.values("unit").annotate(total=Count("pk"), complete=done))
    units = Unit.objects.in_bulk([r["unit"] for r in rows])
    result.by_unit = sorted(((units[r["unit"]], Completeness(r["complete"], r["total"])) for r in rows),
                            key=lambda p: (p[1].percent, p[0].sort_order, p[0].name))
    result.to_review = MaterialDocument.objects.filter(assignment__in=qs,
                                                       review=MaterialDocument.Review.SUBMITTED).count()
    overdue = qs.in_state(states.OVERDUE, today, campaign.alert_policy())
    if as_at:  # not complete by then and past its deadline
        overdue = qs.filter(states.deadline_q(states.OVERDUE, "due_on", today, campaign.alert_policy())).exclude(
            completed_at__lt=day_end(today))
    result.overdue = overdue.count()
    return result


def indicator_completeness(campaign, indicator, access=None):
    qs = MaterialAssignment.objects.filter(campaign=campaign, requirement__indicator=indicator)
    if access is not None:
        qs = access.scope(qs, field="unit")
    agg = qs.aggregate(total=Count("pk"), complete=Count("pk", filter=Q(status=Status.COMPLETE)))
    return Completeness(agg["complete"] or 0, agg["total"] or 0)


def review_queue(campaign):
    return (MaterialDocument.objects.filter(assignment__campaign=campaign, review=MaterialDocument.Review.SUBMITTED)
            .select_related("assignment__unit", "assignment__requirement__indicator")
            .prefetch_related("versions").order_by("created_at", "id"))


class EveryUnit:
    """The access of a job that builds for the office (the weekly briefing): every unit."""

    sees_all = True
    is_office = False
    is_leader = True

    def scope(self, queryset, field="unit"):
        return queryset
