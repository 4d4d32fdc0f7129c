"""The read helpers other apps call: one query for any number of episodes."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.outcomes.selectors import latest_scores_by_episode, score_series
from tests.episodes.factories import EpisodeFactory
from tests.outcomes.factories import psfs_answers, stored_response

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 1)


def episodes_with_scores(n):
    episodes = []
    for _ in range(n):
        episode = EpisodeFactory(symptom_onset_date=DAY - dt.timedelta(days=30))
        stored_response(episode=episode, day=DAY, answers=psfs_answers(5, 6, 7))
        stored_response(
            episode=episode, day=DAY + dt.timedelta(days=14), answers=psfs_answers(2, 3, 3)
        )
        episodes.append(episode)
    return episodes


def test_latest_scores_one_query_for_5_or_50(django_assert_num_queries):
    few = episodes_with_scores(5)
    with django_assert_num_queries(1):
        latest = latest_scores_by_episode([e.pk for e in few])
    [psfs] = latest[few[0].pk]
    assert (psfs.instrument, psfs.score, psfs.value) == (
        "psfs",
        "psfs_mean",
        pytest.approx(2.6667, abs=1e-3),
    )
    assert psfs.change.meaningful == "worse"
    assert psfs.change.beyond_mdc is True
    many = few + episodes_with_scores(45)
    with django_assert_num_queries(1):
        assert len(latest_scores_by_episode([e.pk for e in many])) == 50
    empty = EpisodeFactory()
    assert latest_scores_by_episode([empty.pk]) == {empty.pk: []}


def test_score_series_with_its_mcid_band(django_assert_num_queries):
    [episode] = episodes_with_scores(1)
    with django_assert_num_queries(1):
        [series] = score_series(episode.pk)
    assert (series.baseline, series.mcid, series.mdc, series.better) == (6.0, 1.3, 2.0, "higher")
    assert [d for d, _ in series.points] == [DAY, DAY + dt.timedelta(days=14)]
