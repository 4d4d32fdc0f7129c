"""The clinical course in a real browser (marker `browser`): a physiotherapist records an
assessment and a treatment from the web patient page and finds them on the page. Screenshots
in test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from apps.assessments.models import Assessment
from apps.treatments.models import Treatment
from tests.accounts.factories import CareTeamFactory, physio_in
from tests.dashboard.conftest import patient_with_course
from tests.dashboard.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def csp_violations(page: Page) -> list[str]:
    """Console messages about the Content Security Policy (there must be none)."""
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen


@pytest.fixture
def course_patient(frozen_now):
    team = CareTeamFactory()
    physio_in(team, email="jo@clinic.example", first_name="Jo", last_name="Okafor")
    return patient_with_course(
        team,
        pain_last_7=[5, 5, 6, 5, 4, 5, 5],
        user__first_name="Ada",
        user__last_name="Course",
    )


def test_physio_records_an_assessment_and_a_treatment_on_the_patient_page(
    page: Page, live_server, course_patient, artifacts_dir, csp_violations
):
    page.set_viewport_size({"width": 1180, "height": 900})
    log_in(page, live_server.url, "jo@clinic.example")
    page.goto(f"{live_server.url}/dashboard/patients/{course_patient.pk}/")
    expect(page.get_by_role("heading", name="Clinical course")).to_be_visible()
    page.get_by_text("Record an assessment, a treatment or an imaging result").click()

    assessment = page.locator('form[aria-label="Record an assessment"]')
    assessment.get_by_label("Date").fill("2026-03-09")
    assessment.get_by_label("Test").select_option("hip_rom")
    assessment.get_by_label("Side").select_option("right")
    assessment.get_by_label("Movement").select_option("internal_rotation")
    assessment.get_by_label("Value").fill("32")
    assessment.get_by_label("Method").select_option("goniometer")
    assessment.get_by_role("button", name="Record assessment").click()
    expect(page.get_by_text("The assessment was recorded.")).to_be_visible()

    page.get_by_text("Record an assessment, a treatment or an imaging result").click()
    treatment = page.locator('form[aria-label="Record a treatment"]')
    treatment.get_by_label("Kind").select_option("protected_weight_bearing")
    treatment.get_by_label("Starts on").fill("2026-03-02")
    treatment.get_by_label("Weight bearing").select_option("toe_touch")
    treatment.get_by_label("Walking aid").select_option("crutches")
    treatment.get_by_role("button", name="Record treatment").click()
    expect(page.get_by_text("The treatment was recorded.")).to_be_visible()

    rom = page.locator('table.course-assessments tr[data-test="hip_rom"][data-side="right"]')
    expect(rom).to_contain_text("Hip range of motion, internal rotation")
    expect(rom).to_contain_text("32")
    row = page.locator("table.course-treatments tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Protected weight bearing")
    expect(row).to_contain_text("toe_touch")
    expect(row.locator("td.effect")).to_contain_text("Before/after")
    # Drawn on the charts too: the phase as a treatment band, the assessment as a marker.
    pain = page.locator("#chart-pain")
    expect(pain.locator("rect.band-treatment")).to_have_count(1)
    expect(pain.locator('g[data-kind="assessment"]')).to_have_count(1)
    expect(pain.locator(".legend")).to_contain_text("Treatment")
    page.locator("#course").screenshot(path=str(artifacts_dir / "dashboard-course.png"))
    page.screenshot(path=str(artifacts_dir / "dashboard-patient-course.png"), full_page=True)

    assert Assessment.objects.get().value == 32
    assert Treatment.objects.get().detail == {"level": "toe_touch", "aid": "crutches"}
    assert (artifacts_dir / "dashboard-course.png").stat().st_size > 0
    assert csp_violations == []
