"""Which indicators get a plan, and what an at-risk one aims at."""
from decimal import Decimal
from types import SimpleNamespace

from planner.selectors import AT_RISK, MET, NOT_MET, _reason
from reports.forecast import Forecast


def row(status, value):
    return SimpleNamespace(status=status, value=Decimal(value))


class ReasonTests:
    def test_a_met_indicator_the_trend_takes_below_the_bar_aims_above_it_by_the_expected_decline(self):
        forecast = Forecast(projected=Decimal("78.5"), slope_per_week=Decimal("-0.3"), points=6)
        assert _reason(row("met", "81.2"), forecast, "at_risk") == (AT_RISK, Decimal("2.7"))

    def test_an_unmet_indicator_aims_at_the_bar_today_and_a_safe_one_needs_nothing(self):
        forecast = Forecast(projected=Decimal("70"), slope_per_week=Decimal("-1"), points=6)
        assert _reason(row("not_met", "75"), forecast, "off_track") == (NOT_MET, Decimal(0))
        assert _reason(row("met", "90"), None, None) == (MET, Decimal(0))
