from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from rest_framework.test import APIClient

from apps.audit.models import AccessLogEntry
from apps.privacy.fhir import InvalidBundle, check_bundle, patient_bundle, patient_bundle_json
from tests.checkins.factories import CheckInFactory
from tests.episodes.factories import EpisodeFactory
from tests.trust.world import build_world

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world():
    return build_world()


def streamed_json(response) -> dict:
    assert response.streaming  # written as it is produced, never held whole
    return json.loads(b"".join(response.streaming_content))


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def by_code(bundle: dict, code: str) -> list[dict]:
    return [
        o
        for o in resources(bundle, "Observation")
        if any(c["code"] == code for c in o["code"]["coding"])
    ]


class TestFhir:
    def test_patient_downloads_their_record_as_a_valid_r4_bundle(self, world):
        response = client_for(world.roles["patient_self"]).get("/api/v1/me/export/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        bundle = streamed_json(response)
        Bundle.model_validate(bundle)  # structure and types (fhir.resources R4B)
        check_bundle(bundle)  # codes and statuses
        assert bundle["type"] == "collection"
        patient = resources(bundle, "Patient")
        assert [p["id"] for p in patient] == [str(world.target.patient.id)]
        assert patient[0]["birthDate"] == "1980-05-17"

    def test_each_episode_is_a_condition(self, world):
        bundle = patient_bundle(world.target.patient)
        [condition] = resources(bundle, "Condition")
        assert condition["id"] == str(world.target.episode.id)
        assert condition["clinicalStatus"]["coding"][0]["code"] == "active"
        assert condition["onsetDateTime"] == "2026-09-01"

    def test_pain_and_steps_use_loinc_and_each_value_is_an_observation(self, world):
        bundle = patient_bundle(world.target.patient)
        pain = by_code(bundle, "72514-3")
        assert [(o["effectiveDateTime"], o["valueInteger"]) for o in pain] == [
            ("2026-09-02", 6),
            ("2026-09-03", 5),
        ]
        steps = by_code(bundle, "41950-7")
        assert [o["valueQuantity"]["value"] for o in steps] == [1200]  # day 2 had no steps
        assert steps[0]["valueQuantity"]["code"] == "/d"
        stiffness = by_code(bundle, "morning-stiffness")
        assert stiffness[0]["valueQuantity"]["code"] == "min"
        assert {o["status"] for o in resources(bundle, "Observation")} == {"final"}

    def test_sessions_plans_and_flags_are_included(self, world):
        bundle = patient_bundle(world.target.patient)
        procedures = resources(bundle, "Procedure")
        assert sorted(p["performedDateTime"] for p in procedures) == ["2026-09-10", "2026-09-11"]
        assert [o["valueInteger"] for o in by_code(bundle, "pain-during-exercise")] == [4]
        assert sorted(p["status"] for p in resources(bundle, "CarePlan")) == [
            "active",
            "revoked",
        ]
        [flag] = resources(bundle, "Flag")
        assert (flag["status"], flag["code"]["coding"][0]["code"]) == (
            "active",
            "morning_stiffness",
        )

    def test_every_reference_resolves_inside_the_bundle(self, world):
        check_bundle(patient_bundle(world.target.patient))  # raises on a dangling reference

    @pytest.mark.parametrize(
        ("kind", "field", "bad"),
        [
            ("Observation", "status", "done"),
            ("Flag", "status", "open"),
            ("Procedure", "status", "finished"),
        ],
    )
    def test_codes_fhir_resources_accepts_are_refused(self, world, kind, field, bad):
        bundle = patient_bundle(world.target.patient)
        resources(bundle, kind)[0][field] = bad
        Bundle.model_validate(bundle)  # fhir.resources does not notice ...
        with pytest.raises(InvalidBundle, match=kind):
            check_bundle(bundle)  # ... we do

    def test_pain_outside_0_to_10_is_refused(self, world):
        bundle = patient_bundle(world.target.patient)
        by_code(bundle, "72514-3")[0]["valueInteger"] = 11
        with pytest.raises(InvalidBundle, match="pain outside"):
            check_bundle(bundle)

    def test_care_team_exports_a_patient_and_it_is_logged_as_an_export(self, world):
        physio = world.roles["physio_team"]
        url = f"/api/v1/patients/{world.target.patient.id}/export/"
        response = client_for(physio).get(url)
        assert response.status_code == 200
        entry = AccessLogEntry.objects.get()
        assert (entry.action, entry.actor_id, entry.patient_id, entry.view_name) == (
            "export",
            physio.id,
            world.target.patient.id,
            "patient-export",
        )

    @pytest.mark.parametrize(
        "role", ["physio_other_team", "physio_other_clinic", "admin_other_clinic"]
    )
    def test_staff_outside_the_care_team_cannot_export(self, world, role):
        url = f"/api/v1/patients/{world.target.patient.id}/export/"
        assert client_for(world.roles[role]).get(url).status_code == 404

    def test_export_runs_a_fixed_number_of_queries(self, world, django_assert_max_num_queries):
        # 8 for the check-in, plan, session and flag record; 3 for questionnaires (responses,
        # answers, scores: apps.privacy.fhir_outcomes); 3 for the clinical course (assessments,
        # treatments, imaging: apps.privacy.fhir_course).
        with django_assert_max_num_queries(14):
            patient_bundle(world.target.patient)

    def test_the_streamed_bundle_is_what_fhir_resources_makes_of_the_whole(self, world):
        # Built and checked entry by entry, yet identical to validating the whole Bundle.
        response = client_for(world.roles["physio_team"]).get(
            f"/api/v1/patients/{world.target.patient.id}/export/"
        )
        streamed = streamed_json(response)
        assert Bundle.model_validate(streamed).model_dump(mode="json", exclude_none=True) == (
            streamed
        )
        check_bundle(streamed)
        whole = patient_bundle(world.target.patient)
        for volatile in ("id", "timestamp"):
            assert streamed.pop(volatile)
            assert whole.pop(volatile)
        assert streamed == whole
        assert len(streamed["entry"]) > 20

    def test_the_stream_comes_in_chunks_as_entries_are_built(self, world, monkeypatch):
        monkeypatch.setattr("apps.privacy.fhir._STREAM_CHUNK", 1)
        chunks = list(patient_bundle_json(world.target.patient))
        bundle = json.loads(b"".join(chunks))
        assert len(chunks) == len(bundle["entry"])  # one chunk per entry at this size

    def test_a_reference_to_an_entry_not_yet_produced_is_refused(self, world, monkeypatch):
        from apps.privacy import fhir

        original = fhir._condition

        def dangling(patient, episode):
            return {**original(patient, episode), "subject": {"reference": "urn:uuid:nobody"}}

        monkeypatch.setattr(fhir, "_condition", dangling)
        with pytest.raises(InvalidBundle, match="refers to urn:uuid:nobody"):
            patient_bundle(world.target.patient)


class TestExportThrottle:
    @pytest.fixture
    def two_exports_an_hour(self, monkeypatch):
        from django.core.cache import cache
        from rest_framework.throttling import SimpleRateThrottle

        monkeypatch.setattr(
            SimpleRateThrottle,
            "THROTTLE_RATES",
            {**SimpleRateThrottle.THROTTLE_RATES, "exports": "2/hour"},
        )
        cache.clear()

    def test_exports_beyond_the_rate_get_429_in_the_error_shape(self, world, two_exports_an_hour):
        physio = client_for(world.roles["physio_team"])
        fhir_url = f"/api/v1/patients/{world.target.patient.id}/export/"
        statuses = [
            physio.get(fhir_url).status_code,
            physio.get("/api/v1/cohort/export.csv").status_code,
        ]
        throttled = physio.get(fhir_url)
        assert statuses == [200, 200]
        assert throttled.status_code == 429
        body = throttled.json()
        assert body["code"] == "throttled"
        assert body["errors"]["non_field_errors"]
        assert 0 < int(throttled["Retry-After"]) <= 3600
        assert physio.get("/api/v1/cohort/export.csv").status_code == 429  # one budget

    def test_each_user_has_their_own_export_budget(self, world, two_exports_an_hour):
        physio = client_for(world.roles["physio_team"])
        for _ in range(3):
            physio.get("/api/v1/cohort/export.csv")
        patient = client_for(world.roles["patient_self"])
        assert patient.get("/api/v1/me/export/").status_code == 200
        assert (
            client_for(world.roles["admin_clinic"]).get("/api/v1/cohort/export.csv").status_code
            == 200
        )


class TestCohortCsv:
    def rows(self, response) -> list[dict]:
        assert response.streaming
        text = b"".join(response.streaming_content).decode()
        return list(csv.DictReader(io.StringIO(text)))

    def test_physio_gets_one_readable_row_per_checkin_of_their_patients(self, world):
        response = client_for(world.roles["physio_team"]).get("/api/v1/cohort/export.csv")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = self.rows(response)
        assert [(r["Date"], r["Pain now (0-10)"], r["Steps"]) for r in rows] == [
            ("2026-09-02", "6", "1200"),
            ("2026-09-03", "5", ""),
        ]
        assert rows[0]["Patient ID"] == str(world.target.patient.id)
        assert rows[0]["Sleep disturbed"] == "no"
        assert "Morning stiffness (minutes)" in rows[0]

    def test_other_teams_see_none_of_these_rows(self, world):
        for role in ["physio_other_team", "physio_other_clinic", "admin_other_clinic"]:
            response = client_for(world.roles[role]).get("/api/v1/cohort/export.csv")
            assert self.rows(response) == []

    def test_clinic_admin_gets_every_team_of_the_clinic(self, world):
        other_episode = EpisodeFactory(patient=world.other_patient)
        CheckInFactory(episode=other_episode, date=dt.date(2026, 9, 5))
        rows = self.rows(client_for(world.roles["admin_clinic"]).get("/api/v1/cohort/export.csv"))
        assert len(rows) == 3

    def test_date_range_has_no_cap_and_bounds_rows(self, world):
        client = client_for(world.roles["physio_team"])
        wide = self.rows(client.get("/api/v1/cohort/export.csv?from=2000-01-01&to=2099-12-31"))
        narrow = self.rows(client.get("/api/v1/cohort/export.csv?from=2026-09-03&to=2026-09-03"))
        assert len(wide) == 2
        assert [r["Date"] for r in narrow] == ["2026-09-03"]

    def test_bad_dates_are_a_json_field_error(self, world):
        client = client_for(world.roles["physio_team"])
        response = client.get("/api/v1/cohort/export.csv?from=2026-09-09&to=2026-09-01")
        assert response.status_code == 400
        # Reported under the query parameter's own name, as every range of the API.
        assert list(response.json()["errors"]) == ["from"]
        bad_from = client.get("/api/v1/cohort/export.csv?from=yesterday")
        assert bad_from.status_code == 400
        assert list(bad_from.json()["errors"]) == ["from"]

    def test_export_is_logged_for_each_patient_in_it(self, world):
        client_for(world.roles["physio_team"]).get("/api/v1/cohort/export.csv")
        entry = AccessLogEntry.objects.get()
        assert (entry.action, entry.patient_id) == ("export", world.target.patient.id)

    def test_spreadsheet_formulas_in_cells_are_neutralised(self, world):
        user = world.target.patient.user
        user.first_name, user.last_name = "", "=HYPERLINK(1)"
        user.save()
        rows = self.rows(client_for(world.roles["physio_team"]).get("/api/v1/cohort/export.csv"))
        assert rows[0]["Patient"] == "'=HYPERLINK(1)"

    def test_patients_cannot_export_the_cohort(self, world):
        client = client_for(world.roles["patient_self"])
        assert client.get("/api/v1/cohort/export.csv").status_code == 403


class TestFhirClinicalCourse:
    def test_assessments_treatments_and_imaging_are_in_the_bundle_with_their_codes(self, world):
        from tests.course.factories import AssessmentFactory, TreatmentFactory

        episode = world.target.episode
        AssessmentFactory(
            episode=episode,
            date=dt.date(2026, 9, 16),
            test="hip_rom",
            side="right",
            movement="internal_rotation",
            method="goniometer",
            value=30,
        )
        TreatmentFactory(episode=episode, starts_on=dt.date(2026, 9, 2))  # weight bearing
        TreatmentFactory(episode=episode, kind="nsaid", detail={"drug": "naproxen"})

        bundle = patient_bundle(world.target.patient)
        Bundle.model_validate(bundle)
        check_bundle(bundle)

        [tug] = by_code(bundle, "89423-8")
        assert tug["valueQuantity"]["code"] == "s"
        assert tug["category"][0]["coding"][0]["code"] == "exam"
        [rom] = by_code(bundle, "hip_rom.internal_rotation")
        assert rom["bodySite"]["coding"][0]["code"] == "24136001"
        laterality = rom["bodySite"]["extension"][0]["valueCodeableConcept"]["coding"][0]
        assert laterality["code"] == "24028007"  # right
        assert rom["method"]["coding"][0]["code"] == "goniometer"
        [dose] = resources(bundle, "MedicationAdministration")
        assert dose["effectiveDateTime"] == "2026-09-03"
        assert "zoledronic_acid" in dose["medicationCodeableConcept"]["text"]
        [nsaid] = resources(bundle, "MedicationStatement")
        assert nsaid["status"] == "active"
        weight_bearing = [
            p
            for p in resources(bundle, "Procedure")
            if p["code"]["coding"][0]["code"] == "protected_weight_bearing"
        ]
        assert len(weight_bearing) == 1
        [study] = resources(bundle, "ImagingStudy")
        assert study["modality"][0]["code"] == "MR"
        [report] = resources(bundle, "DiagnosticReport")
        assert report["imagingStudy"][0]["reference"] == f"urn:uuid:{study['id']}"
        assert report["conclusionCode"][0]["coding"][0]["code"] == "bone_marrow_edema.moderate"
        assert report["conclusion"].startswith("Bone marrow oedema")


class TestCourseCsv:
    def rows(self, response) -> list[dict]:
        assert response.streaming
        text = b"".join(response.streaming_content).decode()
        return list(csv.DictReader(io.StringIO(text)))

    def test_one_row_per_assessment_treatment_and_imaging(self, world):
        response = client_for(world.roles["physio_team"]).get("/api/v1/cohort/course.csv")
        assert response.status_code == 200
        rows = self.rows(response)
        assert [(r["Record"], r["Date"], r["Test or kind"]) for r in rows] == [
            ("assessment", "2026-09-15", "timed_up_and_go"),
            ("treatment", "2026-09-03", "bisphosphonate"),
            ("imaging", "2026-09-04", "mri"),
        ]
        assert rows[0]["Unit"] == "s"
        assert "drug: zoledronic_acid" in rows[1]["Detail"]
        assert rows[2]["Notes or report"].startswith("Bone marrow oedema")

    def test_other_clinics_see_none_and_dates_bound_rows(self, world):
        outsider = client_for(world.roles["physio_other_clinic"])
        assert self.rows(outsider.get("/api/v1/cohort/course.csv")) == []
        client = client_for(world.roles["physio_team"])
        narrow = self.rows(client.get("/api/v1/cohort/course.csv?from=2026-09-04&to=2026-09-04"))
        assert [r["Record"] for r in narrow] == ["imaging"]
