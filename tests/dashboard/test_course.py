"""The expected course and the server-side charts of the patient page."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.dashboard import charts
from apps.dashboard.course import expected_course, patient_course
from tests.accounts.factories import CareTeamFactory, PatientFactory
from tests.dashboard.factories import CheckInFactory, EpisodeFactory, FlagFactory

ONSET = dt.date(2025, 1, 6)


def resolved_episode(care_team, weekly_pain: list[int]):
    """A resolved episode with one check-in in each week since onset (week i: weekly_pain[i])."""
    episode = EpisodeFactory(
        patient=PatientFactory(care_team=care_team),
        symptom_onset_date=ONSET,
        status="resolved",
        resolved_on=ONSET + dt.timedelta(days=7 * len(weekly_pain)),
    )
    for week, pain in enumerate(weekly_pain):
        CheckInFactory(episode=episode, date=ONSET + dt.timedelta(days=7 * week + 2), pain_now=pain)
    return episode


@pytest.mark.django_db
def test_expected_course_is_hidden_below_twenty_resolved_episodes(care_team):
    for _ in range(19):
        resolved_episode(care_team, [5, 4])

    course = expected_course(clinic_id=care_team.clinic_id)

    assert course.resolved_episodes == 19
    assert course.is_available is False
    assert course.weeks == ()


@pytest.mark.django_db
def test_expected_course_gives_median_and_10th_90th_percentiles_by_week(care_team):
    # Week 0: pains 0..19 (one per episode); week 1: all 3; week 2 only in 5 episodes.
    for index in range(20):
        resolved_episode(
            care_team, [index % 11 if index < 11 else index - 10, 3, 2][: 3 if index < 5 else 2]
        )
    other_clinic = CareTeamFactory()
    for _ in range(20):
        resolved_episode(other_clinic, [10, 10])
    active = EpisodeFactory(patient=PatientFactory(care_team=care_team), symptom_onset_date=ONSET)
    CheckInFactory(episode=active, date=ONSET, pain_now=10)

    course = expected_course(clinic_id=care_team.clinic_id)

    week0 = sorted([i if i < 11 else i - 10 for i in range(20)])
    assert week0 == [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10]
    assert course.resolved_episodes == 20
    assert course.is_available is True
    assert list(course.weeks) == [
        {"week": 0, "episodes": 20, "median": 5.0, "p10": 1.0, "p90": 9.0},
        {"week": 1, "episodes": 20, "median": 3.0, "p10": 3.0, "p90": 3.0},
    ]  # week 2 has only 5 episodes: no band there


@pytest.mark.django_db
def test_patient_course_runs_from_onset_to_today_with_its_records(care_team):
    patient = PatientFactory(care_team=care_team)
    episode = EpisodeFactory(patient=patient, symptom_onset_date=dt.date(2026, 3, 1))
    CheckInFactory(episode=episode, date=dt.date(2026, 3, 2), notes="Sore after stairs.")
    CheckInFactory(episode=episode, date=dt.date(2026, 3, 4))
    FlagFactory(episode=episode)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("apps.dashboard.course.local_today", lambda name: dt.date(2026, 3, 10))
        course = patient_course(patient=patient)

    assert course.episode == episode
    assert (course.date_from, course.date_to) == (dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    assert [row["date"] for row in course.checkins] == [dt.date(2026, 3, 2), dt.date(2026, 3, 4)]
    assert [row["notes"] for row in course.notes] == ["Sore after stairs."]
    assert len(course.flags) == 1


def test_rolling_mean_averages_the_check_ins_of_the_seven_dates_ending_on_each():
    values = {dt.date(2026, 3, 1): 2, dt.date(2026, 3, 3): 4, dt.date(2026, 3, 8): 9}

    assert charts.rolling_mean(values) == [
        (dt.date(2026, 3, 1), 2),
        (dt.date(2026, 3, 3), 3),
        (dt.date(2026, 3, 8), 6.5),  # 1 March has left the window
    ]


@pytest.mark.parametrize(("value", "ceiling"), [(0, 1), (7, 10), (18, 20), (3100, 5000), (45, 50)])
def test_axis_ceilings_are_round_numbers(value, ceiling):
    assert charts.nice_ceiling(value) == ceiling


def test_pain_chart_places_points_flags_and_the_expected_band():
    scale = charts.TimeScale(dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    chart = charts.pain_chart(
        scale,
        pain_now={dt.date(2026, 3, 1): 0, dt.date(2026, 3, 10): 10},
        pain_worst={dt.date(2026, 3, 1): 5},
        flags=[{"date": dt.date(2026, 3, 5), "rule": "pain_worsening", "severity": "soon"}],
        expected=[{"week": 0, "median": 5, "p10": 2, "p90": 8}],
        onset=dt.date(2026, 3, 1),
    )

    now = next(series for series in chart.series if series.name == "Pain now")
    assert [(p.x, p.y, p.label) for p in now.points] == [
        (
            charts.PLOT_LEFT + (charts.PLOT_RIGHT - charts.PLOT_LEFT) * 0.05,
            charts.PLOT_BOTTOM,
            "Pain now on 2026-03-01: 0",
        ),
        (
            charts.PLOT_LEFT + (charts.PLOT_RIGHT - charts.PLOT_LEFT) * 0.95,
            charts.PLOT_TOP,
            "Pain now on 2026-03-10: 10",
        ),
    ]
    assert [marker.label for marker in chart.markers] == [
        "soon flag pain_worsening opened 2026-03-05"
    ]
    assert chart.band is not None
    assert chart.point_count == 3
