"""Scoring on the server: pure functions, one per algorithm, and the change decisions
(no database, no settings; a null score's reason is the English text of a template of
apps/outcomes/reasons.py, rendered in the patient's language when read). ``algorithm_version``
names this code's behaviour for each algorithm: a change of what one computes bumps its
number, and ``rescore_outcomes`` recomputes the stored scores."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from apps.outcomes.reasons import (
    NO_CONVERSION_TABLE,
    NOT_IN_CONVERSION_TABLE,
    PROFILE_INCOMPLETE,
    TOO_FEW_ANSWERED,
)

#: The version of each algorithm's code; stored with every score it makes.
ALGORITHM_VERSIONS: dict[str, int] = {
    "sum": 1,
    "mean": 1,
    "rescaled_sum_0_100": 1,
    "lookup": 1,
}


@dataclass(frozen=True)
class ScoreSpec:
    """What one score needs: its items (link ids), how many must be answered, and for the
    algorithms that need it the items' range (``rescaled_sum_0_100``: ``item_min``,
    ``item_max``, ``reverse`` when the lowest item value is the best state) or the lookup
    table (``lookup``: keys are the raw sum, prorated over the answered items, or with
    ``lookup_key == "profile"`` the answers' digits in item order)."""

    algorithm: str
    items: tuple[str, ...]
    min_answered: int
    item_min: float = 0.0
    item_max: float = 1.0
    reverse: bool = False
    lookup: Mapping[str, float] | None = None
    lookup_key: str = "raw_sum"


@dataclass(frozen=True)
class ScoreOutcome:
    value: float | None
    reason: str = ""


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def score(spec: ScoreSpec, weights: Mapping[str, float | None]) -> ScoreOutcome:
    """The score of one response: ``weights`` are the answered items' numbers (an option's
    weight, or the number typed) by link id. Too few answered: null with the reason."""
    answered = [
        float(weight) for weight in (weights.get(i) for i in spec.items) if weight is not None
    ]
    if len(answered) < spec.min_answered:
        return ScoreOutcome(
            None,
            TOO_FEW_ANSWERED
            % {"answered": len(answered), "items": len(spec.items), "needed": spec.min_answered},
        )
    if spec.algorithm == "sum":
        return ScoreOutcome(round(math.fsum(answered), 4))
    if spec.algorithm == "mean":
        return ScoreOutcome(round(math.fsum(answered) / len(answered), 4))
    if spec.algorithm == "rescaled_sum_0_100":
        return ScoreOutcome(rescaled_0_100(answered, spec))
    if spec.algorithm == "lookup":
        return looked_up(spec, answered, weights)
    raise ValueError(f"Unknown algorithm {spec.algorithm!r}")


def rescaled_0_100(answered: Sequence[float], spec: ScoreSpec) -> float:
    """The sum of the answered items prorated to all items and rescaled so that the lowest
    possible sum is 0 and the highest 100 (reversed: the lowest is 100), i.e. the mean item
    on the 0-100 line, as the HOOS/KOOS scoring does with missing items."""
    mean = math.fsum(answered) / len(answered)
    span = spec.item_max - spec.item_min
    value = (mean - spec.item_min) / span * 100
    return round(100 - value if spec.reverse else value, 4)


def looked_up(
    spec: ScoreSpec, answered: Sequence[float], weights: Mapping[str, float | None]
) -> ScoreOutcome:
    if spec.lookup is None:
        return ScoreOutcome(None, NO_CONVERSION_TABLE)
    if spec.lookup_key == "profile":
        if len(answered) < len(spec.items):
            return ScoreOutcome(None, PROFILE_INCOMPLETE)
        key = "".join(_fmt(float(weights[i] or 0)) for i in spec.items)
    else:
        # Prorated raw sum, rounded half up (PROMIS scoring manuals' rule for short forms).
        raw = math.fsum(answered) * len(spec.items) / len(answered)
        key = str(int(math.floor(raw + 0.5)))
    if key not in spec.lookup:
        return ScoreOutcome(None, NOT_IN_CONVERSION_TABLE % {"key": key})
    return ScoreOutcome(round(float(spec.lookup[key]), 4))


# --- Change --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A score against the patient's earlier ones of the same score definition code.

    ``beyond_mdc``: |change from baseline| > MDC; ``meaningful``: ``"better"`` or
    ``"worse"`` when the change from baseline reaches the MCID in that direction, ``"none"``
    when it does not; both null when there is no baseline or no threshold."""

    change_from_baseline: float | None
    change_from_previous: float | None
    beyond_mdc: bool | None
    meaningful: str | None


def signed_towards_better(change: float, better: str) -> float:
    """A change counted positive when it goes the better way."""
    return change if better == "higher" else -change


def change_of(
    *,
    value: float | None,
    baseline: float | None,
    previous: float | None,
    better: str,
    mcid: float | None,
    mdc: float | None,
) -> Change:
    if value is None:
        return Change(None, None, None, None)
    from_baseline = None if baseline is None else round(value - baseline, 4)
    from_previous = None if previous is None else round(value - previous, 4)
    beyond = None
    meaningful = None
    if from_baseline is not None:
        if mdc is not None:
            beyond = abs(from_baseline) > mdc
        if mcid is not None:
            meaningful = meaningful_direction(from_baseline, better=better, mcid=mcid)
    return Change(from_baseline, from_previous, beyond, meaningful)


def meaningful_direction(change: float, *, better: str, mcid: float) -> str:
    """``"better"``/``"worse"`` when ``change`` reaches the MCID that way, else ``"none"``.
    A small tolerance keeps 5.0 - 3.7 (1.3000000000000003) equal to an MCID of 1.3."""
    towards = signed_towards_better(change, better)
    if towards >= mcid - 1e-9:
        return "better"
    if -towards >= mcid - 1e-9:
        return "worse"
    return "none"
