"""Questionnaire scores over time on the patient page (issue 15 "Where people see it"): each
score its own small chart, drawn with the charts' primitives (apps.dashboard.charts: the time
scale, ticks, points, the band), its axis the score's own range, and the MCID drawn as a band
around the baseline (the episode's first scored value, apps.outcomes.selectors.score_series):
a later score outside the band changed by at least the minimal clinically important
difference. Pure: the series come from the one query of ``score_series``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from apps.dashboard import charts
from apps.dashboard.chart_layers import BandSpec, MarkerSpec, layout_bands, layout_markers
from apps.dashboard.record_layers import score_name
from apps.outcomes.selectors import ScoreSeries

HEIGHT = 200
PLOT_BOTTOM = HEIGHT - charts.MARGIN_BOTTOM


def _y(value: float, low: float, high: float) -> float:
    span = (high - low) or 1
    top = charts.PLOT_TOP
    return round(PLOT_BOTTOM - (PLOT_BOTTOM - top) * (value - low) / span, 1)


def _y_ticks(low: float, high: float, count: int = 4) -> tuple[charts.Tick, ...]:
    ticks = []
    for index in range(count + 1):
        value = low + (high - low) * index / count
        ticks.append(charts.Tick(_y(value, low, high), f"{round(value, 2):g}"))
    return tuple(ticks)


def _mcid_band(series: ScoreSeries, low: float, high: float) -> charts.Band | None:
    if series.baseline is None or not series.mcid:
        return None
    lower = max(low, series.baseline - series.mcid)
    upper = min(high, series.baseline + series.mcid)
    left, right = charts.PLOT_LEFT, charts.PLOT_RIGHT
    top, bottom = _y(upper, low, high), _y(lower, low, high)
    middle = _y(series.baseline, low, high)
    return charts.Band(
        area=f"M{left},{top} L{right},{top} L{right},{bottom} L{left},{bottom} Z",
        median=f"M{left},{middle} L{right},{middle}",
        label=f"Within the MCID ({series.mcid:g}) of the baseline {series.baseline:g}",
        description="a score outside the band changed by a clinically meaningful amount",
        css="mcid",
    )


def _slug(series: ScoreSeries) -> str:
    return f"score-{series.instrument}-{series.score}".replace("_", "-")


def score_chart(
    series: ScoreSeries,
    *,
    start: dt.date,
    end: dt.date,
    markers: Sequence[MarkerSpec] = (),
    bands: Sequence[BandSpec] = (),
) -> charts.Chart:
    """One score: its points on the course's dates (stretched to the first and last score),
    on the score's range, with the MCID band around the baseline and the treatments' layers."""
    dates = [day for day, _value in series.points]
    scale = charts.TimeScale(min([start, *dates]), max([end, *dates]))
    low, high = series.range
    title = score_name(series.instrument, series.score)
    scored = [(day, value) for day, value in series.points if value is not None]
    points = tuple(
        charts.Point(scale.x(day), _y(value, low, high), f"{title} on {day.isoformat()}: {value:g}")
        for day, value in scored
    )
    unscored = len(series.points) - len(scored)
    better = "higher" if series.better == "higher" else "lower"
    description = (
        f"{len(scored)} scores from {scale.start.isoformat()} to {scale.end.isoformat()}, "
        f"range {low:g}–{high:g}, {better} is better."
        + (f" {unscored} response{'s' if unscored != 1 else ''} not scored." if unscored else "")
    )
    band = _mcid_band(series, low, high)
    legend = (("score", title), *((("mcid", "Within the MCID of baseline"),) if band else ()))
    return charts.Chart(
        slug=_slug(series),
        title=f"{title} ({better} is better)",
        description=description,
        x_ticks=scale.ticks(),
        y_ticks=_y_ticks(low, high),
        y_label=title,
        series=(
            charts.Series(
                name=title,
                css_class="score",
                points=points,
                # The scored values joined in order (a missing score leaves no gap to guess).
                path=" ".join(
                    f"{'M' if index == 0 else 'L'}{point.x},{point.y}"
                    for index, point in enumerate(points)
                ),
            ),
        ),
        markers=layout_markers(
            markers, x_of=scale.x, start=scale.start, end=scale.end, top=charts.PLOT_TOP
        ),
        bands=layout_bands(
            bands, x_of=scale.x, day_width=scale.day_width, start=scale.start, end=scale.end
        ),
        band=band,
        point_count=len(scored),
        height=HEIGHT,
        plot_bottom=PLOT_BOTTOM,
        legend=legend,
    )


def score_charts(
    series: Sequence[ScoreSeries],
    *,
    start: dt.date | None,
    end: dt.date | None,
    markers: Sequence[MarkerSpec] = (),
    bands: Sequence[BandSpec] = (),
) -> list[charts.Chart]:
    if start is None or end is None:
        return []
    return [score_chart(one, start=start, end=end, markers=markers, bands=bands) for one in series]
