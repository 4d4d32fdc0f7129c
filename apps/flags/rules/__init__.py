"""The clinical rules of CLINICAL_RULES.md, one small pure unit each, and their registry."""

from __future__ import annotations

from django.conf import settings

from apps.flags.rules.base import (
    IMMEDIATE_SEVERITIES,
    SEVERITY_ORDER,
    Rule,
    RuleResult,
    Severity,
    Thresholds,
)
from apps.flags.rules.course import AssessmentDeclined, WeightBearingBeyondPrescription
from apps.flags.rules.engagement import LowAdherence, MissedCheckins
from apps.flags.rules.follow_up import LostToFollowUp
from apps.flags.rules.immediate import (
    CannotBearWeight,
    FallOrInjury,
    InfectionSigns,
    LegDeformity,
    NerveSymptomsAfterInjury,
    PossibleFracture,
    SkinColourChange,
    SuddenSeverePain,
)
from apps.flags.rules.outcomes import NewJointPainAfterResolution, OutcomeWorsened
from apps.flags.rules.trends import (
    DailyLifeAffected,
    MorningStiffness,
    NoImprovementTwoWeeks,
    NotResolving,
    OtherHipPain,
    PainReturned,
    PainWorsening,
)
from apps.flags.snapshot import EpisodeSnapshot

ALL_RULES: tuple[Rule, ...] = (
    FallOrInjury(),
    CannotBearWeight(),
    LegDeformity(),
    NerveSymptomsAfterInjury(),
    InfectionSigns(),
    SkinColourChange(),
    SuddenSeverePain(),
    PossibleFracture(),
    PainWorsening(),
    PainReturned(),
    OtherHipPain(),
    DailyLifeAffected(),
    NoImprovementTwoWeeks(),
    MorningStiffness(),
    NotResolving(),
    LowAdherence(),
    MissedCheckins(),
    LostToFollowUp(),
    OutcomeWorsened(),
    NewJointPainAfterResolution(),
    AssessmentDeclined(),
    WeightBearingBeyondPrescription(),
)
RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in ALL_RULES}
#: Names of rules whose class is not (yet) in `ALL_RULES`: their flags may exist or arrive
#: with another app (``outcome_worsened``: the outcomes app's questionnaires).
_OTHER_TITLES: dict[str, str] = {"outcome_worsened": "Questionnaire score worse"}


def rule_title(code: str) -> str:
    """The one human name of a rule code (the Rule's ``title``), for every screen."""
    rule = RULES_BY_CODE.get(code)
    if rule is not None:
        return rule.title
    return _OTHER_TITLES.get(code) or code.replace("_", " ").capitalize()


def rule_titles() -> dict[str, str]:
    """Every known rule code → its human name, in the registry's order."""
    return {**{rule.code: rule.title for rule in ALL_RULES}, **_OTHER_TITLES}


#: Rules evaluated inside the check-in request (their base severity is emergency or urgent).
IMMEDIATE_RULES: tuple[Rule, ...] = tuple(
    rule for rule in ALL_RULES if rule.severity in IMMEDIATE_SEVERITIES
)


def thresholds_in_force() -> Thresholds:
    """The spec's defaults with the deployment's ``settings.FLAG_THRESHOLDS`` applied."""
    return Thresholds.from_overrides(getattr(settings, "FLAG_THRESHOLDS", None))


def evaluate_rules(
    snapshot: EpisodeSnapshot,
    thresholds: Thresholds,
    rules: tuple[Rule, ...] = ALL_RULES,
) -> dict[str, RuleResult]:
    """Every given rule's result for the snapshot's evaluated date, by rule code."""
    return {rule.code: rule.evaluate(snapshot, thresholds) for rule in rules}


def patient_message(rule: Rule, result: RuleResult) -> str:
    """The rule's advice in plain words, with the deployment's numbers filled in."""
    template = rule.patient_message
    if result.severity == Severity.EMERGENCY and hasattr(rule, "emergency_message"):
        template = rule.emergency_message
    # The templates are lazy translations: rendered here, in the active language.
    return str(template).format(
        emergency_number=settings.EMERGENCY_NUMBER, helpline=settings.HELPLINE
    )


def flag_patient_message(*, rule_code: str, severity: str, stored: str) -> str:
    """A stored flag's advice in the active language: its rule's message, rendered now (the
    stored text was written in the language active when the flag was evaluated); the stored
    text for a rule that no longer exists."""
    rule = RULES_BY_CODE.get(rule_code)
    if rule is None:
        return stored
    return patient_message(rule, RuleResult(holds=True, reason="", severity=Severity(severity)))


def severity_of(rule: Rule, result: RuleResult) -> Severity:
    return result.severity or rule.severity


__all__ = [
    "ALL_RULES",
    "IMMEDIATE_RULES",
    "RULES_BY_CODE",
    "SEVERITY_ORDER",
    "Rule",
    "RuleResult",
    "Severity",
    "Thresholds",
    "evaluate_rules",
    "flag_patient_message",
    "patient_message",
    "severity_of",
    "thresholds_in_force",
]
