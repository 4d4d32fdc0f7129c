"""The changes in a created response's answer (`POST questionnaire-responses/`) are read
before its write, with the catalogue's token: the baseline and the previous scored value of
each score in the episode (apps/outcomes/prior_scores.py). They equal what the stored
response's changes are over every score of the episode (`selectors.changes_for_responses`),
for random histories: several responses on one day and at one instant (ties broken by the
response id), unscored responses, two versions of one instrument, a response sent late
(before stored ones)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.outcomes.loader import SHIPPED_DIR, load_instrument_data
from apps.outcomes.models import QuestionnaireResponse
from apps.outcomes.selectors import changes_for_responses
from apps.outcomes.services import questionnaire_response_post
from tests.episodes.factories import EpisodeFactory
from tests.outcomes.helpers import psfs_body

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 18, 0, tzinfo=dt.UTC)
FIRST = NOW.date() - dt.timedelta(days=6)


def _second_psfs_version() -> None:
    """psfs version 2 (one rating enough for a score), current from now, with its wording."""
    definition = json.loads((SHIPPED_DIR / "psfs.json").read_text(encoding="utf-8"))
    definition["questionnaire"]["version"] = "2"
    definition["questionnaire"]["id"] = "psfs-2"
    definition["scores"][0]["min_answered"] = 1
    load_instrument_data(definition)
    wording = json.loads((SHIPPED_DIR / "psfs.en.json").read_text(encoding="utf-8"))
    load_instrument_data(wording | {"version": "2"})


@pytest.fixture
def two_versions():
    """psfs version 2 loaded, and both versions known to this process (the first POST of a
    process for an instrument version reads its changes after the write instead)."""
    _second_psfs_version()
    with time_machine.travel(NOW, tick=False):
        for version in ("1", "2"):
            other = EpisodeFactory(symptom_onset_date=FIRST - dt.timedelta(days=30))
            body = psfs_body([1, 2, 3], completed_at=NOW) | {"instrument_version": version}
            questionnaire_response_post(patient=other.patient, data=body)


RATINGS = [[4, 5, 6], [7], [2, 9, 9]]  # [7]: unscored in version 1 (three ratings needed)
posts = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=3),  # day (several on one day: ties)
        st.sampled_from([12, 12, 15]),  # hour (several at one instant: ties on the id)
        st.sampled_from(range(len(RATINGS))),
        st.sampled_from(["1", "2"]),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=posts)
def test_the_posted_changes_equal_those_over_every_score(two_versions, sent):
    """Each response in turn (in the order sent, so some are sent late): its answer's
    changes against those over every score of the episode at that moment."""
    episode = EpisodeFactory(symptom_onset_date=FIRST - dt.timedelta(days=30))
    for day, hour, ratings, version in sent:
        completed = dt.datetime.combine(FIRST + dt.timedelta(days=day), dt.time(hour), dt.UTC)
        body = psfs_body(RATINGS[ratings], completed_at=completed)
        with time_machine.travel(NOW, tick=False):
            submitted = questionnaire_response_post(
                patient=episode.patient, data=body | {"instrument_version": version}
            )
        assert submitted.result.status == "created", submitted.result.errors
        assert submitted.changes is not None  # read before the write, not after
        response = QuestionnaireResponse.objects.get(pk=submitted.result.id)
        expected = changes_for_responses([response])
        assert submitted.changes == {s.id: expected[s.id] for s in response.scores.all()}, sent
