"""The questionnaires of a patient's FHIR export: a ``Questionnaire`` per instrument version
answered (its definition: items, options and weights, no wording, which may be licensed),
a ``QuestionnaireResponse`` per response, and a score ``Observation`` per score with
``derivedFrom`` the response (the MII PRO pattern; OUTCOMES.md). Read-only, three queries."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch

from apps.accounts.models import Patient
from apps.outcomes.models import Answer, Instrument, QuestionnaireResponse, Score

LOCAL = "https://toh-recovery.example/fhir"
LOCAL_SCORE = f"{LOCAL}/CodeSystem/questionnaire-score"
LOINC = "http://loinc.org"
SURVEY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey",
            "display": "Survey",
        }
    ]
}


def _ids():
    from apps.privacy.fhir import _instant, _ref, _stable_id

    return _stable_id, _ref, _instant


def _questionnaire(instrument: Instrument) -> dict[str, Any]:
    stable_id, _ref, _instant = _ids()
    resource: dict[str, Any] = copy.deepcopy(instrument.definition["questionnaire"])
    resource["id"] = stable_id("questionnaire", instrument.pk)
    return resource


def _answer_value(answer: Any) -> dict[str, Any]:
    kind = answer.item.kind
    if kind == "choice":
        return {"valueCoding": {"system": f"{LOCAL}/CodeSystem/answer", "code": str(answer.value)}}
    if kind == "integer":
        return {"valueInteger": int(answer.value)}
    if kind == "decimal":
        return {"valueDecimal": float(answer.value)}
    return {"valueString": str(answer.value)}


def _response(patient: Patient, response: QuestionnaireResponse) -> dict[str, Any]:
    _stable, ref, instant = _ids()
    instrument = response.instrument
    url = instrument.definition["questionnaire"].get(
        "url", f"{LOCAL}/Questionnaire/{instrument.code}"
    )
    answers = sorted(response.answers.all(), key=lambda a: a.item.position)
    return {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.pk),
        "identifier": {"system": f"{LOCAL}/sid/client-id", "value": str(response.client_id)},
        "questionnaire": f"{url}|{instrument.version}",
        "status": "completed",
        "subject": ref(patient.pk),
        "encounter": None,
        "authored": instant(response.completed_at),
        "language": response.language,
        "item": [{"linkId": a.item.link_id, "answer": [_answer_value(a)]} for a in answers],
        "extension": [
            {
                "url": f"{LOCAL}/StructureDefinition/episode",
                "valueReference": ref(response.episode_id),
            }
        ],
    }


def _score_observation(
    patient: Patient, response: QuestionnaireResponse, score: Any
) -> dict[str, Any]:
    stable_id, ref, instant = _ids()
    definition = score.definition
    codings = [{"system": LOCAL_SCORE, "code": f"{response.instrument.code}.{definition.code}"}]
    if definition.loinc:
        codings.insert(0, {"system": LOINC, "code": definition.loinc})
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": stable_id("score", score.pk),
        "status": "final",
        "category": [SURVEY],
        "code": {"coding": codings, "text": f"{response.instrument.title}: {definition.code}"},
        "subject": ref(patient.pk),
        "focus": [ref(response.episode_id)],
        "effectiveDateTime": response.date.isoformat(),
        "issued": instant(score.computed_at),
        "derivedFrom": [ref(response.pk)],
        "method": {"text": f"{definition.algorithm} v{score.algorithm_version}"},
    }
    if score.value is None:
        resource["dataAbsentReason"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                    "code": "not-performed",
                }
            ],
            "text": score.reason,
        }
    else:
        resource["valueQuantity"] = {"value": score.value}
    return resource


def outcome_resources(patient: Patient) -> Iterator[dict[str, Any]]:
    """Questionnaires first (each once), then each response followed by its scores."""
    stored = (
        QuestionnaireResponse.objects.filter(patient=patient)
        .select_related("instrument")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.select_related("item")),
            Prefetch("scores", queryset=Score.objects.select_related("definition")),
        )
        .order_by("date", "completed_at", "id")
    )
    responses = list(stored)
    seen: set[Any] = set()
    for response in responses:
        if response.instrument_id not in seen:
            seen.add(response.instrument_id)
            yield _questionnaire(response.instrument)
    for response in responses:
        resource = _response(patient, response)
        resource.pop("encounter")
        yield resource
        for score in sorted(response.scores.all(), key=lambda s: s.definition.position):
            yield _score_observation(patient, response, score)
