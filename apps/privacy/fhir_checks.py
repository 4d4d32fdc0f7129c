"""The FHIR rules fhir.resources does not check: required value sets (``status`` and the
like), LOINC value ranges, and that every reference points at an entry of the bundle. Used
on each entry as the export is produced (``resource_problems``) and on a whole bundle
(``check_bundle``). See apps/privacy/fhir.py and docs/trust.md."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

LOINC = "http://loinc.org"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"

# Value sets FHIR R4 binds as "required" for the elements we fill.
OBSERVATION_STATUSES = {
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
}
PROCEDURE_STATUSES = {
    "preparation",
    "in-progress",
    "not-done",
    "on-hold",
    "stopped",
    "completed",
    "entered-in-error",
    "unknown",
}
CAREPLAN_STATUSES = {
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
}
FLAG_STATUSES = {"active", "inactive", "entered-in-error"}
CONDITION_CLINICAL_CODES = {
    "active",
    "recurrence",
    "relapse",
    "inactive",
    "remission",
    "resolved",
}
CONDITION_VERIFICATION_CODES = {
    "unconfirmed",
    "provisional",
    "differential",
    "confirmed",
    "refuted",
    "entered-in-error",
}
GENDERS = {"male", "female", "other", "unknown"}
BUNDLE_TYPES = {"collection"}


class InvalidBundle(ValueError):
    """The bundle breaks a FHIR rule fhir.resources does not check (codes, statuses, refs)."""


def _codes(concept: dict[str, Any], system: str) -> set[str]:
    return {c["code"] for c in concept.get("coding", []) if c.get("system") == system}


def check_bundle(bundle: dict[str, Any]) -> None:
    """Check what fhir.resources does not: required value sets, LOINC codes, value ranges,
    and that every reference points at an entry of the bundle."""
    if bundle.get("type") not in BUNDLE_TYPES:
        raise InvalidBundle(f"Bundle.type {bundle.get('type')!r}")
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    if len(full_urls) != len(bundle["entry"]):
        raise InvalidBundle("Two entries share a fullUrl.")
    problems: list[str] = []
    for entry in bundle["entry"]:
        problems += resource_problems(entry["resource"], full_urls)
    if problems:
        raise InvalidBundle("; ".join(problems))


def _refs(value: object) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if "reference" in value else []
        for item in value.values():
            found += _refs(item)
        return found
    if isinstance(value, list):
        return [ref for item in value for ref in _refs(item)]
    return []


def resource_problems(resource: dict[str, Any], full_urls: set[str]) -> list[str]:
    """What is wrong with one resource (codes, statuses, ranges, references not in
    ``full_urls``); empty when nothing is."""
    kind, rid = resource["resourceType"], resource.get("id")
    problems = [
        f"{kind}/{rid} refers to {reference}, not in the bundle"
        for reference in _refs(resource)
        if reference not in full_urls
    ]
    check = _CHECKS_BY_KIND.get(kind)
    if check is not None:
        problems += check(resource, rid)
    return problems


def _patient_problems(resource: dict[str, Any], rid: str | None) -> list[str]:
    if resource.get("gender") not in GENDERS:
        return [f"Patient.gender {resource.get('gender')!r}"]
    return []


def _condition_problems(resource: dict[str, Any], rid: str | None) -> list[str]:
    problems = []
    if not _codes(resource["clinicalStatus"], CONDITION_CLINICAL) <= (
        CONDITION_CLINICAL_CODES
    ) or not _codes(resource["clinicalStatus"], CONDITION_CLINICAL):
        problems.append(f"Condition/{rid} clinicalStatus")
    verification = _codes(resource["verificationStatus"], CONDITION_VERIFICATION)
    if not verification or not verification <= CONDITION_VERIFICATION_CODES:
        problems.append(f"Condition/{rid} verificationStatus")
    return problems


def _observation_problems(resource: dict[str, Any], rid: str | None) -> list[str]:
    problems = []
    if resource.get("status") not in OBSERVATION_STATUSES:
        problems.append(f"Observation/{rid} status {resource.get('status')!r}")
    loinc = _codes(resource["code"], LOINC)
    if "72514-3" in loinc and not 0 <= resource.get("valueInteger", -1) <= 10:
        problems.append(f"Observation/{rid} pain outside 0-10")
    if "41950-7" in loinc and resource.get("valueQuantity", {}).get("value", -1) < 0:
        problems.append(f"Observation/{rid} negative steps")
    if not resource["code"].get("coding"):
        problems.append(f"Observation/{rid} has no code")
    return problems


def _status_in(
    statuses: Collection[str],
) -> Callable[[dict[str, Any], str | None], list[str]]:
    """A check that the resource's ``status`` is one of ``statuses``."""

    def check(resource: dict[str, Any], rid: str | None) -> list[str]:
        if resource.get("status") not in statuses:
            return [f"{resource['resourceType']}/{rid} status {resource.get('status')!r}"]
        return []

    return check


# The checks of each kind of resource beyond its references.
_CHECKS_BY_KIND: dict[str, Callable[[dict[str, Any], str | None], list[str]]] = {
    "Patient": _patient_problems,
    "Condition": _condition_problems,
    "Observation": _observation_problems,
    "Procedure": _status_in(PROCEDURE_STATUSES),
    "CarePlan": _status_in(CAREPLAN_STATUSES),
    "Flag": _status_in(FLAG_STATUSES),
}
