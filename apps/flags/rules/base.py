"""Building blocks of the clinical rules: severities, thresholds, results, the rule base.

A rule is a small pure unit: it reads an `EpisodeSnapshot` and the thresholds in force and
returns a `RuleResult`. It never touches the database, the clock or settings.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from apps.flags.snapshot import CheckInData, EpisodeSnapshot, dates_ending

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Severity(enum.StrEnum):
    """How pressing a flag is (CLINICAL_RULES.md: Severity). The order of the members IS the
    severity order, most pressing first: `rank` (0 = emergency), `SEVERITY_ORDER`, and in SQL
    `apps.flags.models.severity_rank_expression` are all read from it."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    SOON = "soon"
    ROUTINE = "routine"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for the most pressing severity, counting up (sort ascending: worst first)."""
        return _SEVERITY_RANKS[self]

    @classmethod
    def rank_of(cls, value: str) -> int:
        """The rank of a stored severity string (``Severity(value).rank``)."""
        return cls(value).rank


_SEVERITY_RANKS: dict[Severity, int] = {severity: n for n, severity in enumerate(Severity)}

#: Severity values from most to least pressing (the enum's order).
SEVERITY_ORDER: tuple[str, ...] = tuple(severity.value for severity in Severity)

IMMEDIATE_SEVERITIES = frozenset({Severity.EMERGENCY, Severity.URGENT})


@dataclass(frozen=True)
class Thresholds:
    """Every tunable number of CLINICAL_RULES.md, with the spec's defaults.

    Overridden per deployment through ``settings.FLAG_THRESHOLDS`` (see docs/flags.md)."""

    window_days: int = 7
    trend_min_days: int = 4  # trend rules need check-ins on >= 4 of the 7 days of each window
    baseline_days: int = 7
    baseline_min_checkins: int = 3
    sudden_severe_pain_min: int = 8
    sudden_severe_pain_rise: int = 3
    possible_fracture_rise: int = 2
    pain_worsening_rise: float = 2.0
    pain_worsening_ratio: float = 1.3
    pain_returned_low_max: int = 2
    pain_returned_low_run_days: int = 7
    pain_returned_lookback_days: int = 28
    pain_returned_high_min: int = 4
    pain_returned_high_days: int = 3
    pain_returned_recent_days: int = 5
    other_hip_pain_days: int = 2
    daily_life_affected_days: int = 4
    no_improvement_after_days: int = 14
    no_improvement_min_drop_points: float = 1.0
    no_improvement_min_drop_fraction: float = 0.15
    morning_stiffness_minutes: int = 30  # "more than 30 minutes"
    morning_stiffness_days: int = 3
    not_resolving_after_days: int = 365
    not_resolving_pain_min: int = 3
    not_resolving_days: int = 4
    low_adherence_ratio: float = 0.8
    missed_checkins_days: int = 3
    lost_to_follow_up_days: int = 7  # no activity of any kind on the 7 local dates before today
    # outcome_worsened: the change must reach this multiple of the score's published MCID
    # (1.0 = the MCID as published) and exceed its MDC (docs/outcomes.md).
    outcome_worsened_mcid_factor: float = 1.0
    # new_joint_pain_after_resolution: sites with new pain in one joint check (of 4).
    new_joint_pain_min_sites: int = 1
    weight_bearing_beyond_days: int = 3  # beyond the prescription on >= 3 of the last 7 days

    @classmethod
    def from_overrides(cls, overrides: dict[str, Any] | None) -> Thresholds:
        known = {f.name for f in fields(cls)}
        unknown = set(overrides or {}) - known
        if unknown:
            raise ValueError(f"Unknown FLAG_THRESHOLDS keys: {sorted(unknown)}")
        return cls(**(overrides or {}))

    def pick(self, *names: str) -> dict[str, Any]:
        """The thresholds a rule used, for its evidence."""
        values = asdict(self)
        return {name: values[name] for name in names}


@dataclass(frozen=True)
class RuleResult:
    """What a rule says about one evaluated date.

    ``holds`` is True (met), False (not met) or None (not evaluated: too little data; the
    reason says which). ``severity`` is set only when the rule's outcome changes its severity
    (infection_signs with both signs is an emergency).
    """

    holds: bool | None
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)
    severity: Severity | None = None

    @property
    def evaluated(self) -> bool:
        return self.holds is not None


class Rule:
    """One clinical rule. Subclasses set the class attributes and implement `evaluate`.

    The docstring of each subclass names its source (CLINICAL_RULES.md "why")."""

    code: ClassVar[str]
    #: The rule's name for people (dashboard, admin, digests): "Sudden severe pain".
    title: ClassVar[str]
    version: ClassVar[int] = 1
    severity: ClassVar[Severity]
    #: Plain-words advice to the patient; ``{emergency_number}`` and ``{helpline}`` are filled
    #: from settings. Never a diagnosis.
    patient_message: ClassVar[StrOrPromise]
    #: True when the care team's daily digest quotes each live flag of the rule with its
    #: clinician summary (the rule's numbers), not only in the counts.
    digest_detail: ClassVar[bool] = False

    @property
    def source(self) -> str:
        return (type(self).__doc__ or "").strip()

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        raise NotImplementedError

    # Helpers shared by the rules ------------------------------------------------------------
    @staticmethod
    def not_evaluated(reason: str, **evidence: Any) -> RuleResult:
        return RuleResult(holds=None, reason=reason, evidence=jsonable(evidence))

    @staticmethod
    def result(holds: bool, reason: str, **evidence: Any) -> RuleResult:
        return RuleResult(holds=holds, reason=reason, evidence=jsonable(evidence))


def jsonable(value: Any) -> Any:
    """Evidence goes to a JSON field: dates as ISO strings, fractions as rounded floats."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(item) for item in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Fraction):
        return round(float(value), 2)
    if isinstance(value, float):
        return round(value, 2)
    return value


def fmt(value: Fraction | Decimal | float | int) -> str:
    """A number for a one-line reason: at most 2 decimals, no trailing zeros."""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Window:
    """The check-ins of a run of local dates."""

    dates: list[dt.date]
    checkins: list[CheckInData]

    @property
    def missing_dates(self) -> list[dt.date]:
        present = {checkin.date for checkin in self.checkins}
        return [day for day in self.dates if day not in present]

    def mean(self, attribute: str) -> Fraction | None:
        values = [getattr(c, attribute) for c in self.checkins if getattr(c, attribute) is not None]
        return Fraction(sum(values), len(values)) if values else None

    def values(self, attribute: str) -> dict[dt.date, Any]:
        return {c.date: getattr(c, attribute) for c in self.checkins}


def window(snapshot: EpisodeSnapshot, end: dt.date, days: int) -> Window:
    dates = dates_ending(end, days)
    found = [snapshot.checkin_on(day) for day in dates]
    return Window(dates=dates, checkins=[c for c in found if c is not None])


def baseline(
    snapshot: EpisodeSnapshot, day: dt.date, attribute: str, thresholds: Thresholds
) -> tuple[Fraction | None, Window]:
    """Mean of ``attribute`` over the 7 local dates before ``day``; None unless at least 3 of
    those dates have a check-in with a value (CLINICAL_RULES.md: Baseline)."""
    before = window(snapshot, day - dt.timedelta(days=1), thresholds.baseline_days)
    with_value = [c for c in before.checkins if getattr(c, attribute) is not None]
    if len(with_value) < thresholds.baseline_min_checkins:
        return None, before
    return Fraction(sum(getattr(c, attribute) for c in with_value), len(with_value)), before
