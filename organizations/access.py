"""Who may see what. Every view goes through these helpers.

Office admins, leaders and inspectors work across the whole campaign; unit staff see only
their own units (and the streets below them). Objects outside a user's units are 404.
"""
from functools import cached_property

from django.http import Http404

from .models import Membership, Unit

WIDE_ROLES = {Membership.Role.OFFICE, Membership.Role.LEADER, Membership.Role.INSPECTOR}


class Access:
    def __init__(self, user):
        self.user = user

    @cached_property
    def roles(self):
        if not self.user.is_authenticated:
            return frozenset()
        return frozenset(self.user.memberships.values_list("role", flat=True))

    @property
    def is_office(self):
        return self.user.is_superuser or Membership.Role.OFFICE in self.roles

    @property
    def is_leader(self):
        return Membership.Role.LEADER in self.roles

    @property
    def is_inspector(self):
        return Membership.Role.INSPECTOR in self.roles

    @property
    def sees_all(self):
        return self.user.is_superuser or bool(self.roles & WIDE_ROLES)

    @cached_property
    def own_unit_ids(self):
        """Units the user is staff of, with their descendants (a district's streets)."""
        if not self.user.is_authenticated:
            return frozenset()
        roots = set(self.user.memberships.values_list("unit_id", flat=True))
        return frozenset(descendant_ids(roots))

    @cached_property
    def staff_unit_ids(self):
        """Units the user works in as unit staff (with their descendants): the units whose
        work the user may change. A leader's or inspector's membership does not count."""
        if not self.user.is_authenticated:
            return frozenset()
        roots = set(
            self.user.memberships.filter(role=Membership.Role.UNIT_STAFF).values_list("unit_id", flat=True)
        )
        return frozenset(descendant_ids(roots)) if roots else frozenset()

    def unit_ids(self):
        """None means every unit."""
        return None if self.sees_all else self.own_unit_ids

    def can_see_unit(self, unit_id):
        return self.sees_all or unit_id in self.own_unit_ids

    def scope(self, queryset, field="unit"):
        """Restrict a queryset to rows whose `field` (a unit FK path) is one of the user's units."""
        if self.sees_all:
            return queryset
        return queryset.filter(**{f"{field}__in": self.own_unit_ids})


def descendant_ids(root_ids):
    result = set(root_ids)
    frontier = set(root_ids)
    while frontier:
        frontier = set(Unit.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - result
        result |= frontier
    return result


def get_access(request):
    if not hasattr(request, "_access"):
        request._access = Access(request.user)
    return request._access


def get_object_for_user(request, queryset, field="unit", **lookup):
    """Fetch one object, 404 when it does not exist or lies outside the user's units."""
    obj = get_access(request).scope(queryset, field).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def get_unit_for_user(request, pk):
    """A unit page (or a unit's accountability page): the user's units and their streets only."""
    return get_object_for_user(request, Unit.objects.select_related("parent"), field="id", pk=pk)


def require_office(request):
    from django.core.exceptions import PermissionDenied

    if not get_access(request).is_office:
        raise PermissionDenied
