"""Where a patient is in the expected course of TOH: one pure function (`decide_phase`).

It reads the patient's own 7-day means (`apps.dashboard.selectors`: mean ``pain_now`` over
the 7 local dates ending today, and its change against the 7 dates before), the weekly means
of the episode (`apps.dashboard.course.episode_weekly_pain`) and the expected course (the week
by which pain usually stops building: from the clinic's resolved episodes when there are
enough, else from published figures, `apps.progress.course`). No database, clock or settings:
the table tests in tests/progress/test_phase.py hold every branch.

The thresholds are modelling choices (docs/progress.md), not clinical cut-offs: a change of at
least 1 point of the 0–10 scale between two 7-day means is read as a trend (about the
smallest change patients notice on a pain NRS, Salaffi 2004, Eur J Pain 8:283); a mean of 2 or
less is "low" (the API's treatment effect counts the first 7-day window with mean
``pain_now`` ≤ 2 as settled); a steady mean at least 1.5 points under the worst week so far is
past the worst.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class Phase(enum.StrEnum):
    BUILDING = "building"
    PEAK = "peak"
    EASING = "easing"
    RESOLVED = "resolved"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PhaseThresholds:
    #: Check-ins needed over the last 14 local dates (some in each 7-day window).
    min_checkins_14d: int = 4
    #: A change of the 7-day mean (points of 0-10) read as rising or falling.
    trend_points: float = 1.0
    #: A steady 7-day mean at or below this is low.
    low_mean: float = 2.0
    #: A steady 7-day mean this far below the worst weekly mean so far is past the worst.
    below_worst_points: float = 1.5


@dataclass(frozen=True)
class PhaseInputs:
    """What the phase is decided from (all the patient's own data, and the expected course)."""

    #: Whole weeks since symptom onset (None: no episode).
    week: int | None
    resolved: bool = False
    #: Check-ins over the last 14 local dates, and in the last 7 of them.
    checkins_14d: int = 0
    pain_7d_mean: float | None = None
    #: Against the 7 dates before (None unless both windows have a check-in).
    pain_7d_change: float | None = None
    #: Weekly means by week since onset, oldest first (the episode's own weeks).
    weekly_means: tuple[float, ...] = field(default_factory=tuple)
    #: The week by which pain has usually stopped building (the expected course's peak).
    expected_peak_week: int = 8


@dataclass(frozen=True)
class PhaseDecision:
    phase: Phase
    #: A stable code for the branch taken (tests, analytics); ``reason`` is its plain words.
    code: str
    reason: str
    #: Consecutive weeks (up to the current one) each with a lower mean than the one before.
    easing_weeks: int = 0


def _easing_weeks(weekly_means: tuple[float, ...]) -> int:
    count = 0
    for later, earlier in zip(reversed(weekly_means), reversed(weekly_means[:-1]), strict=False):
        if later < earlier:
            count += 1
        else:
            break
    return count


def _too_little(inputs: PhaseInputs, thresholds: PhaseThresholds) -> PhaseDecision:
    reason = ngettext(
        "Only %(count)d check-in in the last 14 days: at least %(needed)d, in both weeks, "
        "are needed to tell the phase.",
        "Only %(count)d check-ins in the last 14 days: at least %(needed)d, in both weeks, "
        "are needed to tell the phase.",
        inputs.checkins_14d,
    ) % {"count": inputs.checkins_14d, "needed": thresholds.min_checkins_14d}
    return PhaseDecision(Phase.UNKNOWN, "too_few_checkins", reason)


def decide_phase(
    inputs: PhaseInputs, thresholds: PhaseThresholds = PhaseThresholds()
) -> PhaseDecision:
    """The phase of the patient's course and why (see the module docstring)."""
    if inputs.resolved:
        return PhaseDecision(
            Phase.RESOLVED, "episode_resolved", _("Your care team marked this episode resolved.")
        )
    if inputs.week is None:
        return PhaseDecision(Phase.UNKNOWN, "no_episode", _("There is no episode on record."))
    mean, change = inputs.pain_7d_mean, inputs.pain_7d_change
    if inputs.checkins_14d < thresholds.min_checkins_14d or mean is None or change is None:
        return _too_little(inputs, thresholds)
    easing = _easing_weeks(inputs.weekly_means)
    if change >= thresholds.trend_points:
        return PhaseDecision(
            Phase.BUILDING, "rising", _("Your 7-day average pain rose against the week before.")
        )
    if change <= -thresholds.trend_points:
        return PhaseDecision(
            Phase.EASING,
            "falling",
            _("Your 7-day average pain fell against the week before."),
            easing_weeks=max(easing, 1),
        )
    if mean <= thresholds.low_mean:
        return PhaseDecision(
            Phase.EASING, "low_and_steady", _("Your pain is low and steady."), easing
        )
    worst = max(inputs.weekly_means, default=mean)
    if worst - mean >= thresholds.below_worst_points:
        return PhaseDecision(
            Phase.EASING,
            "steady_below_worst",
            _("Your pain is steady and well below your worst week."),
            easing,
        )
    if inputs.week < inputs.expected_peak_week:
        return PhaseDecision(
            Phase.BUILDING,
            "steady_early",
            _("Your pain is steady, at a stage when it usually still builds."),
        )
    return PhaseDecision(
        Phase.PEAK, "steady_at_worst", _("Your pain is steady, close to your worst so far.")
    )
