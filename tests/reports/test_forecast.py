from datetime import date, timedelta
from decimal import Decimal as D

from indicators.models import Indicator, Measure, Threshold, Tier
from reports.forecast import forecast_outlook, linear_forecast

START = date(2026, 3, 2)


def weekly(*values):
    return [(START + timedelta(weeks=i), D(v)) for i, v in enumerate(values)]


def indicator(comparator="gte", value="31"):
    ind = Indicator(code="x", name="x", unit="%", measure=Measure(key="x"))
    return ind, Threshold(indicator=ind, tier="garden", comparator=comparator, value=D(value))


class LinearForecastTests:
    def test_it_needs_three_distinct_dates(self):
        assert linear_forecast(weekly("30", "31"), START + timedelta(weeks=10)) is None
        assert linear_forecast([(START, D(1))] * 3, START) is None

    def test_it_extends_a_straight_line(self):
        f = linear_forecast(weekly("30", "30.5", "31"), START + timedelta(weeks=6))
        assert f.projected == D("33.0000")
        assert f.slope_per_week == D("0.5000")
        assert f.points == 3

    def test_it_ignores_missing_values(self):
        points = weekly("30", "30.5", "31") + [(START + timedelta(weeks=3), None)]
        assert linear_forecast(points, START + timedelta(weeks=4)).points == 3


class OutlookTests:
    def outlook(self, values, comparator="gte", threshold="31", weeks_ahead=6):
        ind, th = indicator(comparator, threshold)
        points = weekly(*values)
        today_value = points[-1][1]
        ev = ind.evaluate(today_value, {}, tier=Tier.GARDEN, thresholds=[th])
        f = linear_forecast(points, points[-1][0] + timedelta(weeks=weeks_ahead))
        return forecast_outlook(ind, ev, f, {}, Tier.GARDEN)

    def test_met_today_but_falling_below_is_at_risk(self):
        assert self.outlook(["33", "32.5", "32"]) == "at_risk"

    def test_met_and_holding_is_fine(self):
        assert self.outlook(["31", "31.5", "32"]) is None

    def test_not_met_but_climbing_in_time_is_on_track(self):
        assert self.outlook(["29", "29.5", "30"]) == "on_track"

    def test_not_met_and_too_slow_is_off_track(self):
        assert self.outlook(["29.8", "29.85", "29.9"]) == "off_track"

    def test_lower_is_better_indicators_project_the_other_way(self):
        assert self.outlook(["2.2", "2.5", "2.8"], comparator="lte", threshold="3") == "at_risk"


class BoundsTests:
    def test_a_percentage_is_not_projected_past_one_hundred(self):
        f = linear_forecast(weekly("98", "99", "100"), START + timedelta(weeks=20), bounds=(0, 100))
        assert f.projected == D("100.0000")

    def test_an_equality_threshold_has_no_outlook(self):
        ind, th = indicator("eq", "100")
        ev = ind.evaluate(D("100"), {}, tier=Tier.GARDEN, thresholds=[th])
        f = linear_forecast(weekly("98", "99", "100"), START + timedelta(weeks=20))
        assert forecast_outlook(ind, ev, f, {}, Tier.GARDEN) is None
