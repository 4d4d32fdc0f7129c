""" "The current episode" has one definition (apps.episodes.selectors): the active one, else
the latest by onset, then by creation. Its forms — one patient's, the subquery the dashboard
sorts by, the one-object subquery a dashboard row reads, the bulk read of a page, the pick among
loaded episodes — agree on every case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import OuterRef

from apps.accounts.models import Patient
from apps.episodes.models import Episode
from apps.episodes.selectors import (
    active_episode_for,
    active_episodes,
    current_episode_for,
    current_episode_of_values,
    current_episode_subquery,
    current_episode_values_subquery,
    current_episodes_by_patient,
    current_of,
    episodes_of_patient,
)
from tests.accounts.factories import PatientFactory
from tests.episodes.factories import EpisodeFactory

pytestmark = pytest.mark.django_db

D = dt.date(2026, 6, 1)
T = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def resolved(onset_days: int, *, created_minutes: int = 0) -> dict:
    onset = D + dt.timedelta(days=onset_days)
    return {
        "status": "resolved",
        "symptom_onset_date": onset,
        "resolved_on": onset + dt.timedelta(days=30),
        "created_at": T + dt.timedelta(minutes=created_minutes),
    }


def active(onset_days: int) -> dict:
    return {"status": "active", "symptom_onset_date": D + dt.timedelta(days=onset_days)}


# Each case: the episodes of one patient, and the index of the current one (None: none).
CASES = {
    "no episode": ([], None),
    "one active": ([active(0)], 0),
    "one resolved": ([resolved(0)], 0),
    "active beats a later resolved one": ([active(0), resolved(100)], 0),
    "latest onset among resolved": ([resolved(0), resolved(50), resolved(20)], 1),
    "same onset: latest created": (
        [resolved(0, created_minutes=5), resolved(0, created_minutes=9)],
        1,
    ),
}


def _store(episodes: list[dict]) -> tuple[Patient, list[Episode]]:
    patient = PatientFactory()
    stored = []
    for fields in episodes:
        created_at = fields.pop("created_at", None)
        episode = EpisodeFactory(patient=patient, **fields)
        if created_at is not None:
            Episode.objects.filter(pk=episode.pk).update(created_at=created_at)
            episode.refresh_from_db()
        stored.append(episode)
    return patient, stored


@pytest.mark.parametrize("name", list(CASES))
def test_every_form_of_the_current_episode_agrees(name):
    episodes, index = CASES[name]
    patient, stored = _store([dict(fields) for fields in episodes])
    PatientFactory()  # another patient, with no episode, never interferes
    expected = None if index is None else stored[index].pk

    one = current_episode_for(patient)
    annotated = (
        Patient.objects.filter(pk=patient.pk)
        .annotate(current=current_episode_subquery("id"))
        .values_list("current", flat=True)
        .get()
    )
    by_patient = current_episodes_by_patient([patient.pk], "resolved_on", "affected_side")
    picked = current_of(list(episodes_of_patient(patient)))
    carried = current_episode_of_values(
        Patient.objects.filter(pk=patient.pk)
        .annotate(current=current_episode_values_subquery())
        .values_list("current", flat=True)
        .get()
    )

    assert (one.pk if one else None) == expected
    if one is None:
        assert carried is None
    else:
        # The carried fields come back as the bulk read gives them: typed, not JSON text.
        assert carried == {
            name: by_patient[patient.pk][name]
            for name in ("id", "status", "affected_side", "symptom_onset_date", "resolved_on")
        }
    assert annotated == expected
    assert (by_patient[patient.pk]["id"] if patient.pk in by_patient else None) == expected
    assert (picked.pk if picked else None) == expected


def test_the_subquery_follows_an_outer_patient_reference():
    patient, (episode,) = _store([active(0)])
    episode_row = (
        Episode.objects.filter(pk=episode.pk)
        .annotate(current=current_episode_subquery("id", patient=OuterRef("patient_id")))
        .values_list("current", flat=True)
        .get()
    )
    assert episode_row == episode.pk


def test_the_active_episode_is_the_one_records_attach_to():
    patient, (old, new) = _store([resolved(0), active(40)])
    assert active_episode_for(patient) == new
    assert list(active_episodes().filter(patient=patient)) == [new]
    only_resolved, _ = _store([resolved(0)])
    assert active_episode_for(only_resolved) is None
    assert current_episode_for(only_resolved) is not None
