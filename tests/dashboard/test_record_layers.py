"""The record apps on the dashboard: treatments, imaging, assessments and questionnaire scores
on the patient page's charts (apps.dashboard.record_layers), a chart per score with its MCID
band (apps.dashboard.score_charts), the latest scores in the cohort's rows, and the today
view's slot for questionnaires worse by a meaningful change (a real `outcome_worsened`)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.assessments.models import Assessment
from apps.dashboard.chart_layers import BandSpec, MarkerSpec
from apps.dashboard.record_layers import (
    assessment_markers,
    record_layers,
    score_markers,
    treatment_layers,
)
from apps.dashboard.score_charts import score_chart
from apps.flags.models import Flag
from apps.flags.services import episode_evaluate
from apps.outcomes.selectors import ScoreSeries
from tests.course.factories import AssessmentFactory, ImagingStudyFactory, TreatmentFactory
from tests.dashboard.conftest import TODAY, days_ago, patient_with_course
from tests.outcomes.factories import psfs_answers, stored_response

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def physio_web(physio) -> Client:
    client = Client()
    client.force_login(physio)
    return client


# --- The specs (pure) -------------------------------------------------------------------------


def test_a_treatment_still_in_force_runs_to_the_charts_end_and_doses_are_markers():
    bands = [
        (D(2026, 1, 5), D(2026, 1, 25), "protected_weight_bearing", "Weight bearing: non"),
        (D(2026, 1, 26), None, "protected_weight_bearing", "Weight bearing: partial"),
        (D(2026, 4, 1), None, "nsaid", "NSAID"),  # starts after the chart: not drawn
    ]
    markers = [
        (D(2026, 2, 1), "bisphosphonate", "zoledronic_acid 5 mg"),
        (D(2026, 2, 3), "imaging_mri", "MRI: oedema moderate"),
    ]

    marker_specs, band_specs = treatment_layers(bands, markers, chart_end=D(2026, 3, 10))

    assert band_specs == [
        BandSpec(
            D(2026, 1, 5),
            D(2026, 1, 25),
            "treatment",
            "Weight bearing: non, 2026-01-05 to 2026-01-25",
        ),
        BandSpec(
            D(2026, 1, 26),
            D(2026, 3, 10),
            "treatment",
            "Weight bearing: partial, from 2026-01-26, still in force",
        ),
        BandSpec(
            D(2026, 4, 1), D(2026, 4, 1), "treatment", "NSAID, from 2026-04-01, still in force"
        ),
    ]
    assert marker_specs == [
        MarkerSpec(D(2026, 2, 1), "treatment", "zoledronic_acid 5 mg, 2026-02-01"),
        MarkerSpec(D(2026, 2, 3), "imaging", "MRI: oedema moderate, 2026-02-03"),
    ]


def test_one_assessment_marker_per_date_naming_every_test():
    rows = [
        Assessment(date=D(2026, 2, 1), test="timed_up_and_go", value=Decimal("12.50")),
        Assessment(
            date=D(2026, 2, 1), test="hip_rom", side="left", movement="flexion", value=Decimal(95)
        ),
        Assessment(date=D(2026, 2, 15), test="timed_up_and_go", value=Decimal("11.2")),
    ]
    for index, row in enumerate(rows):
        row.created_at = dt.datetime(2026, 2, 1, 9, index, tzinfo=dt.UTC)

    markers = assessment_markers(rows)

    assert [(m.date, m.kind) for m in markers] == [
        (D(2026, 2, 1), "assessment"),
        (D(2026, 2, 15), "assessment"),
    ]
    assert markers[0].label == (
        "Assessment 2026-02-01: Timed Up and Go 12.5 s; Hip range of motion flexion (left) 95 deg"
    )
    assert markers[1].label == "Assessment 2026-02-15: Timed Up and Go 11.2 s"


def _psfs(points, *, baseline=6.0) -> ScoreSeries:
    return ScoreSeries(
        instrument="psfs",
        score="psfs_mean",
        better="higher",
        mcid=1.3,
        mdc=2.0,
        range=(0.0, 10.0),
        baseline=baseline,
        points=points,
    )


def test_score_markers_one_per_date_and_instrument():
    series = [
        _psfs([(D(2026, 2, 1), 6.0), (D(2026, 2, 15), None)]),
        ScoreSeries(
            "weekly_pain", "pain_worst_7d", "lower", 1.5, None, (0, 10), 7, [(D(2026, 2, 1), 7)]
        ),
    ]

    markers = score_markers(series)

    assert markers == [
        MarkerSpec(D(2026, 2, 1), "score", "PSFS 2026-02-01: PSFS, mean of the activities 6"),
        MarkerSpec(
            D(2026, 2, 1), "score", "Weekly pain 2026-02-01: Weekly pain, worst pain, 7 days 7"
        ),
        MarkerSpec(
            D(2026, 2, 15), "score", "PSFS 2026-02-15: PSFS, mean of the activities not scored"
        ),
    ]
    layers = record_layers(chart_end=D(2026, 3, 1), scores=series)
    assert layers.markers == markers
    assert layers.bands == []
    assert layers.treatment_markers == []


def test_a_score_chart_draws_the_mcid_band_around_the_baseline_on_the_scores_range():
    chart = score_chart(
        _psfs([(D(2026, 2, 1), 6.0), (D(2026, 2, 15), 4.0), (D(2026, 3, 1), None)]),
        start=D(2026, 1, 1),
        end=D(2026, 3, 10),
    )

    assert chart.slug == "score-psfs-psfs-mean"
    assert chart.title == "PSFS, mean of the activities (higher is better)"
    assert chart.point_count == 2
    assert "1 response not scored" in chart.description
    assert [tick.label for tick in chart.y_ticks] == ["0", "2.5", "5", "7.5", "10"]
    band = chart.band
    assert band is not None
    assert band.css == "mcid"
    assert "MCID (1.3) of the baseline 6" in band.label
    # The band spans baseline ± MCID: 4.7 to 7.3 on the 0–10 axis.
    top, bottom = chart.plot_top, chart.plot_bottom

    def y(value):
        return round(bottom - (bottom - top) * value / 10, 1)

    assert f"M{chart.plot_left},{y(7.3)}" in band.area
    assert f",{y(4.7)} Z" in band.area
    assert band.median.endswith(f",{y(6.0)}")
    assert ("mcid", "Within the MCID of baseline") in chart.legend


def test_a_score_without_an_mcid_or_a_baseline_has_no_band():
    chart = score_chart(
        ScoreSeries("pgic", "pgic", "lower", None, None, (1, 7), 3, [(D(2026, 2, 1), 3.0)]),
        start=D(2026, 1, 1),
        end=D(2026, 3, 1),
    )
    assert chart.band is None
    assert chart.title == "PGIC (lower is better)"


# --- The patient page --------------------------------------------------------------------------


def _course_records(episode, count: int, *, first: int = 0) -> None:
    """``count`` assessments, treatments (NSAID courses and zoledronic acid doses) and PSFS
    responses on distinct dates of the last weeks."""
    for n in range(first, first + count):
        day = days_ago(n % 50)
        AssessmentFactory(episode=episode, date=day, value=Decimal(10 + n % 5))
        if n % 2:
            TreatmentFactory(
                episode=episode,
                kind="bisphosphonate",
                starts_on=day,
                ends_on=day,
                detail={"drug": "zoledronic_acid", "dose": "5 mg"},
            )
        else:
            TreatmentFactory(
                episode=episode,
                kind="nsaid",
                starts_on=day,
                ends_on=day + dt.timedelta(2),
                detail={},
            )
        stored_response(episode=episode, day=day, answers=psfs_answers(3 + n % 5, 4, 5))


def _patient_with_records(care_team):
    patient = patient_with_course(
        care_team, pain_last_7=[5, 4, 4, 5, 3, 4, 4], pain_previous_7=[6] * 7, flags=("soon",)
    )
    episode = patient.episodes.get()
    TreatmentFactory(
        episode=episode,
        starts_on=days_ago(20),
        ends_on=None,
        detail={"level": "toe_touch", "aid": "crutches"},
    )
    TreatmentFactory(
        episode=episode,
        kind="bisphosphonate",
        starts_on=days_ago(10),
        ends_on=days_ago(10),
        detail={"drug": "zoledronic_acid", "dose": "5 mg"},
    )
    ImagingStudyFactory(episode=episode, date=days_ago(30))
    AssessmentFactory(episode=episode, date=days_ago(14), test="timed_up_and_go", value=14)
    AssessmentFactory(episode=episode, date=days_ago(0), test="timed_up_and_go", value=12)
    stored_response(episode=episode, day=days_ago(28), answers=psfs_answers(5, 6, 7))
    stored_response(episode=episode, day=days_ago(0), answers=psfs_answers(2, 3, 3))
    return patient


def test_the_patient_page_draws_treatments_assessments_imaging_and_scores(
    physio_web, care_team, frozen_now
):
    patient = _patient_with_records(care_team)

    html = physio_web.get(f"/dashboard/patients/{patient.pk}/").content.decode()

    pain = html[
        html.index('id="chart-pain"') : html.index("</figure>", html.index('id="chart-pain"'))
    ]
    # The weight-bearing phase, still in force: a band from its start to the chart's end.
    assert 'class="band band-treatment"' in pain
    assert f"Weight bearing: toe_touch, from {days_ago(20).isoformat()}, still in force" in pain
    assert 'data-kind="treatment"' in pain
    assert "zoledronic_acid 5 mg" in pain
    assert 'data-kind="imaging"' in pain
    assert pain.count('data-kind="assessment"') == 2
    assert pain.count('data-kind="score"') == 2
    legend = re.findall(r'<li class="legend-layer legend-kind-([\w-]+)">([^<]+)</li>', pain)
    assert legend == [
        ("flag-soon", "Soon flag"),
        ("treatment", "Treatment"),
        ("assessment", "Assessment"),
        ("imaging", "Imaging"),
        ("score", "Questionnaire score"),
    ]
    # One chart per score, with the MCID band from the baseline (PSFS 6, MCID 1.3).
    assert 'id="chart-score-psfs-psfs-mean"' in html
    score = html[html.index('id="chart-score-psfs-psfs-mean"') :]
    score = score[: score.index("</figure>")]
    assert 'class="mcid-area"' in score
    assert "Within the MCID (1.3) of the baseline 6" in score
    assert score.count('<circle class="point"') == 2


def test_a_patient_without_scores_says_so(physio_web, care_team, frozen_now):
    patient = patient_with_course(care_team, pain_last_7=[3])
    html = physio_web.get(f"/dashboard/patients/{patient.pk}/").content.decode()
    assert "No questionnaire answered in this episode." in html
    assert "chart-score-" not in html


def test_patient_page_queries_equal_for_5_and_50_records(physio_web, care_team, frozen_now):
    patient = patient_with_course(care_team, pain_last_7=[4, 5], flags=("urgent",))
    episode = patient.episodes.get()
    url = f"/dashboard/patients/{patient.pk}/"
    _course_records(episode, 5)
    with CaptureQueriesContext(connection) as small:
        html = physio_web.get(url).content.decode()
    assert 'id="chart-score-psfs-psfs-mean"' in html
    _course_records(episode, 45, first=5)
    with CaptureQueriesContext(connection) as large:
        html = physio_web.get(url).content.decode()
    assert len(large.captured_queries) == len(small.captured_queries)
    # test_web's bound (23 with the course section and its pain course) + the score series.
    assert len(small.captured_queries) <= 24
    score = html[html.index('id="chart-score-psfs-psfs-mean"') :]
    assert score[: score.index("</figure>")].count('<circle class="point"') == 50


# --- The cohort ---------------------------------------------------------------------------------


def _scored_patients(care_team, count: int) -> None:
    for _ in range(count):
        patient = patient_with_course(care_team, pain_last_7=[3, 4], sessions_last_7=1)
        episode = patient.episodes.get()
        stored_response(episode=episode, day=days_ago(14), answers=psfs_answers(5, 6, 7))
        stored_response(episode=episode, day=days_ago(0), answers=psfs_answers(2, 3, 3))


def test_the_cohort_shows_the_latest_scores_with_the_same_queries_for_5_and_50(
    physio_web, care_team, frozen_now
):
    _scored_patients(care_team, 5)
    with CaptureQueriesContext(connection) as small:
        html = physio_web.get("/dashboard/patients/").content.decode()
    cells = re.findall(r'<td data-column="latest_scores">(.*?)</td>', html)
    assert len(cells) == 5
    assert all("PSFS, mean of the activities 2.7 (-3.3, worse)" in cell for cell in cells)
    assert all('class="latest-score worse"' in cell for cell in cells)
    _scored_patients(care_team, 45)
    with CaptureQueriesContext(connection) as large:
        html = physio_web.get("/dashboard/patients/").content.decode()
    assert len(large.captured_queries) == len(small.captured_queries)
    assert html.count('class="latest-score worse"') == 50


# --- The today view ----------------------------------------------------------------------------


def test_the_today_view_lists_a_real_outcome_worsened_flag(physio_web, care_team, frozen_now):
    worse = patient_with_course(care_team, pain_last_7=[4], user__last_name="Worse")
    steady = patient_with_course(care_team, pain_last_7=[4], user__last_name="Steady")
    for patient, later in ((worse, (2, 3, 3)), (steady, (5, 6, 6))):
        episode = patient.episodes.get()
        stored_response(episode=episode, day=days_ago(14), answers=psfs_answers(5, 6, 7))
        stored_response(episode=episode, day=TODAY, answers=psfs_answers(*later))
        episode_evaluate(episode_id=episode.id, dates=[TODAY])

    flag = Flag.objects.get(rule="outcome_worsened")
    assert flag.patient_id == worse.pk

    html = physio_web.get("/dashboard/").content.decode()
    section = html[html.index('id="today-outcome-worsened"') :]
    section = section[: section.index("</section>")]
    assert re.search(r'<span class="count-pill">1</span>', section)
    assert f'data-flag="{flag.pk}"' in section
    assert f'href="/dashboard/patients/{worse.pk}/#flag-{flag.pk}"' in section
    assert "Worse," in section
    assert "Steady," not in section
    assert "Questionnaire score worse" in section
