"""The dashboard of issue 18 in a real browser (marker `browser`): Debian's Chromium driven by
Playwright at a laptop's 1440×900 and a phone's 390×844.

- the today view lists the emergency first;
- the cohort's default view has no resolved patient above an active one;
- no page is wider than the phone's viewport, and chart text stays readable there;
- axe-core (npm, `package.json`; injected through the DevTools protocol, so the pages' strict
  CSP stays on) reports no violations on any dashboard page;
- an htmx action keeps focus on its result and names the patient;
- a patient with treatments (a weight-bearing phase, a zoledronic acid dose), assessments and
  PSFS scores: the pain chart's legend lists them, the score chart draws its MCID band;
- screenshots of today, the cohort, a bilateral patient, a patient with flags, a patient with
  treatments and scores, and the flag queue at both sizes go to test-artifacts/ (kept by CI;
  docs/dashboard.md shows them).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.factories import DEFAULT_PASSWORD, CareTeamFactory, physio_in
from tests.course.factories import AssessmentFactory, ImagingStudyFactory, TreatmentFactory
from tests.dashboard.conftest import NOW, days_ago, patient_with_course
from tests.dashboard.factories import CheckInFactory, FlagFactory
from tests.outcomes.factories import psfs_answers, stored_response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"laptop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def world(frozen_now):
    team = CareTeamFactory()
    physio_in(team, email="sam@clinic.example", first_name="Sam", last_name="Ward")
    routine = patient_with_course(
        team,
        pain_last_7=[3, 3, 4, 3, 3, 2, 3],
        pain_previous_7=[4] * 7,
        sessions_last_7=5,
        flags=("routine",),
        user__first_name="Rui",
        user__last_name="Routine",
    )
    # A bilateral episode with an emergency, an urgent and a resolved flag, and a fortnight of
    # check-ins with both sides, weight bearing and walking aids.
    bilateral = patient_with_course(
        team, user__first_name="Bo", user__last_name="Bilateral", sessions_last_7=3
    )
    episode = bilateral.episodes.get()
    episode.affected_side = "both"
    episode.save()
    for offset in range(14):
        CheckInFactory(
            episode=episode,
            date=days_ago(offset),
            pain_now=4 + offset % 4,
            pain_worst_24h=6 + offset % 3,
            painful_sides=["left", "right"] if offset % 2 else ["right"],
            weight_bearing=("full", "partial", "none")[offset % 3],
            walking_aid=("none", "cane", "crutches")[offset % 3],
            limping=offset % 2 == 0,
            sleep_disturbed=offset % 3 == 0,
        )
    emergency = FlagFactory(
        episode=episode,
        severity="emergency",
        rule="cannot_bear_weight",
        opened_at=NOW - dt.timedelta(hours=3),
        opened_for_date=days_ago(0),
        escalated_at=NOW - dt.timedelta(hours=2),
        clinician_summary="Cannot bear weight today",
        evidence={
            "date": days_ago(0).isoformat(),
            "reason": "Weight bearing none today",
            "weight_bearing": "none",
            "thresholds": {"window_days": 7},
        },
    )
    FlagFactory(
        episode=episode,
        severity="urgent",
        rule="sudden_severe_pain",
        opened_at=NOW - dt.timedelta(hours=26),
        opened_for_date=days_ago(4),
        last_held_on=days_ago(2),
    )
    FlagFactory(
        episode=episode,
        severity="soon",
        rule="pain_worsening",
        status="resolved",
        resolved_at=NOW - dt.timedelta(days=1),
        resolution="clinician",
        outcome="contacted_patient",
    )
    silent = patient_with_course(
        team, pain_previous_7=[5, 5], user__first_name="Sia", user__last_name="Silent"
    )
    for index in range(3):
        gone = patient_with_course(
            team,
            pain_previous_7=[2],
            flags=("soon",),
            user__first_name=f"Dee{index}",
            user__last_name="Discharged",
        )
        resolved = gone.episodes.get()
        resolved.status, resolved.resolved_on = "resolved", days_ago(40)
        resolved.save()
    treated = _patient_with_treatments_and_scores(team)
    return {
        "bilateral": bilateral,
        "emergency": emergency,
        "routine": routine,
        "silent": silent,
        "treated": treated,
    }


def _patient_with_treatments_and_scores(team):
    """Six weeks of check-ins; toe-touch weight bearing for three weeks, then partial (still in
    force); a zoledronic acid dose; an MRI; TUG and hip ROM on both sides twice; PSFS every two
    weeks, worse by more than the MCID at first, then better."""
    patient = patient_with_course(
        team, onset=days_ago(60), user__first_name="Tam", user__last_name="Treated"
    )
    episode = patient.episodes.get()
    for offset in range(42):
        CheckInFactory(
            episode=episode,
            date=days_ago(offset),
            pain_now=max(1, 7 - (42 - offset) // 7),
            pain_worst_24h=min(10, max(2, 8 - (42 - offset) // 8)),
            weight_bearing="partial" if offset < 21 else "none",
            walking_aid="crutches",
        )
    TreatmentFactory(
        episode=episode,
        starts_on=days_ago(42),
        ends_on=days_ago(22),
        detail={"level": "toe_touch", "aid": "crutches"},
    )
    TreatmentFactory(
        episode=episode, starts_on=days_ago(21), ends_on=None, detail={"level": "partial"}
    )
    TreatmentFactory(
        episode=episode,
        kind="bisphosphonate",
        starts_on=days_ago(35),
        ends_on=days_ago(35),
        detail={"drug": "zoledronic_acid", "dose": "5 mg", "route": "iv"},
    )
    ImagingStudyFactory(episode=episode, date=days_ago(40))
    for offset, tug, flexion in ((38, "14.2", 80), (10, "11.8", 95)):
        AssessmentFactory(episode=episode, date=days_ago(offset), value=tug)
        for side in ("left", "right"):
            AssessmentFactory(
                episode=episode,
                date=days_ago(offset),
                test="hip_rom",
                side=side,
                movement="flexion",
                method="goniometer",
                value=flexion if side == "left" else 110,
            )
    for offset, ratings in ((40, (4, 5, 5)), (26, (2, 3, 3)), (12, (5, 6, 6)), (0, (7, 7, 8))):
        stored_response(episode=episode, day=days_ago(offset), answers=psfs_answers(*ratings))
    return patient


def log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/dashboard/")
    expect(page).to_have_url(re.compile(r"/dashboard/login/"))
    page.get_by_label("E-mail address").fill("sam@clinic.example")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()


def axe_violations(page: Page) -> list[str]:
    assert AXE.exists(), "axe-core is missing: run `npm install` (package.json)"
    page.evaluate(AXE.read_text() + "\n;true")
    return page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)"""
    )


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def shot(page: Page, artifacts_dir: Path, name: str, size: str) -> None:
    path = artifacts_dir / f"dashboard-{name}-{size}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0


@pytest.mark.parametrize("size", SIZES)
def test_every_page_at_both_sizes(page: Page, live_server, world, artifacts_dir, size):
    page.set_viewport_size(SIZES[size])
    log_in(page, live_server.url)
    problems: dict[str, list[str]] = {}

    # Today: the emergency heads the list, with how long it waited and its escalation.
    immediate = page.locator("#today-immediate li.today-item")
    expect(immediate.first).to_have_attribute("data-severity", "emergency")
    expect(immediate.first).to_contain_text("waiting 3 h")
    expect(immediate.first).to_contain_text("escalated")
    expect(page.locator("#today-silent")).to_contain_text("Silent, Sia")
    expect(page.locator("#today-silent")).not_to_contain_text("Discharged")
    problems["today"] = axe_violations(page)
    assert fits(page)
    shot(page, artifacts_dir, "today", size)

    # The cohort: active episodes only by default; with "All", resolved ones come last.
    page.get_by_role("link", name="Patients", exact=True).click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    statuses = page.locator("table#cohort tbody td[data-column=status]").all_inner_texts()
    assert statuses
    assert set(statuses) == {"Active"}
    problems["cohort"] = axe_violations(page)
    assert fits(page)
    shot(page, artifacts_dir, "cohort", size)
    page.get_by_role("link", name="All patients").click()
    statuses = page.locator("table#cohort tbody td[data-column=status]").all_inner_texts()
    assert "Resolved" in statuses
    assert statuses == sorted(statuses, key=lambda status: status == "Resolved")
    problems["cohort-all"] = axe_violations(page)

    # A bilateral patient with flags: emergency at the top, a line per side, the strip.
    page.get_by_role("link", name="Bilateral, Bo").first.click()
    header = page.locator("#open-flags li")
    expect(header.first).to_have_attribute("data-severity", "emergency")
    expect(header.first).to_contain_text("Emergency open since")
    expect(page.locator("#chart-pain .series-side-left path.mean")).to_have_count(1)
    expect(page.locator("#chart-pain .series-side-right path.mean")).to_have_count(1)
    expect(page.locator("#chart-function rect.strip-cell")).not_to_have_count(0)
    expect(page.locator("#chart-pain .legend")).to_contain_text("Emergency flag")
    label = page.locator("#chart-pain .x-axis text.tick-label").last
    box = label.bounding_box()
    svg = page.locator("#chart-pain svg").bounding_box()
    assert box is not None
    assert svg is not None
    assert box["height"] >= 9  # readable text, not ~5 px
    assert box["x"] + box["width"] <= svg["x"] + svg["width"] + 1  # the last label is whole
    problems["patient"] = axe_violations(page)
    assert fits(page)
    shot(page, artifacts_dir, "patient-bilateral", size)
    page.locator(f"#flag-{world['emergency'].pk} details.evidence > summary").click()
    expect(page.locator(f"#flag-{world['emergency'].pk} table.evidence-table")).to_contain_text(
        "Weight bearing none today"
    )
    shot(page, artifacts_dir, "patient-flags", size)

    # The flag queue: compact cards, human rule names, grouped by patient, the resolved tab.
    page.get_by_role("link", name="Flag queue").click()
    expect(page.locator("article.flag").first).to_have_attribute("data-severity", "emergency")
    expect(page.locator("article.flag").first).to_contain_text("Cannot bear weight")
    problems["flags"] = axe_violations(page)
    assert fits(page)
    shot(page, artifacts_dir, "flags", size)
    page.get_by_label("Group by patient").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("section.flag-group").first).to_contain_text("Bilateral, Bo")
    problems["flags-grouped"] = axe_violations(page)
    page.get_by_role("link", name="Resolved", exact=True).click()
    expect(page.locator("article.flag")).not_to_have_count(0)
    problems["flags-resolved"] = axe_violations(page)
    assert fits(page)

    assert {name: found for name, found in problems.items() if found} == {}


@pytest.mark.parametrize("size", SIZES)
def test_a_patient_with_treatments_assessments_and_scores(
    page: Page, live_server, world, artifacts_dir, size
):
    page.set_viewport_size(SIZES[size])
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/dashboard/patients/{world['treated'].pk}/")
    expect(page.get_by_role("heading", name="Treated, Tam")).to_be_visible()

    pain = page.locator("#chart-pain")
    expect(pain.locator("rect.band-treatment")).to_have_count(2)  # both weight-bearing phases
    expect(pain.locator('g[data-kind="treatment"]')).to_have_count(1)  # the zoledronic acid dose
    expect(pain.locator('g[data-kind="assessment"]')).to_have_count(2)
    expect(pain.locator('g[data-kind="imaging"]')).to_have_count(1)
    expect(pain.locator('g[data-kind="score"]')).to_have_count(4)
    legend = pain.locator(".legend li.legend-layer").all_inner_texts()
    assert {"Treatment", "Assessment", "Questionnaire score"} <= set(legend)
    assert "Imaging" in legend
    # The phase still in force runs to the chart's last date.
    assert "still in force" in (pain.locator("rect.band-treatment title").last.text_content() or "")

    score = page.locator("#chart-score-psfs-psfs-mean")
    expect(score.locator("circle.point")).to_have_count(4)
    expect(score.locator("path.mcid-area")).to_have_count(1)
    expect(score.locator(".legend")).to_contain_text("Within the MCID of baseline")
    box = score.locator(".x-axis text.tick-label").last.bounding_box()
    assert box is not None
    assert box["height"] >= 9  # readable on a phone too

    assert fits(page)
    assert axe_violations(page) == []
    shot(page, artifacts_dir, "patient-treatments", size)


def test_acknowledging_keeps_focus_names_the_patient_and_updates_the_counts(
    page: Page, live_server, world
):
    page.set_viewport_size(SIZES["laptop"])
    log_in(page, live_server.url)
    page.get_by_role("link", name="Flag queue").click()
    expect(page.locator("#header-counts")).to_contain_text("1 emergency")
    card = page.locator(f"article#flag-{world['emergency'].pk}")
    card.locator("summary", has_text="Acknowledge or resolve").click()
    card.get_by_role("button", name="Acknowledge").click()

    done = page.locator(f"#flag-{world['emergency'].pk}[role=status]")
    expect(done).to_contain_text("Acknowledged: Bilateral, Bo — Cannot bear weight")
    expect(done).to_be_focused()
    expect(page.locator("#header-counts")).to_contain_text("1 emergency")  # still live
    expect(page.locator("#header-counts")).not_to_contain_text("4 open")
