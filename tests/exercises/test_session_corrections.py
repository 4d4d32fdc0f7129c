"""Correcting and deleting sessions (`PATCH`/`DELETE exercise-sessions/{id}/`): the patient's
own, within 7 days of the session's date on their local calendar, each accepted change
re-evaluating the episode's flags."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from rest_framework.test import APIClient

from apps.core.sync import CORRECTION_WINDOW_DAYS as SHARED_WINDOW_DAYS
from apps.exercises import selectors, services
from apps.exercises.models import ExerciseSession
from tests.accounts.factories import PatientFactory
from tests.consent.factories import withdrawn
from tests.episodes.factories import EpisodeFactory
from tests.exercises.conftest import TODAY
from tests.exercises.factories import ExerciseSessionFactory, PlanItemFactory
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db


def url(session) -> str:
    return f"/api/v1/exercise-sessions/{session.pk}/"


@pytest.fixture
def plan_item(episode):
    return PlanItemFactory(plan__episode=episode, plan__starts_on=TODAY - dt.timedelta(days=40))


def session_on(plan_item, date: dt.date, **fields) -> ExerciseSession:
    return ExerciseSessionFactory(plan_item=plan_item, date=date, **fields)


def stored(session) -> dict:
    return ExerciseSession.objects.filter(pk=session.pk).values().get()


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_window_is_the_check_in_correction_window():
    assert services.CORRECTION_WINDOW_DAYS == SHARED_WINDOW_DAYS == 7


# --- PATCH ----------------------------------------------------------------------------------


def test_patient_corrects_sets_done_and_pain(patient_client, plan_item, recorded_changes):
    session = session_on(plan_item, TODAY - dt.timedelta(days=2), sets_done=2, pain_during=3)

    response = patient_client.patch(url(session), {"sets_done": 4, "pain_during": 6}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["id"], body["sets_done"], body["pain_during"]) == (str(session.pk), 4, 6)
    row = stored(session)
    assert (row["sets_done"], row["pain_during"]) == (4, 6)
    assert (row["client_id"], row["date"], row["plan_item_id"]) == (
        session.client_id,
        session.date,
        plan_item.pk,
    )
    assert recorded_changes == [(plan_item.plan.episode_id, [session.date])]


def test_pain_can_be_cleared_and_one_field_alone_corrected(
    patient_client, plan_item, recorded_changes
):
    session = session_on(plan_item, TODAY, sets_done=2, pain_during=3)

    cleared = patient_client.patch(url(session), {"pain_during": None}, format="json")
    sets = patient_client.patch(url(session), {"sets_done": 7}, format="json")

    assert cleared.status_code == sets.status_code == 200
    row = stored(session)
    assert (row["sets_done"], row["pain_during"]) == (7, None)
    assert len(recorded_changes) == 2


def test_the_same_values_again_store_and_re_evaluate_nothing(
    patient_client, plan_item, recorded_changes
):
    session = session_on(plan_item, TODAY, sets_done=2, pain_during=3)
    before = stored(session)

    response = patient_client.patch(
        url(session),
        {"sets_done": 2, "pain_during": 3, "client_id": str(session.client_id)},
        format="json",
    )

    assert response.status_code == 200
    assert stored(session) == before
    assert recorded_changes == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sets_done": 0}, "sets_done"),
        ({"sets_done": 51}, "sets_done"),
        ({"sets_done": "many"}, "sets_done"),
        ({"sets_done": None}, "sets_done"),
        ({"pain_during": -1}, "pain_during"),
        ({"pain_during": 11}, "pain_during"),
    ],
)
def test_values_are_validated_as_for_the_post(
    patient_client, plan_item, recorded_changes, body, field
):
    session = session_on(plan_item, TODAY)
    before = stored(session)

    response = patient_client.patch(url(session), body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert stored(session) == before
    assert recorded_changes == []


def test_identity_and_plan_item_cannot_change(patient_client, episode, plan_item, recorded_changes):
    session = session_on(plan_item, TODAY - dt.timedelta(days=1))
    other_item = PlanItemFactory(plan=plan_item.plan)
    before = stored(session)

    response = patient_client.patch(
        url(session),
        {
            "client_id": str(uuid.uuid4()),
            "date": TODAY.isoformat(),
            "plan_item": str(other_item.pk),
            "sets_done": 5,
        },
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"client_id", "date", "plan_item"}
    assert stored(session) == before
    assert recorded_changes == []


def test_a_body_that_is_not_an_object_is_a_400(patient_client, plan_item):
    session = session_on(plan_item, TODAY)

    response = patient_client.patch(url(session), [1, 2], format="json")

    assert response.status_code == 400
    assert "errors" in response.json()


# --- DELETE ---------------------------------------------------------------------------------


def test_patient_deletes_a_session_and_deleting_again_is_404(
    patient_client, plan_item, recorded_changes
):
    session = session_on(plan_item, TODAY - dt.timedelta(days=3))

    first = patient_client.delete(url(session))
    again = patient_client.delete(url(session))

    assert first.status_code == 204
    assert first.content == b""
    assert not ExerciseSession.objects.filter(pk=session.pk).exists()
    assert again.status_code == 404
    assert recorded_changes == [(plan_item.plan.episode_id, [session.date])]


def test_adherence_stops_counting_a_deleted_session(patient_client, episode, plan_item):
    day = TODAY - dt.timedelta(days=1)
    mistaken = session_on(plan_item, day)
    kept = session_on(plan_item, TODAY)

    def done() -> int:
        return selectors.adherence_for_range(
            episode=episode, date_from=day, date_to=TODAY
        ).sessions_done

    before = done()
    response = patient_client.delete(url(mistaken))

    assert response.status_code == 204
    assert (before, done()) == (2, 1)
    api = patient_client.get(
        f"/api/v1/episodes/{episode.pk}/adherence/",
        {"from": day.isoformat(), "to": TODAY.isoformat()},
    )
    assert api.json()["overall"]["sessions_done"] == 1
    assert ExerciseSession.objects.filter(pk=kept.pk).exists()


def test_a_failing_re_evaluation_hook_leaves_the_session_as_it_was(patient, plan_item, monkeypatch):
    """The hook runs inside the write's transaction: if it fails, nothing is changed."""
    session = session_on(plan_item, TODAY, sets_done=2)

    def broken(*, episode, changed_dates):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(services, "episode_record_changed", broken)
    with pytest.raises(RuntimeError):
        services.exercise_session_delete(session=session)
    with pytest.raises(RuntimeError):
        services.exercise_session_correct(session=session, data={"sets_done": 9})

    assert stored(session)["sets_done"] == 2


# --- The 7-day window on the patient's calendar ----------------------------------------------


@pytest.mark.parametrize(("days_back", "allowed"), [(0, True), (7, True), (8, False)])
def test_window_boundaries(patient_client, plan_item, recorded_changes, days_back, allowed):
    patched = session_on(plan_item, TODAY - dt.timedelta(days=days_back), sets_done=2)
    deleted = session_on(plan_item, TODAY - dt.timedelta(days=days_back))

    patch = patient_client.patch(url(patched), {"sets_done": 3}, format="json")
    delete = patient_client.delete(url(deleted))

    if allowed:
        assert (patch.status_code, delete.status_code) == (200, 204)
        return
    assert (patch.status_code, delete.status_code) == (400, 400)
    for response in (patch, delete):
        assert response.json()["code"] == "correction_window_closed"
        assert list(response.json()["errors"]) == ["date"]
    assert stored(patched)["sets_done"] == 2
    assert ExerciseSession.objects.filter(pk=deleted.pk).exists()
    assert recorded_changes == []


def _patient_in(zone: str, onset: dt.date):
    patient = PatientFactory(timezone=zone)
    episode = EpisodeFactory(patient=patient, symptom_onset_date=onset)
    item = PlanItemFactory(plan__episode=episode, plan__starts_on=onset)
    return patient, item


def test_the_window_follows_the_patient_local_date_not_utc():
    """At 12:00 UTC on 2026-11-25 it is already the 26th in Auckland (UTC+13): a session of
    the 18th is 8 days back there, 7 days back in London."""
    day = dt.date(2026, 11, 18)
    london, london_item = _patient_in("Europe/London", dt.date(2026, 9, 1))
    auckland, auckland_item = _patient_in("Pacific/Auckland", dt.date(2026, 9, 1))
    in_london = session_on(london_item, day)
    in_auckland = session_on(auckland_item, day)

    london_answer = client_of(london.user).delete(url(in_london))
    auckland_answer = client_of(auckland.user).delete(url(in_auckland))

    assert london_answer.status_code == 204
    assert auckland_answer.status_code == 400
    assert auckland_answer.json()["code"] == "correction_window_closed"


def test_the_window_closes_at_local_midnight_across_a_dst_change():
    """New York moved to daylight time on 2026-03-08. A session of 2026-03-07 can be
    corrected until 23:59 local on the 14th (03:59 UTC on the 15th, EDT), not 24 × 7 hours
    after some UTC midnight."""
    patient, item = _patient_in("America/New_York", dt.date(2026, 1, 5))
    session = session_on(item, dt.date(2026, 3, 7), sets_done=2)
    client = client_of(patient.user)

    with time_machine.travel(dt.datetime(2026, 3, 15, 3, 59, tzinfo=dt.UTC), tick=False):
        last_minute = client.patch(url(session), {"sets_done": 3}, format="json")
    with time_machine.travel(dt.datetime(2026, 3, 15, 4, 0, tzinfo=dt.UTC), tick=False):
        closed = client.patch(url(session), {"sets_done": 4}, format="json")

    assert last_minute.status_code == 200, last_minute.json()
    assert closed.status_code == 400
    assert closed.json()["code"] == "correction_window_closed"
    assert stored(session)["sets_done"] == 3


# --- Who may ----------------------------------------------------------------------------------


def test_another_patients_session_is_a_404_and_unchanged(plan_item, recorded_changes):
    session = session_on(plan_item, TODAY, sets_done=2)
    before = stored(session)
    other = client_of(PatientFactory(care_team=plan_item.plan.episode.patient.care_team).user)

    patch = other.patch(url(session), {"sets_done": 5}, format="json")
    delete = other.delete(url(session))
    unknown = other.delete(f"/api/v1/exercise-sessions/{uuid.uuid4()}/")

    assert (patch.status_code, delete.status_code, unknown.status_code) == (404, 404, 404)
    assert patch.json() == unknown.json()
    assert stored(session) == before
    assert recorded_changes == []


def test_staff_and_anonymous_cannot_correct_or_delete(physio, clinic_admin, plan_item):
    session = session_on(plan_item, TODAY, sets_done=2)
    before = stored(session)

    answers = [
        client.patch(url(session), {"sets_done": 5}, format="json").status_code
        for client in (client_of(physio), client_of(clinic_admin), APIClient())
    ] + [
        client.delete(url(session)).status_code
        for client in (client_of(physio), client_of(clinic_admin), APIClient())
    ]

    assert answers == [403, 403, 401, 403, 403, 401]
    assert stored(session) == before


def test_withdrawn_consent_refuses_a_correction_but_not_a_deletion(
    patient, patient_client, plan_item, recorded_changes
):
    """Correcting is collecting data (refused, as every write); deleting never is."""
    withdrawn(patient)
    corrected = session_on(plan_item, TODAY, sets_done=2)
    deleted = session_on(plan_item, TODAY)

    patch = patient_client.patch(url(corrected), {"sets_done": 5}, format="json")
    delete = patient_client.delete(url(deleted))

    assert patch.status_code == 403
    assert patch.json()["code"] == "consent_withdrawn"
    assert stored(corrected)["sets_done"] == 2
    assert delete.status_code == 204
    assert recorded_changes == [(plan_item.plan.episode_id, [TODAY])]


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_concurrent_deletes_of_one_session_delete_it_once(patient, episode, recorded_changes):
    """The row is locked: of four requests at once, one deletes (and re-evaluates), the
    others find nothing (404)."""
    from rest_framework.exceptions import NotFound

    item = PlanItemFactory(plan__episode=episode, plan__starts_on=TODAY - dt.timedelta(days=3))
    session = session_on(item, TODAY)

    def delete() -> str:
        try:
            services.exercise_session_delete(session=ExerciseSession.objects.get(pk=session.pk))
        except (NotFound, ExerciseSession.DoesNotExist):
            return "not found"
        return "deleted"

    outcomes = run_concurrently(delete)

    assert sorted(outcomes) == ["deleted", "not found", "not found", "not found"]
    assert not ExerciseSession.objects.filter(pk=session.pk).exists()
    assert recorded_changes == [(episode.pk, [TODAY])]
