"""Where will an indicator be on the evaluation day? A least-squares line through its
snapshots, pure and small: the office reads it as a warning, not a prediction."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

MIN_POINTS = 3


@dataclass(frozen=True)
class Forecast:
    projected: Decimal
    slope_per_week: Decimal
    points: int


def linear_forecast(points, target_day: date, *, bounds=None) -> Forecast | None:
    """points: [(date, value)] with at least MIN_POINTS distinct dates; None otherwise.
    `bounds` (low, high) clamps the projection, e.g. (0, 100) for a percentage."""
    clean = sorted((d, float(v)) for d, v in points if v is not None)
    if len({d for d, _ in clean}) < MIN_POINTS:
        return None
    origin = clean[0][0]
    xs = [(d - origin).days for d, _ in clean]
    ys = [v for _, v in clean]
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = 0.0 if sxx == 0 else sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sxx
    projected = mean_y + slope * ((target_day - origin).days - mean_x)
    if bounds is not None:
        projected = min(max(projected, bounds[0]), bounds[1])
    q = Decimal("0.0001")
    return Forecast(Decimal(str(projected)).quantize(q), Decimal(str(slope * 7)).quantize(q), n)


def forecast_outlook(indicator, evaluation, forecast, params, tier):
    """'at_risk': met today, the trend misses by the evaluation day; 'on_track': not met
    today, the trend gets there; 'off_track': not met and the trend does not get there."""
    if forecast is None or evaluation.threshold is None or indicator.is_qualitative:
        return None
    if evaluation.threshold.comparator == "eq":
        return None  # "= 100 %" has no trend to speak of: either it holds or it does not
    projected_ok = indicator.evaluate(forecast.projected, params, tier=tier,
                                      thresholds=[evaluation.threshold]).is_met
    if evaluation.is_met:
        return None if projected_ok else "at_risk"
    if evaluation.status == "not_met":
        return "on_track" if projected_ok else "off_track"
    return None
