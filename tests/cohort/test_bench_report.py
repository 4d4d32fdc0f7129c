"""The bench report's table (scripts/benchmarks/report.py) lists every target, measured or
not: a partial run (`--skip`, `--http-figures`) says which targets it left out."""

from __future__ import annotations

from scripts.benchmarks.common import TARGETS, Figure, ratio_figure
from scripts.benchmarks.report import table


def test_a_partial_run_still_lists_every_target():
    measured = ratio_figure(
        "check-in POST throughput", [60.0], [100.0], unit="req/s", key="checkin"
    )

    rows = table([measured]).splitlines()[2:]

    assert rows[0].startswith("| check-in POST throughput | 60.0 req/s | 100.0 req/s | 0.60 |")
    assert rows[0].endswith("| **no** |")
    assert len(rows) == len(TARGETS)
    left_out = [row for row in rows if row.endswith("| not measured in this run |")]
    assert len(left_out) == len(TARGETS) - 1
    for key, target in TARGETS.items():
        if key != "checkin":
            assert any(row.startswith(f"| {target.row} |") for row in left_out), key


def test_the_issue_19_targets_are_the_ones_in_the_table():
    texts = {key: target.text for key, target in TARGETS.items()}
    assert texts["checkin"] == "≥ 0.7× bare create"
    assert texts["dashboard"] == "≥ 0.4× bare 50-row list"
    assert texts["questionnaire"] == "≥ 0.6× bare create"
    assert texts["timeline"] == "≥ 0.5× bare 50-row list"
    assert texts["sweep-workers"] == "≥ 1.6× speed-up"
    for key, at, below in (("questionnaire", 0.6, 0.59), ("dashboard", 0.4, 0.39)):
        check = TARGETS[key].check
        assert check is not None
        assert check(at)
        assert not check(below)


def test_a_figure_without_a_target_is_reported_not_judged():
    figure = ratio_figure("timeline, the whole year", [10.0], [100.0], unit="req/s", key="")
    assert (figure.target, figure.met) == ("– (reported)", None)
    assert isinstance(figure, Figure)
