"""The clinical course in the patient's FHIR Bundle (apps.privacy.fhir): assessments as
`Observation`s (category `exam`; LOINC of API.md where a code exists, local codes otherwise;
`bodySite` with laterality for per-side tests; the method), bisphosphonate doses as
`MedicationAdministration`, other medicines as `MedicationStatement`, procedures and
protected weight bearing as `Procedure`, imaging as `ImagingStudy` + `DiagnosticReport` (the
structured findings as coded conclusions, the report as its conclusion text). Validated as
every entry is, by fhir.resources and apps.privacy.fhir_checks. Three queries."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from apps.accounts.models import Patient
from apps.assessments.catalogue import LOCAL_CODE_SYSTEM, definition
from apps.assessments.models import Assessment
from apps.privacy.fhir_checks import LOINC
from apps.treatments.models import (
    MEDICATION_KINDS,
    ImagingStudy,
    Treatment,
    TreatmentKind,
)

UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LOCAL = "https://toh-recovery.example/fhir"
LOCAL_TREATMENT = f"{LOCAL}/CodeSystem/treatment"
LOCAL_MEDICATION = f"{LOCAL}/CodeSystem/medication"
LOCAL_FINDING = f"{LOCAL}/CodeSystem/imaging-finding"
LOCAL_METHOD = f"{LOCAL}/CodeSystem/measurement-method"
LATERALITY_EXTENSION = f"{LOCAL}/StructureDefinition/laterality"
DETAIL_EXTENSION = f"{LOCAL}/StructureDefinition/treatment-detail"
HIP_JOINT = ("24136001", "Hip joint structure")
LATERALITY = {"left": ("7771000", "Left"), "right": ("24028007", "Right")}
DICOM_MODALITY = {
    "mri": ("MR", "Magnetic Resonance"),
    "xray": ("DX", "Digital Radiography"),
    "ct": ("CT", "Computed Tomography"),
    "dexa": ("BMD", "Bone Mineral Densitometry"),
}
IMAGING_REPORT = ("18748-4", "Diagnostic imaging study")
ROUTES = {"iv": "Intravenous", "oral": "Oral", "im": "Intramuscular", "sc": "Subcutaneous"} | {
    "nasal": "Nasal"
}


def _ref(resource_id: Any) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource_id}"}


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def _body_site(side: str) -> dict[str, Any]:
    """The hip with its laterality (SNOMED CT qualifier) as an extension of the concept."""
    concept: dict[str, Any] = {
        "coding": [_coding(SNOMED, *HIP_JOINT)],
        "text": f"{side.capitalize()} hip" if side in LATERALITY else "Hip",
    }
    if side in LATERALITY:
        concept["extension"] = [
            {
                "url": LATERALITY_EXTENSION,
                "valueCodeableConcept": {"coding": [_coding(SNOMED, *LATERALITY[side])]},
            }
        ]
    return concept


def _assessment_code(assessment: Assessment) -> dict[str, Any]:
    spec = definition(assessment.test)
    code = assessment.test + (f".{assessment.movement}" if assessment.movement else "")
    display = spec.title + (
        f", {assessment.movement.replace('_', ' ')}" if assessment.movement else ""
    )
    codings = [_coding(LOCAL_CODE_SYSTEM, code, display)]
    if spec.loinc:
        codings.insert(0, _coding(LOINC, spec.loinc, spec.title))
    return {"coding": codings, "text": display}


def assessment_observation(patient: Patient, assessment: Assessment) -> dict[str, Any]:
    spec = definition(assessment.test)
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(assessment.pk),
        "status": "final",
        "category": [{"coding": [_coding(OBSERVATION_CATEGORY, "exam", "Exam")]}],
        "code": _assessment_code(assessment),
        "subject": _ref(patient.pk),
        "focus": [_ref(assessment.episode_id)],
        "effectiveDateTime": assessment.date.isoformat(),
        "valueQuantity": {
            "value": float(assessment.value),
            "unit": spec.unit,
            "system": UCUM,
            "code": spec.unit,
        },
    }
    if spec.per_side or assessment.side:
        resource["bodySite"] = _body_site(assessment.side)
    if assessment.method:
        resource["method"] = {"coding": [_coding(LOCAL_METHOD, assessment.method)]}
    notes = [
        text for text in (assessment.aid and f"Aid: {assessment.aid}", assessment.notes) if text
    ]
    if notes:
        resource["note"] = [{"text": ". ".join(notes)}]
    return resource


def _medication(treatment: Treatment) -> dict[str, Any]:
    drug = (treatment.detail or {}).get("drug") or treatment.kind
    return {
        "coding": [_coding(LOCAL_MEDICATION, str(drug).replace(" ", "_"))],
        "text": f"{TreatmentKind(treatment.kind).label}: {drug}",
    }


def _dosage_text(treatment: Treatment) -> str:
    detail = treatment.detail or {}
    parts = [detail.get("dose"), ROUTES.get(detail.get("route", ""))]
    return ", ".join(str(part) for part in parts if part) or "as recorded"


def _period(treatment: Treatment) -> dict[str, str]:
    period = {"start": treatment.starts_on.isoformat()}
    if treatment.ends_on:
        period["end"] = treatment.ends_on.isoformat()
    return period


def treatment_resource(patient: Patient, treatment: Treatment, today: Any) -> dict[str, Any]:
    """A dose (bisphosphonate) is a MedicationAdministration; other medicines a
    MedicationStatement; everything else (procedures, delivery, protected weight bearing,
    other) a Procedure."""
    base = {"id": str(treatment.pk), "subject": _ref(patient.pk)}
    ended = treatment.ends_on is not None and treatment.ends_on < today
    if treatment.kind == TreatmentKind.BISPHOSPHONATE:
        return {
            "resourceType": "MedicationAdministration",
            **base,
            "status": "completed",
            "medicationCodeableConcept": _medication(treatment),
            "context": _ref(treatment.episode_id),
            "effectiveDateTime": treatment.starts_on.isoformat(),
            "dosage": {"text": _dosage_text(treatment)},
        }
    if treatment.kind in MEDICATION_KINDS:
        return {
            "resourceType": "MedicationStatement",
            **base,
            "status": "completed" if ended else "active",
            "medicationCodeableConcept": _medication(treatment),
            "context": _ref(treatment.episode_id),
            "effectivePeriod": _period(treatment),
            "dosage": [{"text": _dosage_text(treatment)}],
        }
    detail = treatment.detail or {}
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        **base,
        "status": "completed"
        if ended or treatment.ends_on == treatment.starts_on
        else "in-progress",
        "code": {
            "coding": [
                _coding(LOCAL_TREATMENT, treatment.kind, TreatmentKind(treatment.kind).label)
            ],
            "text": TreatmentKind(treatment.kind).label,
        },
        "performedPeriod": _period(treatment),
        "reasonReference": [_ref(treatment.episode_id)],
    }
    if detail:
        resource["note"] = [
            {"text": "; ".join(f"{key}: {value}" for key, value in sorted(detail.items()))}
        ]
    if detail.get("side") in LATERALITY:
        resource["bodySite"] = [_body_site(detail["side"])]
    return resource


def _finding_codes(study: ImagingStudy) -> list[dict[str, Any]]:
    found = []
    if study.bone_marrow_edema:
        found.append(f"bone_marrow_edema.{study.bone_marrow_edema}")
    if study.fracture_line is not None:
        found.append(f"fracture_line.{'present' if study.fracture_line else 'absent'}")
    if study.t_score is not None:
        found.append(f"t_score.{study.t_score}")
    if study.z_score is not None:
        found.append(f"z_score.{study.z_score}")
    return [{"coding": [_coding(LOCAL_FINDING, code)], "text": code} for code in found]


def imaging_resources(patient: Patient, study: ImagingStudy) -> list[dict[str, Any]]:
    modality = DICOM_MODALITY[study.modality]
    imaging: dict[str, Any] = {
        "resourceType": "ImagingStudy",
        "id": str(study.pk),
        "status": "available",
        "modality": [_coding(DICOM, *modality)],
        "subject": _ref(patient.pk),
        "started": f"{study.date.isoformat()}T00:00:00+00:00",
        "reasonReference": [_ref(study.episode_id)],
        "description": f"{modality[1]}" + (f", {study.side}" if study.side else ""),
    }
    if study.side in LATERALITY:
        imaging["series"] = [
            {
                "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"imaging/{study.pk}/series")),
                "modality": _coding(DICOM, *modality),
                "bodySite": _coding(SNOMED, *HIP_JOINT),
                "laterality": _coding(SNOMED, *LATERALITY[study.side]),
            }
        ]
    report: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"imaging/{study.pk}/report")),
        "status": "final",
        "code": {"coding": [_coding(LOINC, *IMAGING_REPORT)], "text": modality[1]},
        "subject": _ref(patient.pk),
        "effectiveDateTime": study.date.isoformat(),
        "imagingStudy": [_ref(study.pk)],
    }
    if study.report:
        report["conclusion"] = study.report
    codes = _finding_codes(study)
    if codes:
        report["conclusionCode"] = codes
    return [imaging, report]


def course_resources(patient: Patient) -> Iterator[dict[str, Any]]:
    """The clinical course's resources, after the Conditions (episodes) they point at."""
    from apps.core.timezones import local_today

    today = local_today(patient.timezone)
    for assessment in Assessment.objects.filter(patient=patient).order_by("date", "id"):
        yield assessment_observation(patient, assessment)
    for treatment in Treatment.objects.filter(patient=patient).order_by("starts_on", "id"):
        yield treatment_resource(patient, treatment, today)
    for study in ImagingStudy.objects.filter(patient=patient).order_by("date", "id"):
        yield from imaging_resources(patient, study)
