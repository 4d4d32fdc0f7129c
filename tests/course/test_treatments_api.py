"""POST/GET/PATCH episodes/{id}/treatments/ and POST/GET episodes/{id}/imaging/: detail per kind,
one record per dose, phases that follow each other, idempotency, who may."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from rest_framework.test import APIClient

from apps.episodes.models import RecordChange
from apps.treatments import services
from apps.treatments.inputs import TreatmentInputSerializer
from apps.treatments.models import ImagingStudy, Treatment
from tests.accounts.factories import CareTeamFactory, physio_in
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db


def url(episode, what: str = "treatments") -> str:
    return f"/api/v1/episodes/{episode.id}/{what}/"


def treatment(**overrides) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "kind": "protected_weight_bearing",
        "starts_on": "2026-10-01",
        "detail": {"level": "toe_touch", "aid": "crutches"},
        **overrides,
    }


def dose(day: str = "2026-10-10", **overrides) -> dict:
    values = {
        "kind": "bisphosphonate",
        "starts_on": day,
        "detail": {"drug": "zoledronic_acid", "dose": "5 mg", "route": "iv"},
        **overrides,
    }
    return treatment(**values)


def test_bisphosphonate_dose_is_one_record_ending_on_its_date(physio_client, episode):
    response = physio_client.post(url(episode), dose(), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["kind"], data["starts_on"], data["ends_on"]) == (
        "bisphosphonate",
        "2026-10-10",
        "2026-10-10",
    )
    assert data["detail"] == {"drug": "zoledronic_acid", "dose": "5 mg", "route": "iv"}
    assert data["effect"]["before"]["mean"] is None
    assert "at least 4 needed" in data["effect"]["before"]["reason"]


@pytest.mark.parametrize(
    ("sent", "field", "text"),
    [
        (dose(detail={"dose": "5 mg"}), "detail", "drug: required"),
        (dose(detail={"drug": "aspirin"}), "detail", "drug: one of"),
        (dose(ends_on="2026-10-12"), "ends_on", "one record per dose"),
        (treatment(detail={"aid": "crutches"}), "detail", "level: required"),
        (treatment(detail={"level": "flying"}), "detail", "level"),
        (treatment(detail={"level": "partial", "colour": "red"}), "detail", "colour"),
        (treatment(kind="nsaid", detail={"level": "partial"}), "detail", "not a detail of nsaid"),
        (treatment(kind="other", detail={}), "detail", "description: required"),
        (treatment(kind="laser"), "kind", ""),
        (treatment(starts_on="2026-08-01"), "starts_on", "onset"),
        (treatment(ends_on="2026-09-20"), "ends_on", "before starts_on"),
        (treatment(kind="delivery", detail={}), "kind", "pregnancy"),
    ],
)
def test_detail_is_validated_per_kind(physio_client, episode, sent, field, text):
    response = physio_client.post(url(episode), sent, format="json")

    assert response.status_code == 400, response.json()
    assert text in " ".join(response.json()["errors"][field])
    assert not Treatment.objects.exists()
    assert not RecordChange.objects.exists()


def test_a_new_weight_bearing_phase_ends_the_previous_one(physio_client, episode):
    first = physio_client.post(url(episode), treatment(), format="json").json()
    second = physio_client.post(
        url(episode),
        treatment(starts_on="2026-10-29", detail={"level": "partial", "aid": "cane"}),
        format="json",
    )

    assert second.status_code == 201
    assert Treatment.objects.get(pk=first["id"]).ends_on == dt.date(2026, 10, 28)
    assert second.json()["ends_on"] is None
    # A phase before the last one is a 409.
    clash = physio_client.post(url(episode), treatment(starts_on="2026-10-15"), format="json")
    assert clash.status_code == 409
    assert clash.json()["code"] == "phase_overlap"


def test_patch_ends_a_treatment_but_not_into_the_next_phase(physio_client, episode):
    first = physio_client.post(url(episode), treatment(), format="json").json()
    nsaid = physio_client.post(
        url(episode), treatment(kind="nsaid", detail={"drug": "naproxen"}), format="json"
    ).json()

    ended = physio_client.patch(
        f"{url(episode)}{nsaid['id']}/", {"ends_on": "2026-10-14"}, format="json"
    )
    assert ended.status_code == 200, ended.json()
    assert ended.json()["ends_on"] == "2026-10-14"

    physio_client.post(url(episode), treatment(starts_on="2026-11-01"), format="json")
    late = physio_client.patch(
        f"{url(episode)}{first['id']}/", {"ends_on": "2026-11-05"}, format="json"
    )
    assert late.status_code == 400
    assert "ends_on" in late.json()["errors"]
    early = physio_client.patch(
        f"{url(episode)}{first['id']}/", {"ends_on": "2026-09-01"}, format="json"
    )
    assert early.status_code == 400
    assert (
        physio_client.patch(
            f"{url(episode)}{uuid.uuid4()}/", {"ends_on": "2026-11-05"}, format="json"
        ).status_code
        == 404
    )


def test_treatment_replay_returns_the_stored_one(physio_client, episode):
    sent = dose()
    first = physio_client.post(url(episode), sent, format="json")
    again = physio_client.post(url(episode), {**sent, "starts_on": "2026-10-11"}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Treatment.objects.count() == 1


def test_imaging_with_structured_findings_and_report(physio_client, episode):
    sent = {
        "client_id": str(uuid.uuid4()),
        "date": "2026-09-20",
        "modality": "mri",
        "side": "left",
        "findings": {"bone_marrow_edema": "severe", "fracture_line": False},
        "report": "Diffuse bone marrow oedema of the left femoral head.",
    }
    response = physio_client.post(url(episode, "imaging"), sent, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["findings"] == {
        "bone_marrow_edema": "severe",
        "fracture_line": False,
        "t_score": None,
        "z_score": None,
    }
    assert physio_client.post(url(episode, "imaging"), sent, format="json").status_code == 200
    dexa_on_mri = {**sent, "client_id": str(uuid.uuid4()), "findings": {"t_score": -1.8}}
    refused = physio_client.post(url(episode, "imaging"), dexa_on_mri, format="json")
    assert refused.status_code == 400
    assert "findings" in refused.json()["errors"]
    dexa = {**dexa_on_mri, "modality": "dexa", "findings": {"t_score": -1.8, "z_score": -0.9}}
    stored = physio_client.post(url(episode, "imaging"), dexa, format="json").json()
    assert (stored["findings"]["t_score"], stored["findings"]["z_score"]) == (-1.8, -0.9)
    listed = physio_client.get(url(episode, "imaging")).json()
    assert listed["count"] == 2 == ImagingStudy.objects.count()


def test_patient_reads_but_cannot_write(patient_client, physio_client, episode):
    physio_client.post(url(episode), dose(), format="json")

    assert patient_client.get(url(episode)).json()["count"] == 1
    assert patient_client.post(url(episode), dose(), format="json").status_code == 403
    assert patient_client.get(url(episode, "imaging")).status_code == 200


def test_other_clinic_gets_404_everywhere(episode, physio_client):
    stored = physio_client.post(url(episode), treatment(), format="json").json()
    outsider = APIClient()
    outsider.force_authenticate(physio_in(CareTeamFactory()))

    assert outsider.get(url(episode)).status_code == 404
    assert outsider.post(url(episode), dose(), format="json").status_code == 404
    assert (
        outsider.patch(f"{url(episode)}{stored['id']}/", {"ends_on": "2026-11-01"}, format="json")
    ).status_code == 404
    assert outsider.post(url(episode, "imaging"), {}, format="json").status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_concurrent_duplicate_treatments_store_one_row(episode, physio):
    serializer = TreatmentInputSerializer(data=treatment())
    assert serializer.is_valid(), serializer.errors
    values = serializer.validated_data
    created = run_concurrently(
        lambda: services.treatment_record(episode=episode, by=physio, values=values)[1]
    )

    assert sorted(created) == [False, False, False, True]
    assert Treatment.objects.count() == 1
    assert RecordChange.objects.count() == 1
