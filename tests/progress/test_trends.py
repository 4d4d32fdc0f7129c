"""`GET me/progress/trends/`: the patient's own trends, with the dashboard's definitions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.dashboard.course import episode_weekly_pain, patient_course
from apps.outcomes.selectors import score_series
from tests.dashboard.factories import ExercisePlanFactory, ExerciseSessionFactory, PlanItemFactory
from tests.outcomes.factories import psfs_answers, stored_response
from tests.progress.conftest import TODAY, course, short_and_long_records

URL = "/api/v1/me/progress/trends/"
pytestmark = pytest.mark.django_db


def _get(client, url=URL):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def _with_exercises(episode):
    plan = ExercisePlanFactory(episode=episode, starts_on=TODAY - dt.timedelta(days=20))
    item = PlanItemFactory(plan=plan, days_per_week=7)
    for back in range(0, 20, 2):
        ExerciseSessionFactory(plan_item=item, date=TODAY - dt.timedelta(days=back))


def test_the_trends_are_the_dashboards(client_of, new_patient):
    patient = new_patient()
    episode = course(patient, week=3, pains=[6] * 7 + [4] * 7)
    _with_exercises(episode)
    stored_response(
        episode=episode, day=TODAY - dt.timedelta(days=14), answers=psfs_answers(2, 2, 2)
    )
    stored_response(episode=episode, day=TODAY, answers=psfs_answers(5, 5, 5))
    client = client_of(patient)
    body = _get(client)
    progress = _get(client, "/api/v1/me/progress/")

    assert body["episode"] == str(episode.pk)
    assert body["date_from"] == episode.symptom_onset_date.isoformat()
    assert body["date_to"] == TODAY.isoformat()
    # The 7-day means and change: today's are those of me/progress (the dashboard row).
    assert body["pain_7d_mean"] == progress["pain_7d_mean"] == 4.0
    assert body["pain_7d_change"] == progress["pain_7d_change"] == -2.0
    assert body["pain_7d"][-1] == {"date": TODAY.isoformat(), "mean": 4.0}
    assert len(body["pain_7d"]) == 14
    # Weeks since onset: the weeks the expected course uses, with the change week on week.
    weeks = episode_weekly_pain(episode_id=episode.pk)
    assert [(w["week"], w["mean"], w["days"]) for w in body["pain_weeks"]] == [
        (w.week, round(w.mean, 2), w.days) for w in weeks
    ]
    assert body["pain_weeks"][0]["change"] is None
    assert body["pain_weeks"][-1]["change"] == round(weeks[-1].mean - weeks[-2].mean, 2)
    # Adherence per week: exactly the patient page's.
    page = patient_course(patient=patient)
    assert body["adherence_weeks"] == [
        {**row, "week_start": row["week_start"].isoformat()} for row in page.adherence_weeks
    ]
    assert any(row["adherence"] == 0.5 for row in body["adherence_weeks"])
    # Scores over time: the dashboard's score series.
    (series,) = score_series(episode.pk)
    assert body["scores"] == [
        {
            "instrument": "psfs",
            "score": "psfs_mean",
            "better": "higher",
            "mcid": series.mcid,
            "mdc": series.mdc,
            "range": list(series.range),
            "baseline": 2.0,
            "points": [
                {"date": (TODAY - dt.timedelta(days=14)).isoformat(), "value": 2.0},
                {"date": TODAY.isoformat(), "value": 5.0},
            ],
        }
    ]


def test_no_episode_has_empty_trends(client_of, new_patient):
    body = _get(client_of(new_patient()))
    assert body == {
        "episode": None,
        "date_from": None,
        "date_to": None,
        "pain_7d_mean": None,
        "pain_7d_change": None,
        "pain_7d": [],
        "pain_weeks": [],
        "adherence_weeks": [],
        "scores": [],
    }


def test_a_resolved_episode_ends_at_its_resolution(client_of, new_patient):
    patient = new_patient()
    resolved_on = TODAY - dt.timedelta(days=3)
    course(patient, week=20, pains=[2] * 10, status="resolved", resolved_on=resolved_on)
    body = _get(client_of(patient))
    assert body["date_to"] == resolved_on.isoformat()


def test_staff_may_not(api_client, physio):
    api_client.force_authenticate(physio)
    assert api_client.get(URL).status_code == 403


def test_query_count_does_not_grow_with_the_record(client_of, new_patient):
    short, long = new_patient(), new_patient()
    short_and_long_records(short, long, extra=_with_exercises)
    counts = []
    for patient in (short, long):
        client = client_of(patient)
        client.get(URL)  # warm caches
        with CaptureQueriesContext(connection) as queries:
            body = _get(client)
        assert body["pain_weeks"]
        assert body["scores"]
        counts.append(len(queries))
    assert counts[0] == counts[1]
