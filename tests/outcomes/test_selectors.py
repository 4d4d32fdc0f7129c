"""The read helpers other apps call: one query for any number of episodes."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def _latest_from_every_score(episode_ids):
    """The latest scores as computed over every stored score (the reference for
    `latest_scores_by_episode`, which reads only the scores the latest ones depend on)."""
    from apps.outcomes.selectors import LatestScore, changes_of, score_points_by_episode

    result = {episode_id: [] for episode_id in episode_ids}
    for episode_id, points in score_points_by_episode(episode_ids).items():
        changes = changes_of(points)
        latest = {}
        for point in points:
            latest[(point.instrument, point.score)] = point
        result[episode_id] = [
            LatestScore(p.instrument, p.score, p.date, p.value, changes[p.score_id], p.mcid, p.mdc)
            for p in sorted(latest.values(), key=lambda p: (p.instrument, p.score))
        ]
    return result


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    responses=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=6),  # day (several on one day: ties)
            st.sampled_from(["psfs", "psfs", "pgic"]),
            st.one_of(st.none(), st.integers(min_value=0, max_value=10)),  # None: unscored
        ),
        max_size=9,
    )
)
def test_latest_scores_equal_those_computed_over_every_score(responses):
    episode = EpisodeFactory(symptom_onset_date=DAY - dt.timedelta(days=30))
    for day, instrument, rating in responses:
        if instrument == "pgic":
            answers = {"change": "much_improved" if rating is not None else "no_change"}
        else:
            answers = psfs_answers(*([rating] * 3)) if rating is not None else {}
        stored_response(
            episode=episode,
            instrument=instrument,
            day=DAY + dt.timedelta(days=day),
            answers=answers,
        )
    got = latest_scores_by_episode([episode.pk])[episode.pk]
    expected = _latest_from_every_score([episode.pk])[episode.pk]
    assert got == expected, (responses, got, expected)
