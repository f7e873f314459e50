from datetime import date
from decimal import Decimal as D

import pytest

from reports.models import RankingRule
from reports.ranking import UnitMetrics, rank_units, score


def rule(**kw):
    defaults = dict(weight_on_time=D(60), weight_task_completion=D(40), penalty_overdue=D(5), penalty_returned=D(2),
                    red_count=1, black_count=1)
    defaults.update(kw)
    return RankingRule(**defaults)


def unit(uid, **kw):
    return UnitMetrics(unit_id=uid, unit_name=f"单位{uid}", sort_order=kw.pop("sort_order", uid), **kw)


class ScoreTests:
    def test_it_weighs_rates_and_subtracts_penalties(self):
        m = unit(1, findings_due=4, findings_on_time=3, tasks_due=5, tasks_done=4, overdue=2, returned=1)
        # 60 × 75 % + 40 × 80 % − 5 × 2 − 2 × 1
        assert score(m, rule()) == D("65.00")

    def test_a_unit_with_nothing_due_scores_full_rates(self):
        assert score(unit(1), rule()) == D("100.00")

    def test_the_office_can_change_the_weights(self):
        m = unit(1, findings_due=2, findings_on_time=1, overdue=1)
        assert score(m, rule(weight_on_time=D(100), weight_task_completion=D(0), penalty_overdue=D(10))) == D("40.00")

    @pytest.mark.parametrize("due, on_time, rate", [(3, 2, "66.7"), (3, 3, "100.0"), (0, 0, "100")])
    def test_rates_are_rounded_to_a_tenth(self, due, on_time, rate):
        assert unit(1, findings_due=due, findings_on_time=on_time).on_time_rate == D(rate)


class RankTests:
    def test_a_tie_falls_to_fewer_overdue_items(self):
        r = rule(weight_on_time=D(100), weight_task_completion=D(0), penalty_overdue=D(0))
        a = unit(1, findings_due=2, findings_on_time=1, overdue=1)
        b = unit(2, findings_due=2, findings_on_time=1, overdue=0)
        assert score(a, r) == score(b, r) == D("50.00")
        assert [x.metrics.unit_id for x in rank_units([a, b], r)] == [2, 1]

    def test_a_tie_with_equal_overdue_falls_to_the_better_on_time_rate(self):
        r = rule(weight_on_time=D(50), weight_task_completion=D(50))
        a = unit(2, findings_due=1, findings_on_time=1, tasks_due=1, tasks_done=0)  # 100 % and 0 %
        b = unit(1, findings_due=1, findings_on_time=0, tasks_due=1, tasks_done=1)  # 0 % and 100 %
        assert score(a, r) == score(b, r)
        assert [x.metrics.unit_id for x in rank_units([b, a], r)] == [2, 1]

    def test_equal_everything_falls_to_the_directory_order_the_same_every_time(self):
        units = [unit(3, sort_order=30), unit(1, sort_order=10), unit(2, sort_order=20)]
        for _ in range(3):
            assert [x.metrics.unit_id for x in rank_units(list(units), rule())] == [1, 2, 3]

    def test_red_goes_to_the_best_without_overdue_and_black_to_the_worst_with_some(self):
        best_but_overdue = unit(1, overdue=1, findings_due=10, findings_on_time=10, tasks_due=10, tasks_done=10)
        clean = unit(2, findings_due=4, findings_on_time=3)
        worst = unit(3, findings_due=4, findings_on_time=0, overdue=3, returned=2)
        idle = unit(4, findings_due=5, findings_on_time=0)  # low score but nothing overdue or returned
        ranked = {x.metrics.unit_id: x for x in rank_units([best_but_overdue, clean, worst, idle],
                                                           rule(red_count=1, black_count=1))}
        assert ranked[1].rank == 1 and ranked[1].flag == ""  # first place, but overdue: no red flag
        assert ranked[2].flag == "red"
        assert ranked[3].flag == "black"
        assert ranked[4].flag == ""

    def test_a_black_listed_unit_that_clears_its_overdue_items_leaves_the_black_list(self):
        before = rank_units([unit(1, overdue=2, findings_due=2), unit(2, findings_due=2, findings_on_time=2)],
                            rule(red_count=1, black_count=1))
        assert {x.metrics.unit_id: x.flag for x in before} == {1: "black", 2: "red"}
        after = rank_units([unit(1, findings_due=2, findings_on_time=2), unit(2, findings_due=2, findings_on_time=1)],
                           rule(red_count=1, black_count=1))
        assert {x.metrics.unit_id: x.flag for x in after}[1] == "red"

    def test_no_unit_is_on_both_lists_even_when_few_units_are_ranked(self):
        ranked = rank_units([unit(1, overdue=1)], rule(red_count=3, black_count=3))
        assert [x.flag for x in ranked] == ["black"]


@pytest.fixture
def ranked(campaign, unit_a, unit_b, unit_c):
    from reports.models import RankingEntry
    from reports.services import ranking_rule_for

    rule = ranking_rule_for(campaign)
    rows = [(unit_a, "91.50", 1, "red"), (unit_b, "62.25", 2, ""), (unit_c, "12.75", 3, "black")]
    for unit, score_, rank, flag in rows:
        RankingEntry.objects.create(campaign=campaign, period=rule.period, period_start=date(2026, 6, 1), unit=unit,
                                    score=score_, rank=rank, flag=flag,
                                    metrics={"on_time_rate": 50, "task_completion": 50, "overdue": rank,
                                             "returned": 0})
    return rows


class RankingPageTests:
    """README: the ranking is the office's and the leaders' (and inspectors', who see every unit);
    unit staff see their own line only."""

    def test_the_office_and_leaders_see_every_units_line(self, client_for, office_admin, leader, ranked):
        for user in (office_admin, leader):
            body = client_for(user).get("/reports/ranking/").content.decode()
            assert all(f'data-unit="{u.name}"' in body for u, *_ in ranked)

    def test_unit_staff_see_only_their_own_line(self, client_for, lead_staff, ranked):
        response = client_for(lead_staff).get("/reports/ranking/")
        body = response.content.decode()
        assert response.status_code == 200
        assert 'data-unit="市住建局"' in body and "91.50" in body
        for other in ("市城管执法局", "市水务局", "62.25", "12.75"):
            assert other not in body, other

    def test_the_dashboard_lists_only_their_own_units_on_the_red_and_black_lists(self, client_for, lead_staff,
                                                                                  ranked):
        body = client_for(lead_staff).get("/reports/dashboard/").content.decode()
        assert "市水务局" not in body
