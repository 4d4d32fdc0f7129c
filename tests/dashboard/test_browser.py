"""The dashboard in a real browser: Debian's Chromium driven by Playwright (marker `browser`).

Screenshots of the cohort and patient pages go to test-artifacts/ (kept by CI)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from apps.flags.models import Flag
from tests.accounts.factories import DEFAULT_PASSWORD, CareTeamFactory, PatientFactory, physio_in
from tests.dashboard.conftest import patient_with_course
from tests.dashboard.factories import FlagFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinic_data(frozen_now):
    team = CareTeamFactory()
    physio = physio_in(team, email="jo@clinic.example", first_name="Jo", last_name="Okafor")
    calm = patient_with_course(
        team,
        pain_last_7=[2, 2, 3, 2, 2, 3, 2],
        pain_previous_7=[3] * 7,
        sessions_last_7=7,
        user__first_name="Ada",
        user__last_name="Calm",
    )
    worse = patient_with_course(
        team,
        pain_last_7=[7, 8, 7, 6, 7, 8, 7],
        pain_previous_7=[4] * 7,
        sessions_last_7=2,
        user__first_name="Bea",
        user__last_name="Worse",
    )
    middle = patient_with_course(
        team,
        pain_last_7=[5, 5, 4, 5, 5, 4, 5],
        user__first_name="Cy",
        user__last_name="Middle",
    )
    flag = FlagFactory(
        episode=worse.episodes.get(),
        severity="urgent",
        rule="sudden_severe_pain",
        clinician_summary="Worst pain 8, baseline 4.0",
    )
    stranger = PatientFactory(user__first_name="Zed", user__last_name="Elsewhere")
    return {
        "physio": physio,
        "patients": [calm, worse, middle],
        "flag": flag,
        "stranger": stranger,
    }


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


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/dashboard/")
    expect(page).to_have_url(re.compile(r"/dashboard/login/"))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # The landing page is the today view (issue 18); the cohort is one link away.
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()


def cohort_names(page: Page) -> list[str]:
    return page.locator("table#cohort tbody th[scope=row] a").all_inner_texts()


def test_physio_sees_own_patients_sorts_and_opens_charts(
    page: Page, live_server, clinic_data, artifacts_dir, csp_violations
):
    page.set_viewport_size({"width": 1180, "height": 820})  # a landscape tablet
    log_in(page, live_server.url, "jo@clinic.example")
    page.get_by_role("link", name="Patients", exact=True).click()

    # Needs action first: the urgent flag's patient heads the list; no other team's patient.
    assert cohort_names(page) == ["Worse, Bea", "Calm, Ada", "Middle, Cy"]
    expect(page.get_by_text("Elsewhere")).to_have_count(0)

    page.get_by_role("link", name="Pain, 7-day mean").click()
    expect(page.locator('th[data-column="pain_7d_mean"]')).to_have_attribute(
        "aria-sort", "descending"
    )
    assert cohort_names(page) == ["Worse, Bea", "Middle, Cy", "Calm, Ada"]
    page.get_by_role("link", name="Pain, 7-day mean").click()
    expect(page.locator('th[data-column="pain_7d_mean"]')).to_have_attribute(
        "aria-sort", "ascending"
    )
    assert cohort_names(page) == ["Calm, Ada", "Middle, Cy", "Worse, Bea"]
    page.screenshot(path=str(artifacts_dir / "dashboard-cohort.png"), full_page=True)

    page.get_by_role("link", name="Worse, Bea").click()
    expect(page.get_by_role("heading", name="Worse, Bea")).to_be_visible()
    pain = page.locator("#chart-pain svg")
    expect(pain).to_be_visible()
    # 14 check-ins: a "pain now" and a "worst pain" point for each, each with its title.
    expect(pain.locator(".series-now circle.point")).to_have_count(14)
    expect(pain.locator(".series-worst circle.point")).to_have_count(14)
    expect(pain.locator(".series-now circle.point title").first).to_contain_text("Pain now on")
    expect(pain.locator(".flag-marker.severity-urgent")).to_have_count(1)
    expect(page.locator("#chart-stiffness svg circle.point")).to_have_count(14)
    expect(page.locator("#chart-steps svg circle.point")).to_have_count(14)
    expect(page.locator("#chart-adherence svg rect.bar")).not_to_have_count(0)
    box = pain.bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert box["height"] > 80
    # The plan's table fits its card in the side column (every column visible), and nothing
    # makes the page scroll sideways.
    plan = page.locator("table.plan").bounding_box()
    card = page.locator("section[aria-labelledby=plan-heading]").bounding_box()
    assert plan is not None
    assert card is not None
    assert plan["x"] + plan["width"] <= card["x"] + card["width"]
    expect(page.get_by_role("columnheader", name="Days a week")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts_dir / "dashboard-patient.png"), full_page=True)

    assert (artifacts_dir / "dashboard-cohort.png").stat().st_size > 0
    assert (artifacts_dir / "dashboard-patient.png").stat().st_size > 0
    assert csp_violations == []


def test_acknowledging_a_flag_takes_it_out_of_the_open_queue(
    page: Page, live_server, clinic_data, csp_violations
):
    flag = clinic_data["flag"]
    log_in(page, live_server.url, "jo@clinic.example")
    page.get_by_role("link", name="Flag queue").click()
    article = page.locator(f"article#flag-{flag.pk}")
    expect(article).to_contain_text("Worst pain 8, baseline 4.0")
    article.locator("summary", has_text="Acknowledge or resolve").click()  # forms behind a button
    article.get_by_label("Acknowledgement note (optional)").fill("Phoned; seen in clinic today.")
    article.get_by_role("button", name="Acknowledge").click()

    # htmx swaps the flag for a confirmation in place.
    expect(page.locator(f"#flag-{flag.pk}[role=status]")).to_contain_text("Acknowledged")
    page.reload()
    expect(page.locator(f"article#flag-{flag.pk}")).to_have_count(0)
    expect(page.get_by_text("No open flags.")).to_be_visible()
    page.get_by_role("link", name="Acknowledged").click()
    expect(page.locator(f"article#flag-{flag.pk}")).to_contain_text("Phoned; seen in clinic today.")

    flag = Flag.objects.get(pk=flag.pk)
    assert flag.status == "acknowledged"
    assert flag.acknowledged_by == clinic_data["physio"]
    assert flag.note == "Phoned; seen in clinic today."
    assert csp_violations == []
