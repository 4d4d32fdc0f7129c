"""The expected-course point: the clinic's resolved episodes when enough, else published."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.dashboard.course import ExpectedCourse
from apps.progress.course import PUBLISHED_N, expected_point, expected_point_from
from tests.accounts.factories import PatientFactory
from tests.dashboard.factories import CheckInFactory, EpisodeFactory

WEEKS = tuple(
    {"week": week, "episodes": 12, "median": median, "p10": median - 2, "p90": median + 2}
    for week, median in [(2, 4.0), (6, 7.0), (14, 3.5)]
)


def test_clinic_point_when_enough_resolved_episodes():
    point = expected_point_from(ExpectedCourse(resolved_episodes=25, weeks=WEEKS), 14)
    assert (point.source, point.n, point.median_pain, point.band) == ("clinic", 12, 3.5, (1.5, 5.5))
    assert point.peak_week == 6
    assert point.stage == "easing"


def test_published_when_the_clinic_has_too_few():
    point = expected_point_from(ExpectedCourse(resolved_episodes=5), 14)
    assert (point.source, point.n, point.median_pain, point.band) == (
        "published",
        PUBLISHED_N,
        None,
        None,
    )


def test_published_for_a_week_the_clinic_band_does_not_cover():
    point = expected_point_from(ExpectedCourse(resolved_episodes=25, weeks=WEEKS), 40)
    assert point.source == "published"


@pytest.mark.django_db
def test_clinic_point_from_the_database(care_team):
    onset = dt.date(2025, 1, 6)
    for _ in range(20):
        episode = EpisodeFactory(
            patient=PatientFactory(care_team=care_team),
            symptom_onset_date=onset,
            status="resolved",
            resolved_on=onset + dt.timedelta(days=200),
        )
        CheckInFactory(episode=episode, date=onset + dt.timedelta(days=7 * 14 + 1), pain_now=3)
    point = expected_point(clinic_id=care_team.clinic_id, week=14)
    assert (point.source, point.n, point.median_pain) == ("clinic", 20, 3.0)
