"""A patient's complete record as a FHIR R4 Bundle (JSON), built and validated with
fhir.resources' R4B package (same shapes as R4 for every resource used here).

fhir.resources checks structure and types but not codes or ``status`` values, so
apps/privacy/fhir_checks.py checks those against the value sets FHIR R4 requires. Codes: LOINC
where a standard code exists (pain 72514-3, steps 41950-7), our own code system for the rest
(see docs/trust.md for the table).

Reads the other apps' models directly (read only, a fixed number of queries): the export is
the one place that needs every kind of record at once. ``patient_bundle_json`` streams it:
entries are built, checked and written one at a time (``bundle_entries``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle, BundleEntry

from apps.accounts.models import Patient
from apps.core.timezones import local_today
from apps.privacy.fhir_checks import (
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    GENDERS,
    LOINC,
    InvalidBundle,
    check_bundle,
    resource_problems,
)
from apps.privacy.fhir_course import course_resources

if TYPE_CHECKING:
    from apps.checkins.models import CheckIn
    from apps.episodes.models import Episode
    from apps.exercises.models import ExercisePlan, ExerciseSession
    from apps.flags.models import Flag

__all__ = [
    "InvalidBundle",
    "bundle_entries",
    "check_bundle",
    "patient_bundle",
    "patient_bundle_json",
]

UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
LOCAL = "https://toh-recovery.example/fhir"
LOCAL_OBSERVATION = f"{LOCAL}/CodeSystem/checkin-item"
LOCAL_CONDITION = f"{LOCAL}/CodeSystem/condition"
LOCAL_FLAG_RULE = f"{LOCAL}/CodeSystem/flag-rule"
LOCAL_EXERCISE = f"{LOCAL}/CodeSystem/exercise"
LOCAL_PROCEDURE = f"{LOCAL}/CodeSystem/procedure"
PATIENT_IDENTIFIER = f"{LOCAL}/sid/patient"
PREGNANCY_EXTENSION = f"{LOCAL}/StructureDefinition/pregnancy-associated"
DIAGNOSIS_METHOD_EXTENSION = f"{LOCAL}/StructureDefinition/diagnosis-method"
_CHUNK = 500  # rows per database round trip while streaming
_STREAM_CHUNK = 64 * 1024  # characters per chunk of the streamed JSON

# Check-in field -> (system, code, display, value kind, unit). The value kinds map to
# Observation.value[x]: integer, quantity (UCUM), boolean, string.
OBSERVATION_CODES: dict[str, tuple[str, str, str, str, str | None]] = {
    "pain_now": (
        LOINC,
        "72514-3",
        "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
        "integer",
        None,
    ),
    "steps": (LOINC, "41950-7", "Number of steps in 24 hour Measured", "quantity", "/d"),
    "pain_worst_24h": (
        LOCAL_OBSERVATION,
        "pain-worst-24h",
        "Worst pain in the last 24 hours (0-10)",
        "integer",
        None,
    ),
    "pain_weight_bearing": (
        LOCAL_OBSERVATION,
        "pain-weight-bearing",
        "Pain when bearing weight (0-10)",
        "integer",
        None,
    ),
    "morning_stiffness_minutes": (
        LOCAL_OBSERVATION,
        "morning-stiffness",
        "Morning stiffness duration",
        "quantity",
        "min",
    ),
    "sleep_disturbed": (LOCAL_OBSERVATION, "sleep-disturbed", "Sleep disturbed", "boolean", None),
    "daily_activities_affected": (
        LOCAL_OBSERVATION,
        "daily-activities-affected",
        "Daily activities affected",
        "boolean",
        None,
    ),
    "weight_bearing": (LOCAL_OBSERVATION, "weight-bearing", "Weight bearing", "string", None),
    "night_or_rest_pain": (
        LOCAL_OBSERVATION,
        "night-or-rest-pain",
        "Pain at night or at rest",
        "boolean",
        None,
    ),
    "walking_aid": (LOCAL_OBSERVATION, "walking-aid", "Walking aid used", "string", None),
    "limping": (LOCAL_OBSERVATION, "limping", "Limping", "boolean", None),
    "painful_sides": (LOCAL_OBSERVATION, "painful-sides", "Painful hip(s)", "string", None),
    "red_flags": (LOCAL_OBSERVATION, "red-flags", "Red-flag symptoms reported", "string", None),
    "notes": (LOCAL_OBSERVATION, "patient-notes", "Patient's notes", "string", None),
}
PAIN_DURING_EXERCISE = (
    LOCAL_OBSERVATION,
    "pain-during-exercise",
    "Pain during exercise (0-10)",
    "integer",
    None,
)
_UNIT_NAMES = {"/d": "steps/day", "min": "min"}


def _stable_id(*parts: object) -> str:
    """A stable resource id for a derived resource (e.g. one value of one check-in)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(str(part) for part in parts)))


def _ref(resource_id: uuid.UUID | str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource_id}"}


def _instant(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _observation_value(kind: str, value: Any, unit: str | None) -> dict[str, Any]:
    if kind == "integer":
        return {"valueInteger": int(value)}
    if kind == "boolean":
        return {"valueBoolean": bool(value)}
    if kind == "quantity":
        return {
            "valueQuantity": {
                "value": value,
                "unit": _UNIT_NAMES.get(unit or "", unit),
                "system": UCUM,
                "code": unit,
            }
        }
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value) or "none"
    return {"valueString": str(value)}


def _patient_resource(patient: Patient) -> dict[str, Any]:
    user = patient.user
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [{"system": PATIENT_IDENTIFIER, "value": str(patient.pk)}],
        "active": user.is_active,
        "name": [{"use": "official", "family": user.last_name, "given": [user.first_name]}],
        "telecom": [
            {"system": "email", "value": user.email, "use": "home"},
            *(
                [{"system": "phone", "value": patient.phone, "use": "mobile"}]
                if patient.phone
                else []
            ),
        ],
        "gender": patient.sex if patient.sex in GENDERS else "unknown",
        "birthDate": patient.date_of_birth.isoformat(),
    }
    return resource


def _condition(patient: Patient, episode: Episode) -> dict[str, Any]:
    clinical = "resolved" if episode.status == "resolved" else "active"
    verification = "confirmed" if episode.diagnosis_date else "provisional"
    side = {"left": "Left hip", "right": "Right hip", "both": "Both hips"}.get(
        episode.affected_side, "Hip"
    )
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": str(episode.pk),
        "clinicalStatus": {"coding": [_coding(CONDITION_CLINICAL, clinical)]},
        "verificationStatus": {"coding": [_coding(CONDITION_VERIFICATION, verification)]},
        "category": [
            {"coding": [_coding(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")]}
        ],
        "code": {
            "coding": [
                _coding(
                    LOCAL_CONDITION,
                    "transient-osteoporosis-hip",
                    "Transient osteoporosis of the hip (bone marrow edema syndrome)",
                )
            ],
            "text": "Transient osteoporosis of the hip",
        },
        "bodySite": [{"text": side}],
        "subject": _ref(patient.pk),
        "onsetDateTime": episode.symptom_onset_date.isoformat(),
        "extension": [
            {"url": PREGNANCY_EXTENSION, "valueBoolean": bool(episode.pregnancy_associated)}
        ],
    }
    if episode.diagnosis_method:
        resource["extension"].append(
            {"url": DIAGNOSIS_METHOD_EXTENSION, "valueCode": episode.diagnosis_method}
        )
    if episode.diagnosis_date:
        resource["recordedDate"] = episode.diagnosis_date.isoformat()
    if episode.resolved_on:
        resource["abatementDateTime"] = episode.resolved_on.isoformat()
    return resource


def _observation(
    *,
    resource_id: str,
    patient_id: uuid.UUID,
    code: tuple[str, str, str, str, str | None],
    value: Any,
    effective: dt.date,
    issued: dt.datetime | None,
    focus: uuid.UUID | None = None,
    part_of: uuid.UUID | None = None,
) -> dict[str, Any]:
    system, code_value, display, kind, unit = code
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": resource_id,
        "status": "final",
        "category": [{"coding": [_coding(OBSERVATION_CATEGORY, "survey", "Survey")]}],
        "code": {"coding": [_coding(system, code_value, display)], "text": display},
        "subject": _ref(patient_id),
        "effectiveDateTime": effective.isoformat(),
        **_observation_value(kind, value, unit),
    }
    if issued:
        resource["issued"] = _instant(issued)
    if focus is not None:
        resource["focus"] = [_ref(focus)]
    if part_of is not None:
        resource["partOf"] = [_ref(part_of)]
    return resource


def _checkin_observations(patient: Patient, checkin: CheckIn) -> list[dict[str, Any]]:
    resources = []
    for field_name, code in OBSERVATION_CODES.items():
        value = getattr(checkin, field_name, None)
        if value is None or value == "":
            continue  # not reported that day
        resources.append(
            _observation(
                resource_id=_stable_id("checkin", checkin.pk, field_name),
                patient_id=patient.pk,
                code=code,
                value=value,
                effective=checkin.date,
                issued=checkin.recorded_at,
                focus=checkin.episode_id,
            )
        )
    return resources


def _care_plan(patient: Patient, plan: ExercisePlan) -> dict[str, Any]:
    today = local_today(patient.timezone)
    ends = plan.effective_ends_on
    if plan.superseded_by_id:
        status = "revoked"
    elif ends is not None and ends < today:
        status = "completed"
    else:
        status = "active"
    period: dict[str, str] = {"start": plan.starts_on.isoformat()}
    if ends:
        period["end"] = ends.isoformat()
    activities = []
    for item in plan.items.all():
        dose = f"{item.sets} sets"
        if item.reps:
            dose += f" of {item.reps} reps"
        if item.hold_seconds:
            dose += f", hold {item.hold_seconds} s"
        activities.append(
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": {
                        "coding": [_coding(LOCAL_EXERCISE, item.exercise.slug, item.exercise.name)]
                    },
                    "status": "in-progress" if status == "active" else "stopped",
                    "scheduledString": f"{item.days_per_week} days per week",
                    "description": f"{item.exercise.name}: {dose}",
                }
            }
        )
    return {
        "resourceType": "CarePlan",
        "id": str(plan.pk),
        "status": status,
        "intent": "plan",
        "title": "Exercise plan",
        "subject": _ref(patient.pk),
        "addresses": [_ref(plan.episode_id)],
        "period": period,
        "activity": activities,
    }


def _procedure_and_pain(patient: Patient, session: ExerciseSession) -> list[dict[str, Any]]:
    item = session.plan_item
    procedure = {
        "resourceType": "Procedure",
        "id": str(session.pk),
        "status": "completed",
        "code": {
            "coding": [_coding(LOCAL_PROCEDURE, "exercise-session", "Home exercise session")],
            "text": item.exercise.name,
        },
        "subject": _ref(patient.pk),
        "performedDateTime": session.date.isoformat(),
        "basedOn": [_ref(item.plan_id)],
        "reasonReference": [_ref(session.episode_id)],
        "note": [{"text": f"{session.sets_done} of {item.sets} sets done."}],
    }
    resources = [procedure]
    if session.pain_during is not None:
        resources.append(
            _observation(
                resource_id=_stable_id("session", session.pk, "pain_during"),
                patient_id=patient.pk,
                code=PAIN_DURING_EXERCISE,
                value=session.pain_during,
                effective=session.date,
                issued=session.recorded_at,
                focus=session.episode_id,
                part_of=session.pk,
            )
        )
    return resources


def _flag(patient: Patient, flag: Flag) -> dict[str, Any]:
    period: dict[str, str | None] = {"start": _instant(flag.opened_at)}
    if flag.resolved_at:
        period["end"] = _instant(flag.resolved_at)
    return {
        "resourceType": "Flag",
        "id": str(flag.pk),
        "status": "inactive" if flag.status == "resolved" else "active",
        "category": [{"coding": [_coding(FLAG_CATEGORY, "clinical", "Clinical")]}],
        "code": {
            "coding": [_coding(LOCAL_FLAG_RULE, flag.rule)],
            "text": flag.clinician_summary or flag.rule,
        },
        "subject": _ref(patient.pk),
        "period": period,
        "extension": [
            {"url": f"{LOCAL}/StructureDefinition/flag-severity", "valueCode": flag.severity},
            {"url": f"{LOCAL}/StructureDefinition/flag-workflow", "valueCode": flag.status},
        ],
    }


def _resources(patient: Patient) -> Iterator[dict[str, Any]]:
    """Every resource of the record, in bundle order: a reference always points back at a
    resource produced before (or at itself). Large tables are read with ``.iterator()``."""
    from apps.checkins.models import CheckIn
    from apps.episodes.models import Episode
    from apps.exercises.models import ExercisePlan, ExerciseSession
    from apps.flags.models import Flag
    from apps.privacy.fhir_outcomes import outcome_resources

    yield _patient_resource(patient)
    for episode in Episode.objects.filter(patient=patient).order_by("symptom_onset_date", "id"):
        yield _condition(patient, episode)
    checkins = CheckIn.objects.filter(patient=patient).order_by("date", "id")
    for checkin in checkins.iterator(chunk_size=_CHUNK):
        yield from _checkin_observations(patient, checkin)
    plans = (
        ExercisePlan.objects.filter(episode__patient=patient)
        .prefetch_related("items__exercise")
        .order_by("starts_on", "created_at")
    )
    for plan in plans:
        yield _care_plan(patient, plan)
    sessions = (
        ExerciseSession.objects.filter(patient=patient)
        .select_related("plan_item__exercise")
        .order_by("date", "id")
    )
    for session in sessions.iterator(chunk_size=_CHUNK):
        yield from _procedure_and_pain(patient, session)
    yield from outcome_resources(patient)  # questionnaires (apps.privacy.fhir_outcomes)
    yield from course_resources(patient)  # assessments, treatments, imaging (fhir_course)
    for flag in Flag.objects.filter(patient=patient).order_by("opened_at", "id").iterator():
        yield _flag(patient, flag)


def bundle_entries(patient: Patient) -> Iterator[dict[str, Any]]:
    """The Bundle's entries one at a time, each checked as it is produced: the rules of
    ``check_bundle`` (references must point at an entry already produced) and structure and
    types by fhir.resources (``BundleEntry``; what comes out is what was checked)."""
    produced: set[str] = set()
    for resource in _resources(patient):
        full_url = f"urn:uuid:{resource['id']}"
        entry = {"fullUrl": full_url, "resource": resource}
        if full_url in produced:
            raise InvalidBundle("Two entries share a fullUrl.")
        produced.add(full_url)
        problems = resource_problems(resource, produced)
        if problems:
            raise InvalidBundle("; ".join(problems))
        yield BundleEntry.model_validate(entry).model_dump(mode="json", exclude_none=True)


def _bundle_head() -> dict[str, Any]:
    head = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": _instant(timezone.now()),
    }
    return Bundle.model_validate(head).model_dump(mode="json", exclude_none=True)


def patient_bundle(patient: Patient) -> dict[str, Any]:
    """The whole record of ``patient`` as a validated FHIR R4 ``collection`` Bundle (dict)."""
    return {**_bundle_head(), "entry": list(bundle_entries(patient))}


def _json(value: object) -> str:
    # As DRF's JSONRenderer writes it (compact, UTF-8, strict, U+2028/9 escaped).
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def patient_bundle_json(patient: Patient) -> Iterator[bytes]:
    """``patient_bundle`` as JSON bytes, produced entry by entry in chunks of ~64 KB, so an
    export never holds the whole record in memory. The first entry (the Patient) is built
    before the first byte: a record that cannot be exported at all fails as a normal error.
    A later failure cuts the stream (the JSON is then incomplete, never silently wrong)."""
    entries = bundle_entries(patient)
    first = next(entries)
    head = _json(_bundle_head())
    parts = [head[:-1], ',"entry":[', _json(first)]
    size = sum(len(part) for part in parts)

    def generate() -> Iterator[bytes]:
        nonlocal parts, size
        for entry in entries:
            text = _json(entry)
            parts += [",", text]
            size += len(text) + 1
            if size >= _STREAM_CHUNK:
                yield "".join(parts).encode()
                parts, size = [], 0
        parts.append("]}")
        yield "".join(parts).encode()

    return generate()
