"""The one definition of a finding's states: the queryset and the pure method agree on every
row, on today's stored state and as at the end of a past day, and the list filters use them."""
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from indicators import states
from indicators.calendar import AlertPolicy
from inspections.models import Finding

TODAY = date(2026, 3, 18)  # a Wednesday
S = Finding.Status


def at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def table(campaign, unit_a):
    """Every status × deadlines around today, with timestamps before and after TODAY."""
    rows = []
    for offset in range(-8, 9):
        deadline = TODAY + timedelta(days=offset)
        for status in S.values:
            for stamp in (TODAY - timedelta(days=1), TODAY + timedelta(days=1)):
                rows.append(Finding(
                    campaign=campaign, unit=unit_a, status=status, description="x", address="y",
                    found_on=TODAY - timedelta(days=20), deadline=deadline,
                    submitted_at=at(stamp) if status in (S.SUBMITTED, S.CLOSED, S.RETURNED) else None,
                    closed_at=at(stamp) if status == S.CLOSED else None,
                ))
    Finding.objects.bulk_create(rows)
    Finding.objects.update(created_at=at(TODAY - timedelta(days=20)))
    return list(Finding.objects.all())


class FindingStateTests:
    @pytest.mark.parametrize("as_at", [False, True])
    @pytest.mark.parametrize("policy", [AlertPolicy(3, 3), AlertPolicy(5, 1, working_days=True)])
    def test_the_queryset_and_the_pure_method_select_the_same_findings(self, table, policy, as_at):
        for state in list(states.STATES) + ["held"]:
            expected = {f.pk for f in table if f.in_state(state, TODAY, policy, as_at=as_at)}
            selected = set(Finding.objects.in_state(state, TODAY, policy, as_at=as_at).values_list("pk", flat=True))
            assert selected == expected, state
            assert expected, state

    def test_a_submitted_finding_past_its_deadline_is_open_and_submitted_but_not_overdue(self):
        f = Finding(status=S.SUBMITTED, deadline=TODAY - timedelta(days=10))
        got = {s for s in states.STATES if f.in_state(s, TODAY)}
        assert got == {states.OPEN, states.SUBMITTED}
        assert f.alert_level_on(TODAY) is None

    def test_a_returned_finding_past_its_deadline_is_overdue_and_escalated(self):
        f = Finding(status=S.RETURNED, deadline=TODAY - timedelta(days=10))
        assert {s for s in states.STATES if f.in_state(s, TODAY)} == {states.OPEN, states.OVERDUE, states.ESCALATED}

    @pytest.mark.parametrize("offset, expected", [
        (4, {states.OPEN}), (3, {states.OPEN, states.DUE_SOON}), (0, {states.OPEN, states.DUE_SOON}),
        (-1, {states.OPEN, states.OVERDUE}), (-3, {states.OPEN, states.OVERDUE}),
        (-4, {states.OPEN, states.OVERDUE, states.ESCALATED}),
    ])
    def test_it_follows_the_boundary_table(self, offset, expected):
        f = Finding(status=S.IN_RECTIFICATION, deadline=TODAY + timedelta(days=offset))
        assert {s for s in states.STATES if f.in_state(s, TODAY, AlertPolicy(3, 3))} == expected

    def test_as_at_a_past_day_it_reads_the_timestamps(self):
        f = Finding(status=S.CLOSED, deadline=TODAY - timedelta(days=2), created_at=at(TODAY - timedelta(days=9)),
                    submitted_at=at(TODAY + timedelta(days=1)), closed_at=at(TODAY + timedelta(days=2)))
        assert f.in_state(states.OVERDUE, TODAY, as_at=True)
        assert not f.in_state(states.OVERDUE, TODAY)
        assert f.in_state(states.CLOSED, TODAY)


class FindingListStateTests:
    def test_the_overdue_card_counts_what_its_link_lists_escalated_and_returned_included(
            self, client_for, office_admin, campaign, unit_a):
        for status, offset in [(S.ASSIGNED, -1), (S.RETURNED, -9), (S.IN_RECTIFICATION, -5), (S.SUBMITTED, -5),
                               (S.ASSIGNED, 2)]:
            Finding.objects.create(campaign=campaign, unit=unit_a, status=status, description="x", address="y",
                                   found_on=TODAY - timedelta(days=20), deadline=TODAY + timedelta(days=offset))
        client = client_for(office_admin)
        with time_machine.travel(f"{TODAY.isoformat()} 12:00 +0800", tick=False):
            page = client.get("/inspections/")
            assert page.context["counts"]["state"]["overdue"] == 3
            assert '?state=overdue' in page.content.decode()
            listed = client.get("/inspections/?state=overdue")
            assert listed.context["shown_count"] == 3
            assert client.get("/inspections/?state=due_soon").context["shown_count"] == 1
            assert client.get("/inspections/?state=submitted").context["shown_count"] == 1
            assert client.get("/inspections/?state=open").context["shown_count"] == 5
