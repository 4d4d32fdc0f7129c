"""Server-side SVG charts for the patient page: no JavaScript library, nothing fetched.

Python places every mark (this module); the template `dashboard/_chart.html` draws it. Each
data point is a ``<circle>`` with a ``<title>`` (read by screen readers and shown on hover),
each flag a marked vertical line on the time axis, and the expected course a band. Colours
come from classes in the dashboard's stylesheet, so the strict Content Security Policy holds.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from apps.dashboard.chart_layers import (
    STRIP_FIELDS,
    STRIP_LEVEL_LABELS,
    BandMark,
    BandSpec,
    Marker,
    MarkerSpec,
    StripCell,
    StripRow,
    layout_bands,
    layout_markers,
    legend_of,
)

WIDTH = 800
HEIGHT = 260
MARGIN_LEFT = 64
MARGIN_RIGHT = 16
MARGIN_TOP = 28
MARGIN_BOTTOM = 44
PLOT_LEFT = MARGIN_LEFT
PLOT_RIGHT = WIDTH - MARGIN_RIGHT
PLOT_TOP = MARGIN_TOP
PLOT_BOTTOM = HEIGHT - MARGIN_BOTTOM


@dataclass(frozen=True)
class Tick:
    position: float
    label: str
    #: "start", "middle" or "end": labels at the edges stay inside the chart (no "Dec 202").
    anchor: str = "middle"
    #: Shown on a phone too (every other label, so the larger text never overlaps).
    narrow: bool = True


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Series:
    """Points of one measure; ``path`` joins them (a mean line), ``points`` are drawn as dots."""

    name: str
    css_class: str
    points: tuple[Point, ...] = ()
    path: str = ""


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True)
class Band:
    """A horizontal band with its middle line: the expected course (the 10th–90th
    percentile area and the median) or a score's MCID around its baseline (``css`` "mcid")."""

    area: str
    median: str
    label: str
    description: str = "10th–90th percentile and median of weekly pain now"
    css: str = "expected"


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    description: str
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    y_label: str
    series: tuple[Series, ...] = ()
    bars: tuple[Bar, ...] = ()
    markers: tuple[Marker, ...] = ()
    bands: tuple[BandMark, ...] = ()
    strip_rows: tuple[StripRow, ...] = ()
    band: Band | None = None
    reference_y: float | None = None
    reference_label: str = ""
    point_count: int = 0
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = PLOT_LEFT
    plot_right: int = PLOT_RIGHT
    plot_top: int = PLOT_TOP
    plot_bottom: int = PLOT_BOTTOM
    legend: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return self.point_count == 0

    @property
    def plot_height(self) -> int:
        return self.plot_bottom - self.plot_top

    @property
    def layer_legend(self) -> tuple[tuple[str, str], ...]:
        """The legend of the markers and bands drawn (flags, treatments, scores, …)."""
        return legend_of(self.markers, self.bands)


@dataclass(frozen=True)
class TimeScale:
    """Maps local dates onto the horizontal axis (a day is a slot; a date sits mid-slot)."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return max((self.end - self.start).days + 1, 1)

    def x(self, day: dt.date | float) -> float:
        offset = (day - self.start).days + 0.5 if isinstance(day, dt.date) else day
        return round(PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * offset / self.days, 1)

    @property
    def day_width(self) -> float:
        return (PLOT_RIGHT - PLOT_LEFT) / self.days

    def ticks(self) -> tuple[Tick, ...]:
        """Month starts on long courses, Mondays on short ones, at most ~8 labels, written in
        full ("Dec 2025", "2 Mar"); every other one is kept on a phone."""
        days = [self.start + dt.timedelta(days=i) for i in range(self.days)]
        if self.days > 70:
            marks = [day for day in days if day.day == 1]
            label = "{:%b %Y}"
        else:
            marks = [day for day in days if day.weekday() == 0]
            label = "{0.day} {0:%b}"
        step = max(1, math.ceil(len(marks) / 8))
        ticks = []
        for index, day in enumerate(marks[::step]):
            x = self.x(day)
            anchor = "middle"
            if x > PLOT_RIGHT - 40:
                anchor = "end"
            elif x < PLOT_LEFT + 30:
                anchor = "start"
            ticks.append(Tick(x, label.format(day), anchor=anchor, narrow=index % 2 == 0))
        return tuple(ticks)


def _y(value: float, top_value: float) -> float:
    top_value = top_value or 1
    return round(PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * value / top_value, 1)


def nice_ceiling(value: float) -> float:
    """A round upper bound for an axis (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    exponent = math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        candidate: float = factor * 10**exponent
        if candidate >= value:
            return candidate
    ceiling: float = 10 ** (exponent + 1)  # pragma: no cover - the loop ends at 10
    return ceiling  # pragma: no cover


def _y_ticks(top_value: float, count: int = 5, unit: str = "") -> tuple[Tick, ...]:
    ticks = []
    for index in range(count + 1):
        value = top_value * index / count
        label = f"{value:g}{unit}" if value < 10_000 else f"{value / 1000:g}k{unit}"
        ticks.append(Tick(_y(value, top_value), label))
    return tuple(ticks)


def _path(points: Iterable[tuple[float, float]], breaks: Sequence[bool] = ()) -> str:
    parts = []
    for index, (x, y) in enumerate(points):
        command = "M" if index == 0 or (breaks and breaks[index]) else "L"
        parts.append(f"{command}{x},{y}")
    return " ".join(parts)


def rolling_mean(values: dict[dt.date, float], *, days: int = 7) -> list[tuple[dt.date, float]]:
    """For each date with a value: the mean of the values in the ``days`` local dates ending
    on it (whichever of those dates have one)."""
    result = []
    for day in sorted(values):
        window = [
            values[other]
            for offset in range(days)
            if (other := day - dt.timedelta(days=offset)) in values
        ]
        result.append((day, sum(window) / len(window)))
    return result


def _date_label(day: dt.date) -> str:
    return day.isoformat()


def flag_marker_specs(flags: Sequence[dict]) -> list[MarkerSpec]:
    """Flags given as {"date", "rule", "severity"} (or a ready "label") as marker specs."""
    return [
        MarkerSpec(
            date=flag["date"],
            kind=f"flag-{flag['severity']}",
            label=flag.get("label")
            or f"{flag['severity']} flag {flag['rule']} opened {_date_label(flag['date'])}",
        )
        for flag in flags
    ]


def _markers(
    scale: TimeScale, flags: Sequence[dict], extra: Sequence[MarkerSpec] = ()
) -> tuple[Marker, ...]:
    return layout_markers(
        [*flag_marker_specs(flags), *extra],
        x_of=scale.x,
        start=scale.start,
        end=scale.end,
        top=PLOT_TOP,
    )


def _bands(scale: TimeScale, bands: Sequence[BandSpec]) -> tuple[BandMark, ...]:
    return layout_bands(
        bands, x_of=scale.x, day_width=scale.day_width, start=scale.start, end=scale.end
    )


def _point_series(
    scale: TimeScale,
    values: dict[dt.date, float],
    *,
    name: str,
    css_class: str,
    top_value: float,
    unit: str = "",
) -> Series:
    points = tuple(
        Point(scale.x(day), _y(value, top_value), f"{name} on {_date_label(day)}: {value:g}{unit}")
        for day, value in sorted(values.items())
    )
    return Series(name=name, css_class=css_class, points=points)


def _mean_series(
    scale: TimeScale, values: dict[dt.date, float], *, name: str, css_class: str, top_value: float
) -> Series:
    means = rolling_mean(values)
    breaks = [
        index > 0 and (day - means[index - 1][0]).days > 7 for index, (day, _) in enumerate(means)
    ]
    path = _path(((scale.x(day), _y(mean, top_value)) for day, mean in means), breaks)
    return Series(name=name, css_class=css_class, path=path)


def pain_chart(
    scale: TimeScale,
    *,
    pain_now: dict[dt.date, float],
    pain_worst: dict[dt.date, float],
    flags: Sequence[dict],
    markers: Sequence[MarkerSpec] = (),
    bands: Sequence[BandSpec] = (),
    expected: Sequence[dict] | None = None,
    onset: dt.date | None = None,
    per_side: dict[str, dict[dt.date, float]] | None = None,
) -> Chart:
    """Pain now and worst pain (0–10): daily points, their 7-day means, flags, and the
    expected course of the clinic's resolved episodes by week since onset. ``per_side``
    (bilateral episodes): side → pain now on the dates that side was reported painful, drawn
    as one 7-day mean line per side."""
    top = 10
    band = None
    if expected and onset:
        rows = [row for row in expected if scale.start <= _week_middle(onset, row["week"])]
        rows = [row for row in rows if _week_middle(onset, row["week"]) <= scale.end]
        if rows:
            upper = [(scale.x(_week_middle(onset, r["week"])), _y(r["p90"], top)) for r in rows]
            lower = [(scale.x(_week_middle(onset, r["week"])), _y(r["p10"], top)) for r in rows]
            area = _path([*upper, *reversed(lower)]) + " Z"
            median = _path(
                (scale.x(_week_middle(onset, r["week"])), _y(r["median"], top)) for r in rows
            )
            band = Band(
                area=area, median=median, label="Expected course (clinic's resolved episodes)"
            )
    series: tuple[Series, ...] = (
        _mean_series(
            scale, pain_worst, name="Worst pain, 7-day mean", css_class="worst", top_value=top
        ),
        _mean_series(scale, pain_now, name="Pain now, 7-day mean", css_class="now", top_value=top),
        _point_series(scale, pain_worst, name="Worst pain", css_class="worst", top_value=top),
        _point_series(scale, pain_now, name="Pain now", css_class="now", top_value=top),
    )
    side_series = tuple(
        _mean_series(
            scale,
            values,
            name=f"Pain now, {side} hip (days it hurt), 7-day mean",
            css_class=f"side-{side}",
            top_value=top,
        )
        for side, values in sorted((per_side or {}).items())
        if values
    )
    series = (*series, *side_series)
    legend = (
        ("now", "Pain now"),
        ("worst", "Worst pain (24 h)"),
        *((f"side-{side}", f"{side.capitalize()} hip") for side in sorted(per_side or {})),
        ("expected", "Expected course"),
    )
    count = len(pain_now) + len(pain_worst)
    return Chart(
        slug="pain",
        title="Pain (0–10)",
        description=_describe(count // 2, scale, "daily check-ins with pain scores"),
        x_ticks=scale.ticks(),
        y_ticks=_y_ticks(top),
        y_label="Pain (0–10)",
        series=series,
        markers=_markers(scale, flags, markers),
        bands=_bands(scale, bands),
        band=band,
        point_count=count,
        legend=legend,
    )


def _week_middle(onset: dt.date, week: int) -> dt.date:
    return onset + dt.timedelta(days=7 * week + 3)


def _describe(count: int, scale: TimeScale, what: str) -> str:
    return f"{count} {what} from {_date_label(scale.start)} to {_date_label(scale.end)}."


def measure_chart(
    scale: TimeScale,
    *,
    slug: str,
    title: str,
    values: dict[dt.date, float],
    flags: Sequence[dict],
    markers: Sequence[MarkerSpec] = (),
    bands: Sequence[BandSpec] = (),
    unit: str = "",
    minimum_top: float = 1,
) -> Chart:
    """One daily measure (morning stiffness minutes, steps) as points with flags."""
    top = nice_ceiling(max([minimum_top, *values.values()]))
    return Chart(
        slug=slug,
        title=title,
        description=_describe(len(values), scale, f"days with {title.lower()}"),
        x_ticks=scale.ticks(),
        y_ticks=_y_ticks(top),
        y_label=title,
        series=(
            _point_series(scale, values, name=title, css_class=slug, top_value=top, unit=unit),
        ),
        markers=_markers(scale, flags, markers),
        bands=_bands(scale, bands),
        point_count=len(values),
    )


def adherence_chart(
    scale: TimeScale,
    *,
    weeks: Sequence[dict],
    flags: Sequence[dict],
    markers: Sequence[MarkerSpec] = (),
    bands: Sequence[BandSpec] = (),
) -> Chart:
    """Weekly exercise adherence (sessions done / prescribed, capped at 100%) as bars, with
    the 80% cut-off (CLINICAL_RULES.md) as a reference line."""
    top = 1.0
    bars = []
    for week in weeks:
        start = max(week["week_start"], scale.start)
        end = min(week["week_start"] + dt.timedelta(days=6), scale.end)
        if end < start or week["adherence"] is None:
            continue
        left = scale.x(start) - (scale.x(start) - scale.x(start - dt.timedelta(days=1))) / 2
        right = scale.x(end) + (scale.x(end) - scale.x(end - dt.timedelta(days=1))) / 2
        y = _y(week["adherence"], top)
        bars.append(
            Bar(
                x=round(left + 1, 1),
                y=y,
                width=round(max(right - left - 2, 1), 1),
                height=round(PLOT_BOTTOM - y, 1),
                label=(
                    f"Week of {_date_label(week['week_start'])}: "
                    f"{round(week['adherence'] * 100)}% of prescribed sessions"
                ),
            )
        )
    return Chart(
        slug="adherence",
        title="Exercise adherence per week",
        description=_describe(len(bars), scale, "weeks with a plan"),
        x_ticks=scale.ticks(),
        y_ticks=tuple(
            Tick(_y(value, top), f"{round(value * 100)}%") for value in (0, 0.2, 0.4, 0.6, 0.8, 1)
        ),
        y_label="Sessions done / prescribed",
        bars=tuple(bars),
        markers=_markers(scale, flags, markers),
        bands=_bands(scale, bands),
        reference_y=_y(0.8, top),
        reference_label="80% adherence cut-off",
        point_count=len(bars),
    )


def strip_chart(
    scale: TimeScale,
    *,
    checkins: dict[dt.date, dict[str, object]],
    flags: Sequence[dict] = (),
    markers: Sequence[MarkerSpec] = (),
    bands: Sequence[BandSpec] = (),
) -> Chart:
    """Weight bearing, walking aid, limping and sleep as coloured cells, one row per field
    and one cell per check-in (darker is worse), with the chart's markers and bands."""
    fields = list(STRIP_FIELDS.items())
    row_height = (PLOT_BOTTOM - PLOT_TOP) / len(fields)
    rows = []
    for index, (name, (title, levels)) in enumerate(fields):
        y = PLOT_TOP + index * row_height
        cells = []
        for day, values in sorted(checkins.items()):
            value = values.get(name)
            if value not in levels:
                continue
            level, words = levels[value]
            cells.append(
                StripCell(
                    x=round(scale.x(day) - scale.day_width / 2, 1),
                    width=round(max(scale.day_width - 0.5, 0.5), 1),
                    level=level,
                    label=f"{title} on {_date_label(day)}: {words}",
                )
            )
        rows.append(
            StripRow(
                name=title, y=round(y + 2, 1), height=round(row_height - 4, 1), cells=tuple(cells)
            )
        )
    return Chart(
        slug="function",
        title="Weight bearing, walking aid, limping and sleep",
        description=_describe(len(checkins), scale, "check-ins"),
        x_ticks=scale.ticks(),
        y_ticks=tuple(Tick(round(row.y + row.height / 2, 1), row.name.split()[0]) for row in rows),
        y_label="",
        strip_rows=tuple(rows),
        markers=_markers(scale, flags, markers),
        bands=_bands(scale, bands),
        point_count=len(checkins),
        legend=tuple((f"level-{level}", label) for level, label in STRIP_LEVEL_LABELS),
    )
