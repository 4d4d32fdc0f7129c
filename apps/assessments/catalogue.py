"""The clinic tests a physiotherapist measures (API.md: Clinic assessments), as data: unit,
LOINC code, whether the test is per side and per movement, the methods it may be measured
with, the plausible range, which direction is better, and the minimal detectable change (MDC)
with its source (/work/shared/OUTCOMES.md "Clinic tests").

A test without an MDC in the literature we hold has ``mdc=None`` and says why: a change of it
is never called "beyond the MDC" and `assessment_declined` is not evaluated for it (a
deployment may set one with its own source in ``settings.ASSESSMENT_MDC``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings


@dataclass(frozen=True)
class TestDefinition:
    code: str
    title: str
    unit: str  # UCUM
    loinc: str | None
    per_side: bool
    has_movement: bool
    methods: tuple[str, ...]
    min_value: Decimal
    max_value: Decimal
    decimals: int
    better: str  # "higher" | "lower"
    mdc: Decimal | None
    mdc_source: str

    __test__ = False  # not a pytest test class


HIP_MOVEMENTS = (
    "flexion",
    "extension",
    "abduction",
    "adduction",
    "internal_rotation",
    "external_rotation",
)
ROM_METHODS = ("goniometer", "inclinometer", "visual")

_DEFINITIONS: tuple[TestDefinition, ...] = (
    TestDefinition(
        code="timed_up_and_go",
        title="Timed Up and Go",
        unit="s",
        loinc="89423-8",
        per_side=False,
        has_movement=False,
        methods=(),
        min_value=Decimal("1"),
        max_value=Decimal("300"),
        decimals=2,
        better="lower",
        mdc=Decimal("1.10"),
        mdc_source="MDC 1.10 s in knee osteoarthritis (OUTCOMES.md, Clinic tests); "
        "MDC95 2.5 s early after hip replacement",
    ),
    TestDefinition(
        code="chair_stand_30s",
        title="30-second chair stand",
        unit="{count}",
        loinc="66247-8",
        per_side=False,
        has_movement=False,
        methods=(),
        min_value=Decimal("0"),
        max_value=Decimal("60"),
        decimals=0,
        better="higher",
        mdc=Decimal("2.5"),
        mdc_source="individual MDC about 2.5 stands in knee osteoarthritis (OUTCOMES.md)",
    ),
    TestDefinition(
        code="six_minute_walk",
        title="6-minute walk",
        unit="m",
        loinc="64098-7",
        per_side=False,
        has_movement=False,
        methods=(),
        min_value=Decimal("0"),
        max_value=Decimal("1000"),
        decimals=0,
        better="higher",
        mdc=None,
        mdc_source="no MDC found; MCID 26-74 m depending on population (OUTCOMES.md)",
    ),
    TestDefinition(
        code="single_leg_stance",
        title="Single-leg stance",
        unit="s",
        loinc="66569-5",
        per_side=True,
        has_movement=False,
        methods=(),
        min_value=Decimal("0"),
        max_value=Decimal("300"),
        decimals=1,
        better="higher",
        mdc=None,
        mdc_source="no MDC found; cut-offs < 10 s / < 5 s (OUTCOMES.md)",
    ),
    TestDefinition(
        code="gait_speed",
        title="Gait speed",
        unit="m/s",
        loinc="83172-7",
        per_side=False,
        has_movement=False,
        methods=(),
        min_value=Decimal("0"),
        max_value=Decimal("3"),
        decimals=2,
        better="higher",
        mdc=Decimal("0.13"),
        mdc_source="MDC95 0.13-0.16 m/s after hip replacement, lower bound (OUTCOMES.md)",
    ),
    TestDefinition(
        code="hip_rom",
        title="Hip range of motion",
        unit="deg",
        loinc=None,
        per_side=True,
        has_movement=True,
        methods=ROM_METHODS,
        min_value=Decimal("-30"),
        max_value=Decimal("180"),
        decimals=0,
        better="higher",
        mdc=None,
        mdc_source="no MDC per movement found; goniometer and inclinometer differ by 2.6-5 "
        "degrees, so the method is stored (OUTCOMES.md)",
    ),
    TestDefinition(
        code="pain_free_walking_distance",
        title="Pain-free walking distance",
        unit="m",
        loinc=None,
        per_side=False,
        has_movement=False,
        methods=(),
        min_value=Decimal("0"),
        max_value=Decimal("100000"),
        decimals=0,
        better="higher",
        mdc=None,
        mdc_source="no MDC found (OUTCOMES.md)",
    ),
)

TEST_CODES: tuple[str, ...] = tuple(d.code for d in _DEFINITIONS)
TEST_CHOICES = [(d.code, d.title) for d in _DEFINITIONS]
#: Local code system for the tests without a LOINC code (FHIR export).
LOCAL_CODE_SYSTEM = "https://toh-recovery.example/fhir/CodeSystem/clinic-tests"


def definition(code: str) -> TestDefinition:
    """The test's definition with the deployment's MDC override (``settings.ASSESSMENT_MDC``:
    ``{"hip_rom": ["5", "our clinic's test-retest study"]}``) applied."""
    base = {d.code: d for d in _DEFINITIONS}[code]
    override = (getattr(settings, "ASSESSMENT_MDC", None) or {}).get(code)
    if override is None:
        return base
    value, source = override
    return replace(base, mdc=Decimal(str(value)), mdc_source=str(source))


def definitions() -> list[TestDefinition]:
    return [definition(code) for code in TEST_CODES]


def units_help() -> str:
    """The units per test, for the schema."""
    return "; ".join(f"`{d.code}`: {d.unit}" for d in _DEFINITIONS)
