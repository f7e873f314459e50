"""Indicator.evaluate on unsaved instances: boundary tables, no database."""
from decimal import Decimal as D

import pytest

from indicators.models import Indicator, Measure, Threshold, Tier

MET, NOT_MET, NO_DATA, NA = "met", "not_met", "no_data", "not_applicable"
PARAMS = {"per_capita_construction_land": D("92"), "northern_heating": D(0), "historic_district_share": D("8")}


def indicator(*thresholds, kind="basic", qualitative=False):
    ind = Indicator(code="x", name="x", unit="%", kind=kind, measure=Measure(key="x", is_qualitative=qualitative))
    return ind, [Threshold(indicator=ind, order=i, **t) for i, t in enumerate(thresholds)]


def evaluate(ind_and_thresholds, value, params=PARAMS, tier=Tier.GARDEN):
    ind, thresholds = ind_and_thresholds
    return ind.evaluate(value, params, tier=tier, thresholds=thresholds)


class EvaluateComparatorTests:
    @pytest.mark.parametrize(
        "comparator, value, status, gap",
        [
            ("gte", "31", MET, "0"),
            ("gte", "31.0001", MET, "0"),
            ("gte", "30.9999", MET, "0"),  # shown as 31: judged as shown (see EvaluateRoundingTests)
            ("gte", "30.994", NOT_MET, "0.01"),
            ("gt", "31", NOT_MET, "0"),  # strict: exactly on the threshold misses
            ("gt", "31.01", MET, "0"),
            ("lte", "31", MET, "0"),
            ("lte", "31.5", NOT_MET, "0.5"),
            ("lt", "31", NOT_MET, "0"),
            ("lt", "30.9", MET, "0"),
            ("eq", "31", MET, "0"),
            ("eq", "30", NOT_MET, "1"),
        ],
    )
    def test_it_judges_each_comparator_at_and_around_the_threshold(self, comparator, value, status, gap):
        result = evaluate(indicator({"tier": "garden", "comparator": comparator, "value": D("31")}), D(value))
        assert result.status == status
        assert result.gap == D(gap)
        assert result.target == D("31")

    def test_it_reports_no_data_for_a_missing_value_with_the_target(self):
        result = evaluate(indicator({"tier": "garden", "comparator": "gte", "value": D("31")}), None)
        assert (result.status, result.gap, result.target) == (NO_DATA, None, D("31"))

    def test_it_judges_a_qualitative_indicator_by_met_flag(self):
        ind = indicator({"tier": "garden", "comparator": "qualitative"}, qualitative=True)
        assert evaluate(ind, D(1)).status == MET
        assert evaluate(ind, D(0)).status == NOT_MET
        assert evaluate(ind, None).status == NO_DATA
        assert evaluate(ind, D(0)).gap is None

    def test_it_accepts_plain_strings_and_ints_as_values(self):
        ind = indicator({"tier": "garden", "comparator": "gte", "value": D("80")})
        assert evaluate(ind, "80").status == MET
        assert evaluate(ind, 79).status == NOT_MET


class EvaluateConditionTests:
    BANDS = [
        {"tier": "garden", "comparator": "gte", "value": D("7.5"), "condition_param": "per_capita_construction_land",
         "condition_max": D("80")},
        {"tier": "garden", "comparator": "gte", "value": D("8"), "condition_param": "per_capita_construction_land",
         "condition_min": D("80"), "condition_max": D("100")},
        {"tier": "garden", "comparator": "gte", "value": D("9"), "condition_param": "per_capita_construction_land",
         "condition_min": D("100"), "historic_adjustment": D("-0.5")},
    ]

    @pytest.mark.parametrize(
        "land, target", [("79.99", "7.5"), ("80", "8"), ("99.99", "8"), ("100", "9"), ("140", "9")]
    )
    def test_it_picks_the_band_by_per_capita_construction_land(self, land, target):
        params = {**PARAMS, "per_capita_construction_land": D(land)}
        assert evaluate(indicator(*self.BANDS), D("8.2"), params).target == D(target)

    def test_it_is_not_applicable_when_no_band_matches_or_the_parameter_is_missing(self):
        params = {**PARAMS, "per_capita_construction_land": None}
        assert evaluate(indicator(*self.BANDS), D("8.2"), params).status == NA

    def test_it_applies_a_northern_only_veto_only_in_northern_heating_cities(self):
        ind = indicator({"tier": "garden", "comparator": "gte", "value": D("30"), "condition_param": "northern_heating",
                         "condition_min": D("1")}, kind="veto")
        assert evaluate(ind, D("10"), {**PARAMS, "northern_heating": D(0)}).status == NA
        assert evaluate(ind, D("10"), {**PARAMS, "northern_heating": D(1)}).status == NOT_MET

    @pytest.mark.parametrize("share, target, status", [("50", "31", NOT_MET), ("50.01", "29", MET), ("80", "29", MET)])
    def test_it_lowers_the_bar_only_when_historic_districts_exceed_half(self, share, target, status):
        ind = indicator({"tier": "garden", "comparator": "gte", "value": D("31"), "historic_adjustment": D("-2")})
        result = evaluate(ind, D("30"), {**PARAMS, "historic_district_share": D(share)})
        assert (result.target, result.status) == (D(target), status)


class EvaluateTierTests:
    BOTH = [{"tier": "garden", "comparator": "gte", "value": D("36")}, {"tier": "eco", "comparator": "gte", "value": D("40")}]

    def test_it_uses_the_campaign_tier_first(self):
        assert evaluate(indicator(*self.BOTH), D("38"), tier=Tier.GARDEN).status == MET
        assert evaluate(indicator(*self.BOTH), D("38"), tier=Tier.ECO).status == NOT_MET
        assert evaluate(indicator(*self.BOTH), D("38"), tier=Tier.ECO).gap == D("2")

    def test_it_falls_back_to_the_garden_value_when_there_is_no_eco_bar(self):
        ind = indicator({"tier": "garden", "comparator": "gte", "value": D("95")})
        assert evaluate(ind, D("96"), tier=Tier.ECO).target == D("95")

    def test_it_is_not_applicable_without_thresholds(self):
        assert evaluate(indicator(), D("1")).status == NA


class EvaluateIsPureTests:
    def test_it_runs_no_queries_with_thresholds_given(self, django_assert_num_queries, db):
        ind = indicator({"tier": "garden", "comparator": "gte", "value": D("31")})
        with django_assert_num_queries(0):
            evaluate(ind, D("32"))


class FormatDecimalTests:
    @pytest.mark.parametrize(
        "value, text",
        [(D("0.065"), "0.065"), (D("0.0654"), "0.065"), (D("31.0000"), "31"), (D("9.125"), "9.13"),
         (D("100"), "100"), (D("-0.5"), "-0.5"), (None, "—")],
    )
    def test_it_shows_enough_places_to_tell_a_value_from_its_threshold(self, value, text):
        from indicators.models import format_decimal

        assert format_decimal(value) == text


class EvaluateRoundingTests:
    """One rule: a value is judged as it is displayed, rounded half-up to two places (three below
    1), so the value, status and gap on a page always agree."""

    @pytest.mark.parametrize(
        "value, shown, status, gap",
        [
            ("93.635", "93.64", NOT_MET, "1.36"),  # was 1.365, displayed 1.37 beside 93.64
            ("93.6449", "93.64", NOT_MET, "1.36"),
            ("94.994", "94.99", NOT_MET, "0.01"),
            ("94.995", "95", MET, "0"),  # displayed 95: met, not "95 with a gap of 0.005"
            ("95", "95", MET, "0"),
            ("95.004", "95", MET, "0"),
        ],
    )
    def test_it_computes_the_gap_from_the_displayed_value(self, value, shown, status, gap):
        from indicators.models import format_decimal

        result = evaluate(indicator({"tier": "garden", "comparator": "gte", "value": D("95")}), D(value))
        assert format_decimal(D(value)) == shown
        assert (result.status, result.gap) == (status, D(gap))
        assert format_decimal(result.gap) == format_decimal(D("95") - D(shown))

    @pytest.mark.parametrize(
        "value, status, gap",
        [
            ("0.0595", MET, "0"),  # shown 0.060 against ≥ 0.06
            ("0.0594", NOT_MET, "0.001"),
            ("0.05", NOT_MET, "0.01"),
        ],
    )
    def test_values_below_one_keep_three_places(self, value, status, gap):
        result = evaluate(indicator({"tier": "garden", "comparator": "gte", "value": D("0.06")}), D(value))
        assert (result.status, result.gap) == (status, D(gap))

    def test_an_upper_bound_rounds_the_same_way(self):
        ind = indicator({"tier": "garden", "comparator": "lte", "value": D("20")})
        assert (evaluate(ind, D("20.004")).status, evaluate(ind, D("20.004")).gap) == (MET, D(0))
        assert (evaluate(ind, D("20.355")).status, evaluate(ind, D("20.355")).gap) == (NOT_MET, D("0.36"))
