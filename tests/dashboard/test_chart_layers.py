"""The charts' generic layers (markers, bands, legend), the strip and per-side pain."""

from __future__ import annotations

import datetime as dt

from apps.dashboard import charts
from apps.dashboard.chart_layers import BandSpec, MarkerSpec

START, END = dt.date(2025, 12, 1), dt.date(2026, 3, 10)


def test_markers_from_any_source_stack_when_close_and_share_one_legend():
    scale = charts.TimeScale(START, END)
    chart = charts.measure_chart(
        scale,
        slug="steps",
        title="Steps",
        values={dt.date(2026, 3, 1): 4000},
        flags=[{"date": dt.date(2026, 3, 2), "rule": "pain_worsening", "severity": "soon"}],
        markers=[
            MarkerSpec(dt.date(2026, 3, 2), "treatment", "Shock-wave therapy"),
            MarkerSpec(dt.date(2026, 3, 3), "score", "HOOS pain 45"),
            MarkerSpec(dt.date(2025, 1, 1), "score", "Out of range"),
        ],
        bands=[BandSpec(dt.date(2026, 2, 1), dt.date(2026, 2, 14), "treatment", "Course")],
    )

    assert [(marker.kind, marker.row) for marker in chart.markers] == [
        ("flag-soon", 0),
        ("treatment", 1),
        ("score", 2),
    ]
    assert len(chart.bands) == 1
    assert chart.bands[0].width > 0
    assert chart.layer_legend == (
        ("flag-soon", "Soon flag"),
        ("treatment", "Treatment"),
        ("score", "Questionnaire score"),
    )


def test_month_labels_are_written_in_full_and_the_last_stays_inside():
    ticks = charts.TimeScale(START, END).ticks()

    assert [tick.label for tick in ticks] == ["Dec 2025", "Jan 2026", "Feb 2026", "Mar 2026"]
    assert ticks[0].anchor == "start"
    assert all(tick.position <= charts.PLOT_RIGHT for tick in ticks)
    short = charts.TimeScale(dt.date(2026, 3, 1), dt.date(2026, 3, 30)).ticks()
    assert short[0].label == "2 Mar"
    assert short[-1].anchor in {"middle", "end"}


def test_a_bilateral_pain_chart_draws_one_line_per_side():
    scale = charts.TimeScale(dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    chart = charts.pain_chart(
        scale,
        pain_now={dt.date(2026, 3, 1): 4, dt.date(2026, 3, 2): 6},
        pain_worst={},
        flags=[],
        per_side={"left": {dt.date(2026, 3, 1): 4}, "right": {dt.date(2026, 3, 2): 6}},
    )

    assert {series.css_class for series in chart.series if series.path} >= {
        "side-left",
        "side-right",
    }
    assert ("side-left", "Left hip") in chart.legend


def test_the_strip_shows_weight_bearing_and_walking_aid_per_day():
    scale = charts.TimeScale(dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    chart = charts.strip_chart(
        scale,
        checkins={
            dt.date(2026, 3, 1): {
                "weight_bearing": "partial",
                "walking_aid": "crutches",
                "limping": True,
                "sleep_disturbed": False,
            }
        },
    )

    cells = {row.name: [(c.level, c.label) for c in row.cells] for row in chart.strip_rows}
    assert cells["Weight bearing"] == [(2, "Weight bearing on 2026-03-01: partial")]
    assert cells["Walking aid"] == [(2, "Walking aid on 2026-03-01: crutches")]
    assert cells["Limping"] == [(2, "Limping on 2026-03-01: yes")]
    assert cells["Sleep disturbed"] == [(0, "Sleep disturbed on 2026-03-01: no")]
