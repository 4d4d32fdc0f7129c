"""Property: the open flags depend on the check-ins, not on the order or batching in which
they arrive, and evaluating twice equals evaluating once (through the real services)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.flags.models import Flag
from apps.flags.services import episode_evaluate
from apps.intake.services import checkin_submit, checkins_submit_many
from tests.accounts.factories import PatientFactory
from tests.checkins.factories import checkin_payload
from tests.episodes.factories import EpisodeFactory
from tests.flags.conftest import TODAY

pytestmark = pytest.mark.django_db

checkin_values = st.fixed_dictionaries(
    {
        "pain_now": st.sampled_from([1, 2, 4, 6]),
        "pain_worst_24h": st.sampled_from([2, 3, 8, 9, 10]),
        "pain_weight_bearing": st.sampled_from([2, 5, 8]),
        "morning_stiffness_minutes": st.sampled_from([10, 30, 31, 60]),
        "sleep_disturbed": st.booleans(),
        "daily_activities_affected": st.booleans(),
        "weight_bearing": st.sampled_from(["full", "partial", "none"]),
        "night_or_rest_pain": st.booleans(),
        "walking_aid": st.sampled_from(["none", "cane", "crutches", "walker"]),
        "painful_sides": st.sampled_from([["left"], ["left", "right"], []]),
        "red_flags": st.sampled_from(
            [[], [], [], ["fall_or_injury"], ["numbness_or_tingling"], ["fever_or_unwell"]]
        ),
    }
)

history = st.dictionaries(
    keys=st.integers(min_value=0, max_value=20), values=checkin_values, min_size=1, max_size=12
)


def _payloads(days: dict[int, dict]) -> list[dict]:
    return [
        checkin_payload(TODAY - dt.timedelta(days=offset), **values)
        for offset, values in sorted(days.items(), reverse=True)  # oldest first
    ]


def _state(episode) -> list[tuple]:
    return sorted(
        Flag.objects.filter(episode=episode)
        .exclude(resolution="withdrawn")
        .values_list("rule", "severity", "status", "opened_for_date", "held_dates", "evidence")
    )


def _fresh_episode():
    patient = PatientFactory()
    return EpisodeFactory(patient=patient, symptom_onset_date=TODAY - dt.timedelta(days=60))


def _submit_in_order(episode, payloads, run_on_commit):
    for payload in payloads:
        with run_on_commit(execute=True):
            result = checkin_submit(patient=episode.patient, data=payload)
        assert result.status == "created"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(days=history, data=st.data())
def test_any_order_or_batching_ends_with_the_open_flags_of_date_order(
    days, data, clock, django_capture_on_commit_callbacks
):
    payloads = _payloads(days)
    in_order = _fresh_episode()
    _submit_in_order(in_order, payloads, django_capture_on_commit_callbacks)

    shuffled = data.draw(st.permutations(payloads), label="order")
    cuts = sorted(
        data.draw(
            st.sets(st.integers(min_value=1, max_value=max(len(payloads) - 1, 1))),
            label="batch cuts",
        )
    )
    other = _fresh_episode()
    start = 0
    for end in [*cuts, len(shuffled)]:
        batch = shuffled[start:end]
        start = end
        if not batch:
            continue
        with django_capture_on_commit_callbacks(execute=True):
            if len(batch) == 1:
                checkin_submit(patient=other.patient, data=batch[0])
            else:
                checkins_submit_many(patient=other.patient, items=batch)

    assert [row[:3] for row in _state(other)] == [row[:3] for row in _state(in_order)]
    assert _state(other) == _state(in_order)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(days=history)
def test_evaluating_twice_equals_evaluating_once(days, clock, django_capture_on_commit_callbacks):
    episode = _fresh_episode()
    _submit_in_order(episode, _payloads(days), django_capture_on_commit_callbacks)
    once = _state(episode)

    episode_evaluate(
        episode_id=episode.pk, dates=[TODAY - dt.timedelta(days=n) for n in range(20, -1, -1)]
    )

    assert _state(episode) == once
