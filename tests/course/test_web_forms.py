"""The physiotherapist records the clinical course from the web patient page: CSRF-protected
forms through the same validation and services as the API; the page lists them."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.assessments.models import Assessment
from apps.episodes.models import RecordChange
from apps.treatments.models import ImagingStudy, Treatment
from apps.treatments.selectors import chart_bands_and_markers
from tests.accounts.factories import CareTeamFactory, physio_in
from tests.course.factories import AssessmentFactory, TreatmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(physio) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(physio)
    return client


def page(client, patient) -> str:
    response = client.get(f"/dashboard/patients/{patient.id}/")
    assert response.status_code == 200
    return response.content.decode()


def csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_record_an_assessment_a_treatment_and_imaging_from_the_page(web, patient, episode):
    token = csrf(page(web, patient))
    base = f"/dashboard/episodes/{episode.id}"
    posts = [
        ("assessments", {"date": "2026-11-20", "test": "timed_up_and_go", "value": "11.8"}),
        (
            "treatments",
            {
                "kind": "protected_weight_bearing",
                "starts_on": "2026-11-01",
                "level": "toe_touch",
                "aid": "crutches",
            },
        ),  # fmt: skip
        (
            "treatments",
            {
                "kind": "bisphosphonate",
                "starts_on": "2026-10-05",
                "drug": "zoledronic_acid",
                "dose": "5 mg",
                "route": "iv",
            },
        ),  # fmt: skip
        (
            "imaging",
            {
                "date": "2026-09-10",
                "modality": "mri",
                "bone_marrow_edema": "severe",
                "report": "Oedema of the left femoral head.",
            },
        ),  # fmt: skip
    ]
    for what, data in posts:
        response = web.post(f"{base}/{what}/", {**data, "csrfmiddlewaretoken": token})
        assert response.status_code == 302, response.content.decode()[:2000]
        assert response["Location"].endswith("#course")

    assert Assessment.objects.get().recorded_by is not None
    assert Treatment.objects.count() == 2
    assert ImagingStudy.objects.get().bone_marrow_edema == "severe"
    assert RecordChange.objects.count() == 4
    html = page(web, patient)
    assert 'data-test="timed_up_and_go"' in html
    assert "Protected weight bearing" in html
    assert "Before/after: not enough data" in html
    assert "oedema severe" in html


def test_without_the_csrf_token_nothing_is_stored(web, episode):
    response = web.post(
        f"/dashboard/episodes/{episode.id}/assessments/",
        {"date": "2026-11-20", "test": "timed_up_and_go", "value": "11.8"},
    )
    assert response.status_code == 403
    assert not Assessment.objects.exists()


def test_invalid_values_answer_400_with_the_apis_messages(web, patient, episode):
    token = csrf(page(web, patient))
    response = web.post(
        f"/dashboard/episodes/{episode.id}/assessments/",
        {"date": "2026-11-20", "test": "hip_rom", "value": "40", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 400
    assert "Required for hip_rom" in response.content.decode()
    assert not Assessment.objects.exists()


def test_another_clinic_gets_404_and_stores_nothing(episode):
    outsider = Client()
    outsider.force_login(physio_in(CareTeamFactory()))
    response = outsider.post(
        f"/dashboard/episodes/{episode.id}/treatments/",
        {"kind": "nsaid", "starts_on": "2026-11-01"},
    )
    assert response.status_code == 404
    assert not Treatment.objects.exists()


def test_chart_bands_and_markers(episode):
    TreatmentFactory(episode=episode, starts_on="2026-10-01", ends_on="2026-10-20")
    TreatmentFactory(
        episode=episode,
        kind="bisphosphonate",
        starts_on="2026-10-05",
        ends_on="2026-10-05",
        detail={"drug": "zoledronic_acid", "dose": "5 mg"},
    )
    bands, markers = chart_bands_and_markers(episode)
    assert [(str(b[0]), str(b[1]), b[2]) for b in bands] == [
        ("2026-10-01", "2026-10-20", "protected_weight_bearing")
    ]
    assert [(str(m[0]), m[2]) for m in markers] == [("2026-10-05", "zoledronic_acid 5 mg")]


def test_patient_page_queries_do_not_grow_with_the_course(physio, patient, episode):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(physio)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/dashboard/patients/{patient.id}/").status_code == 200
        return len(queries.captured_queries)

    for n in range(5):
        AssessmentFactory(episode=episode, date=f"2026-11-{n + 1:02d}")
        TreatmentFactory(episode=episode, kind="nsaid", detail={}, starts_on=f"2026-10-{n + 1:02d}")
    small = count()
    for n in range(45):
        AssessmentFactory(
            episode=episode, date=f"2026-10-{n % 28 + 1:02d}", test="gait_speed", value=1
        )
        TreatmentFactory(
            episode=episode, kind="nsaid", detail={}, starts_on=f"2026-09-{n % 28 + 1:02d}"
        )
    assert count() == small
