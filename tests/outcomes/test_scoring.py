"""Table tests of every scoring algorithm at its boundaries, and of the MCID/MDC decisions
(pure)."""

from __future__ import annotations

import pytest

from apps.outcomes.scoring import Change, ScoreSpec, change_of, score

ITEMS = ("a", "b", "c", "d")


def spec(algorithm, **fields):
    return ScoreSpec(
        algorithm=algorithm,
        items=fields.pop("items", ITEMS),
        min_answered=fields.pop("min_answered", 3),
        **fields,
    )


@pytest.mark.parametrize(
    ("algorithm", "weights", "fields", "value", "reason"),
    [
        ("sum", {"a": 1, "b": 2, "c": 3, "d": 4}, {}, 10, ""),
        ("sum", {"a": 1, "b": 2, "c": 3}, {}, 6, ""),  # exactly min answered
        ("sum", {"a": 1, "b": 2}, {}, None, "2 of 4 items answered; the score needs 3"),
        ("sum", {"a": 1, "b": 2, "c": None}, {}, None, "2 of 4 items answered; the score needs 3"),
        ("mean", {"a": 4, "b": 5, "c": 6}, {}, 5, ""),
        ("mean", {"a": 0, "b": 0, "c": 0, "d": 0}, {}, 0, ""),
        ("mean", {"a": 10, "b": 10, "c": 10}, {}, 10, ""),
        ("mean", {"a": 1, "b": 2, "c": 2}, {}, 1.6667, ""),
        ("mean", {"x": 1, "a": 2}, {}, None, "1 of 4 items answered; the score needs 3"),
        # HOOS-style rescaling: items 0-4, 0 = no problem = 100
        (
            "rescaled_sum_0_100",
            {"a": 0, "b": 0},
            {"min_answered": 2, "item_max": 4, "reverse": True},
            100,
            "",
        ),
        (
            "rescaled_sum_0_100",
            {"a": 4, "b": 4, "c": 4, "d": 4},
            {"min_answered": 2, "item_max": 4, "reverse": True},
            0,
            "",
        ),
        (
            "rescaled_sum_0_100",
            {"a": 1, "b": 2},
            {"min_answered": 2, "item_max": 4, "reverse": True},
            62.5,
            "",
        ),
        (
            "rescaled_sum_0_100",
            {"a": 1},
            {"min_answered": 2, "item_max": 4, "reverse": True},
            None,
            "1 of 4 items answered; the score needs 2",
        ),
        (
            "rescaled_sum_0_100",
            {"a": 1, "b": 1, "c": 1, "d": 1},
            {"min_answered": 4, "item_min": 1, "item_max": 5},
            0,
            "",
        ),
        (
            "rescaled_sum_0_100",
            {"a": 5, "b": 5, "c": 5, "d": 5},
            {"min_answered": 4, "item_min": 1, "item_max": 5},
            100,
            "",
        ),
    ],
)
def test_algorithms_at_their_boundaries(algorithm, weights, fields, value, reason):
    outcome = score(spec(algorithm, **fields), weights)
    assert outcome.value == (pytest.approx(value) if value is not None else None)
    assert outcome.reason == reason


TABLE = {str(raw): raw * 5.0 for raw in range(0, 17)}  # synthetic, made for the tests


@pytest.mark.parametrize(
    ("weights", "fields", "value", "reason"),
    [
        ({"a": 0, "b": 0, "c": 0, "d": 0}, {}, 0, ""),  # lowest raw
        ({"a": 4, "b": 4, "c": 4, "d": 4}, {}, 80, ""),  # highest raw
        ({"a": 1, "b": 2, "c": 2}, {}, 35, ""),  # prorated 5 * 4/3 = 6.67 -> 7
        ({"a": 1, "b": 1, "c": 1}, {}, 20, ""),  # prorated 4 exactly
        ({"a": 1, "b": 1, "c": 2}, {}, 25, ""),  # prorated 5.33 -> 5
        ({"a": 1, "b": 1}, {}, None, "2 of 4 items answered; the score needs 3"),
        (
            {"a": 4, "b": 4, "c": 4, "d": 4},
            {"lookup": {"0": 0.0}},
            None,
            "16 is not in the conversion table",
        ),
        (
            {"a": 1, "b": 1, "c": 1},
            {"lookup": None},
            None,
            "the conversion table is not loaded (it ships with the licensed file)",
        ),
    ],
)
def test_lookup_raw_sum(weights, fields, value, reason):
    outcome = score(spec("lookup", **({"lookup": TABLE} | fields)), weights)
    assert (outcome.value, outcome.reason) == (value, reason)


def test_lookup_by_profile():
    profile = spec(
        "lookup",
        items=("a", "b"),
        min_answered=2,
        lookup_key="profile",
        lookup={"11": 1.0, "12": 0.9},
    )
    assert score(profile, {"a": 1, "b": 2}).value == 0.9
    assert score(profile, {"a": 2, "b": 2}).reason == "22 is not in the conversion table"


@pytest.mark.parametrize(
    ("value", "baseline", "better", "mcid", "mdc", "beyond", "meaningful"),
    [
        (6.3, 5.0, "higher", 1.3, 2.0, False, "better"),  # exactly the MCID
        (6.2, 5.0, "higher", 1.3, 2.0, False, "none"),
        (3.7, 5.0, "higher", 1.3, 2.0, False, "worse"),
        (2.9, 5.0, "higher", 1.3, 2.0, True, "worse"),
        (3.0, 5.0, "higher", 1.3, 2.0, False, "worse"),  # 2 is not beyond an MDC of 2
        (3.0, 5.0, "lower", 1.5, None, None, "better"),
        (5.0, None, "higher", 1.3, 2.0, None, None),  # the baseline itself
        (5.0, 4.0, "higher", None, None, None, None),
    ],
)
def test_change_decisions(value, baseline, better, mcid, mdc, beyond, meaningful):
    change = change_of(
        value=value, baseline=baseline, previous=baseline, better=better, mcid=mcid, mdc=mdc
    )
    assert (change.beyond_mdc, change.meaningful) == (beyond, meaningful)
    if baseline is not None:
        assert change.change_from_baseline == pytest.approx(value - baseline)


def test_null_value_has_no_change():
    change = change_of(value=None, baseline=5, previous=5, better="higher", mcid=1, mdc=1)
    assert change == Change(None, None, None, None)
