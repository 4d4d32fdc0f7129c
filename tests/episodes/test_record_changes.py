"""The record-change outbox, write side: every service that writes an episode's record writes
its change row in the same transaction (none for a refused write), the claim never hands a
row to two claimers, a lease or a failure makes a row claimable again, and apps.episodes
imports no higher app.

The writers table is checked against the models: every concrete model of any installed app
that reaches Episode through its foreign keys must name the writer cases that exercise it
here, or be listed as not patient-entered data with a reason. A new model (a questionnaire
response, an assessment) fails the first test until its writer has a case below."""

from __future__ import annotations

import ast
import datetime as dt
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection, transaction
from rest_framework.test import APIClient

from apps.episodes.models import Episode, RecordChange
from apps.episodes.record_changes import (
    record_change_config,
    record_changes_claim,
    record_changes_failed,
    record_changes_processed,
    record_changes_prune,
)
from apps.episodes.selectors import latest_processed_record_change, oldest_pending_record_change
from apps.episodes.services import episode_record_changed
from tests.accounts.factories import PatientFactory
from tests.checkins.factories import CheckInFactory, checkin_payload
from tests.episodes.conftest import NOW, TODAY
from tests.episodes.factories import EpisodeFactory
from tests.exercises.factories import ExerciseFactory, PlanItemFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LEASE = dt.timedelta(minutes=3)


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


# --- Which models hold an episode's record, and who writes them -----------------------------------

#: Models that reach Episode but are not data anyone enters: what the flag engine derives, and
#: the outbox itself. Each needs its reason.
NOT_RECORD_DATA = {
    "episodes.RecordChange": "the outbox itself",
    "flags.Flag": "derived by the flag engine from the record",
    "flags.Evaluation": "derived by the flag engine from the record",
    "outcomes.QuestionnaireSchedule": "the care team's plan of what is due, not the record",
}

#: Each model of an episode's record -> the writer cases below that write it.
WRITERS = {
    "episodes.Episode": ["episode_create", "episode_patch"],
    "checkins.CheckIn": ["checkin_post", "checkin_sync", "checkin_patch"],
    "exercises.ExercisePlan": ["plan_create"],
    "exercises.PlanItem": ["plan_create"],
    "exercises.ExerciseSession": ["session_post", "session_sync"],
    "outcomes.QuestionnaireResponse": ["questionnaire_post", "questionnaire_sync"],
    "outcomes.Answer": ["questionnaire_post", "questionnaire_sync"],
    "outcomes.Score": ["questionnaire_post", "questionnaire_sync"],
    "assessments.Assessment": ["assessment_post"],
    "treatments.Treatment": ["treatment_post", "treatment_patch"],
    "treatments.ImagingStudy": ["imaging_post"],
}


def _reaches_episode(model, seen=()) -> bool:
    if model is Episode:
        return True
    for field in model._meta.get_fields():
        if not (field.is_relation and field.concrete and (field.many_to_one or field.one_to_one)):
            continue
        target = field.related_model
        if target is not None and target not in seen and _reaches_episode(target, (*seen, model)):
            return True
    return False


def _episode_record_models() -> set[str]:
    return {
        model._meta.label
        for model in apps.get_models()
        if not model._meta.proxy and _reaches_episode(model)
    }


def test_every_model_of_an_episodes_record_has_a_writer_case():
    found = _episode_record_models()

    assert found - set(NOT_RECORD_DATA) == set(WRITERS), (
        "a model reaching Episode needs its writers in WRITERS (and cases below) or a reason "
        "in NOT_RECORD_DATA"
    )
    assert set(NOT_RECORD_DATA) <= found  # no stale exclusions
    assert {case for cases in WRITERS.values() for case in cases} == set(CASES)


# --- The writer cases -----------------------------------------------------------------------------


@dataclass
class World:
    patient_client: APIClient
    physio_client: APIClient
    patient: object
    other_patient: object
    episode: Episode
    plan_item: object
    checkin: object


@pytest.fixture
def world(patient, patient_client, physio_client, care_team):
    episode = EpisodeFactory(patient=patient, symptom_onset_date=days_ago(60))
    return World(
        patient_client=patient_client,
        physio_client=physio_client,
        patient=patient,
        other_patient=PatientFactory(care_team=care_team),
        episode=episode,
        plan_item=PlanItemFactory(plan__episode=episode, plan__starts_on=days_ago(40)),
        checkin=CheckInFactory(episode=episode, date=days_ago(2)),
    )


def session_body(world: World, day: dt.date, **overrides) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "date": day.isoformat(),
        "plan_item": str(world.plan_item.id),
        "sets_done": 2,
        "recorded_at": NOW.isoformat(),
        **overrides,
    }


def plan_body(starts_on: dt.date) -> dict:
    exercise = ExerciseFactory()
    return {
        "starts_on": starts_on.isoformat(),
        "items": [{"exercise": str(exercise.id), "sets": 2, "reps": 10, "days_per_week": 3}],
    }


EPISODE_BODY = {
    "affected_side": "left",
    "symptom_onset_date": days_ago(20).isoformat(),
    "pregnancy_associated": False,
}


@dataclass
class Case:
    """``accept(world)`` makes one accepted write and returns (episode, expected from_date);
    ``refuse(world)`` makes a refused one and returns its HTTP status (or item status),
    which must be ``refused_as``."""

    accept: Callable
    refuse: Callable
    refused_as: int | str = 400


def _post(client, url, body):
    return client.post(url, body, format="json")


def _checkin_post(w):
    assert (
        _post(w.patient_client, "/api/v1/checkins/", checkin_payload(days_ago(5))).status_code
        == 201
    )
    return w.episode, days_ago(5)


def _checkin_sync(w):
    body = {"checkins": [checkin_payload(days_ago(1)), checkin_payload(days_ago(3))]}
    response = _post(w.patient_client, "/api/v1/sync/", {**body, "exercise_sessions": []})
    assert [item["status"] for item in response.json()["checkins"]] == ["created", "created"]
    return w.episode, days_ago(3)


def _checkin_patch(w):
    response = w.patient_client.patch(
        f"/api/v1/checkins/{w.checkin.id}/", {"pain_now": 6}, format="json"
    )
    assert response.status_code == 200, response.content
    return w.episode, days_ago(2)


def _session_post(w):
    response = _post(w.patient_client, "/api/v1/exercise-sessions/", session_body(w, days_ago(4)))
    assert response.status_code == 201, response.content
    return w.episode, days_ago(4)


def _session_sync(w):
    items = [session_body(w, days_ago(1)), session_body(w, days_ago(6))]
    response = _post(
        w.patient_client, "/api/v1/sync/", {"checkins": [], "exercise_sessions": items}
    )
    assert [item["status"] for item in response.json()["exercise_sessions"]] == ["created"] * 2
    return w.episode, days_ago(6)


def questionnaire_body(completed: dt.date, **overrides) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "instrument": "pgic",
        "instrument_version": "1",
        "language": "en",
        "answers": [{"item": "change", "value": "much_improved"}],
        "completed_at": dt.datetime.combine(completed, dt.time(12), dt.UTC).isoformat(),
        **overrides,
    }


def _questionnaire_post(w):
    body = questionnaire_body(days_ago(3))
    response = _post(w.patient_client, "/api/v1/questionnaire-responses/", body)
    assert response.status_code == 201, response.content
    return w.episode, days_ago(3)


def _questionnaire_sync(w):
    items = [questionnaire_body(days_ago(1)), questionnaire_body(days_ago(8))]
    response = _post(w.patient_client, "/api/v1/sync/", {"questionnaire_responses": items})
    assert [i["status"] for i in response.json()["questionnaire_responses"]] == ["created"] * 2
    return w.episode, days_ago(8)


def _plan_create(w):
    response = _post(
        w.physio_client, f"/api/v1/episodes/{w.episode.id}/plans/", plan_body(days_ago(7))
    )
    assert response.status_code == 201, response.content
    return w.episode, days_ago(7)


def _episode_create(w):
    url = f"/api/v1/patients/{w.other_patient.id}/episodes/"
    response = _post(w.physio_client, url, EPISODE_BODY)
    assert response.status_code == 201, response.content
    return Episode.objects.get(pk=response.json()["id"]), None


def _episode_patch(w):
    response = w.physio_client.patch(
        f"/api/v1/episodes/{w.episode.id}/", {"affected_side": "both"}, format="json"
    )
    assert response.status_code == 200, response.content
    return w.episode, None


def _course_url(w, what: str) -> str:
    return f"/api/v1/episodes/{w.episode.id}/{what}/"


def _assessment_body(day: dt.date, **overrides) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "date": day.isoformat(),
        "test": "timed_up_and_go",
        "value": 11.5,
        **overrides,
    }


def _assessment_post(w):
    response = _post(w.physio_client, _course_url(w, "assessments"), _assessment_body(days_ago(8)))
    assert response.status_code == 201, response.content
    return w.episode, days_ago(8)


def _treatment_body(starts_on: dt.date, **overrides) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "kind": "protected_weight_bearing",
        "starts_on": starts_on.isoformat(),
        "detail": {"level": "toe_touch"},
        **overrides,
    }


def _treatment_post(w):
    response = _post(w.physio_client, _course_url(w, "treatments"), _treatment_body(days_ago(9)))
    assert response.status_code == 201, response.content
    return w.episode, days_ago(9)


def _stored_treatment(w):
    from tests.course.factories import TreatmentFactory

    return TreatmentFactory(episode=w.episode, starts_on=days_ago(20))


def _treatment_patch(w):
    treatment = _stored_treatment(w)
    response = w.physio_client.patch(
        f"{_course_url(w, 'treatments')}{treatment.id}/",
        {"ends_on": days_ago(10).isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.content
    return w.episode, days_ago(10)


def _imaging_body(day: dt.date, **overrides) -> dict:
    return {"client_id": str(uuid.uuid4()), "date": day.isoformat(), "modality": "mri", **overrides}


def _imaging_post(w):
    response = _post(w.physio_client, _course_url(w, "imaging"), _imaging_body(days_ago(11)))
    assert response.status_code == 201, response.content
    return w.episode, days_ago(11)


CASES = {
    "assessment_post": Case(
        accept=_assessment_post,
        refuse=lambda w: (
            _post(
                w.physio_client, _course_url(w, "assessments"), _assessment_body(TODAY, side="left")
            ).status_code
        ),
    ),
    "treatment_post": Case(
        accept=_treatment_post,
        refuse=lambda w: (
            _post(
                w.physio_client, _course_url(w, "treatments"), _treatment_body(TODAY, detail={})
            ).status_code
        ),
    ),
    "treatment_patch": Case(
        accept=_treatment_patch,
        refuse=lambda w: (
            w.physio_client.patch(
                f"{_course_url(w, 'treatments')}{_stored_treatment(w).id}/",
                {"ends_on": days_ago(30).isoformat()},
                format="json",
            ).status_code
        ),
    ),
    "imaging_post": Case(
        accept=_imaging_post,
        refuse=lambda w: (
            _post(
                w.physio_client, _course_url(w, "imaging"), _imaging_body(TODAY, modality="pet")
            ).status_code
        ),
    ),
    "checkin_post": Case(
        accept=_checkin_post,
        refuse=lambda w: (
            _post(
                w.patient_client, "/api/v1/checkins/", checkin_payload(TODAY, pain_now=11)
            ).status_code
        ),
    ),
    "checkin_sync": Case(
        accept=_checkin_sync,
        refuse=lambda w: _post(
            w.patient_client,
            "/api/v1/sync/",
            {"checkins": [checkin_payload(days_ago(40))], "exercise_sessions": []},
        ).json()["checkins"][0]["status"],
        refused_as="invalid",
    ),
    "checkin_patch": Case(
        accept=_checkin_patch,
        refuse=lambda w: (
            w.patient_client.patch(
                f"/api/v1/checkins/{w.checkin.id}/", {"pain_now": 11}, format="json"
            ).status_code
        ),
    ),
    "session_post": Case(
        accept=_session_post,
        refuse=lambda w: (
            _post(
                w.patient_client,
                "/api/v1/exercise-sessions/",
                session_body(w, TODAY, plan_item=str(uuid.uuid4())),
            ).status_code
        ),
    ),
    "session_sync": Case(
        accept=_session_sync,
        refuse=lambda w: _post(
            w.patient_client,
            "/api/v1/sync/",
            {"checkins": [], "exercise_sessions": [session_body(w, TODAY + dt.timedelta(days=1))]},
        ).json()["exercise_sessions"][0]["status"],
        refused_as="invalid",
    ),
    "questionnaire_post": Case(
        accept=_questionnaire_post,
        refuse=lambda w: (
            _post(
                w.patient_client,
                "/api/v1/questionnaire-responses/",
                questionnaire_body(TODAY, answers=[{"item": "change", "value": "nope"}]),
            ).status_code
        ),
    ),
    "questionnaire_sync": Case(
        accept=_questionnaire_sync,
        refuse=lambda w: _post(
            w.patient_client,
            "/api/v1/sync/",
            {"questionnaire_responses": [questionnaire_body(TODAY, language="xx")]},
        ).json()["questionnaire_responses"][0]["status"],
        refused_as="invalid",
    ),
    "plan_create": Case(
        accept=_plan_create,
        refuse=lambda w: (
            _post(
                w.physio_client, f"/api/v1/episodes/{w.episode.id}/plans/", plan_body(days_ago(61))
            ).status_code
        ),
    ),
    "episode_create": Case(
        accept=_episode_create,
        # The patient already has an active episode: 409.
        refuse=lambda w: (
            _post(
                w.physio_client, f"/api/v1/patients/{w.patient.id}/episodes/", EPISODE_BODY
            ).status_code
        ),
        refused_as=409,
    ),
    "episode_patch": Case(
        accept=_episode_patch,
        refuse=lambda w: (
            w.physio_client.patch(
                f"/api/v1/episodes/{w.episode.id}/",
                {"symptom_onset_date": (TODAY + dt.timedelta(days=1)).isoformat()},
                format="json",
            ).status_code
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_refused_write_stores_no_change_row_and_an_accepted_one_stores_its_own(world, name):
    case = CASES[name]

    refused = case.refuse(world)

    assert refused == case.refused_as
    assert not RecordChange.objects.exists()

    episode, from_date = case.accept(world)

    change = RecordChange.objects.get()  # one row per write, whatever its number of dates
    assert (change.episode_id, change.from_date) == (episode.pk, from_date)
    assert change.processed_at is None
    assert change.attempts == 0


def test_the_change_row_is_rolled_back_with_its_write(world):
    def write_then_fail() -> None:
        with transaction.atomic():
            episode_record_changed(episode=world.episode, changed_dates=[days_ago(3)])
            raise RuntimeError("the writer fails after the hook")

    with pytest.raises(RuntimeError):
        write_then_fail()

    assert not RecordChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_single_check_in_and_its_change_row_commit_together(patient, patient_client):
    episode = EpisodeFactory(patient=patient, symptom_onset_date=days_ago(60))
    body = checkin_payload(days_ago(5))

    first = patient_client.post("/api/v1/checkins/", body, format="json")
    again = patient_client.post("/api/v1/checkins/", body, format="json")  # a retry: 200

    assert (first.status_code, again.status_code) == (201, 200)
    [change] = RecordChange.objects.filter(episode=episode)
    assert change.from_date == days_ago(5)
    # Committed, so the kick after commit (eager in tests) has already processed it.
    assert change.processed_at is not None


# --- apps.episodes imports no higher app ----------------------------------------------------------

HIGHER = ("apps.flags", "apps.notifications", "apps.reminders", "apps.dashboard", "apps.privacy")


def test_apps_episodes_imports_no_higher_app_not_even_inside_a_function():
    imported = []
    for path in sorted((ROOT / "apps" / "episodes").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.append((path.name, node.module))
            elif isinstance(node, ast.Import):
                imported += [(path.name, alias.name) for alias in node.names]

    assert [(f, m) for f, m in imported if m.startswith(HIGHER)] == []
    assert ("services.py", "apps.episodes.record_changes") in imported  # the walk saw imports


# --- The claim ------------------------------------------------------------------------------------


def _changes(n: int, *, episode=None) -> list[RecordChange]:
    episode = episode or EpisodeFactory()
    return [RecordChange.objects.create(episode=episode, from_date=days_ago(i)) for i in range(n)]


def test_a_claim_takes_due_rows_oldest_first_and_counts_an_attempt():
    rows = _changes(3)

    claim = record_changes_claim(limit=2, lease=LEASE, now=NOW)

    assert [row.id for row in claim.rows] == [rows[0].id, rows[1].id]
    assert {row.attempts for row in claim.rows} == {1}
    stored = RecordChange.objects.get(pk=rows[0].id)
    assert (stored.claim_token, stored.claimed_at, stored.available_at) == (
        claim.token,
        NOW,
        NOW + LEASE,
    )


def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out():
    [row] = _changes(1)
    first = record_changes_claim(limit=10, lease=LEASE, now=NOW)

    during = record_changes_claim(limit=10, lease=LEASE, now=NOW + LEASE - dt.timedelta(seconds=1))
    after = record_changes_claim(limit=10, lease=LEASE, now=NOW + LEASE)

    assert [r.id for r in first.rows] == [row.id]
    assert during.rows == []
    assert [(r.id, r.attempts) for r in after.rows] == [(row.id, 2)]  # the worker had died
    assert RecordChange.objects.get().claim_token == after.token


def test_processed_rows_are_never_claimed_again():
    rows = _changes(2)
    claim = record_changes_claim(limit=10, lease=LEASE, now=NOW)

    assert record_changes_processed(ids=[rows[0].id], now=NOW) == 1

    later = record_changes_claim(limit=10, lease=LEASE, now=NOW + 2 * LEASE)
    assert [r.id for r in later.rows] == [rows[1].id]
    assert RecordChange.objects.get(pk=rows[0].id).processed_at == NOW
    assert claim.token != later.token


def test_a_failed_row_is_retried_after_a_growing_backoff_and_never_dropped(caplog):
    [row] = _changes(1)
    config = record_change_config()
    now = NOW
    waits = []
    for attempt in range(1, 6):
        claim = record_changes_claim(limit=10, lease=LEASE, now=now)
        assert [(r.id, r.attempts) for r in claim.rows] == [(row.id, attempt)]
        with caplog.at_level("WARNING", logger="apps.episodes.record_changes"):
            record_changes_failed(
                claim=claim, rows=claim.rows, error=ConnectionError("secret"), now=now
            )
        stored = RecordChange.objects.get()
        assert (stored.last_error, stored.claim_token, stored.processed_at) == (
            "ConnectionError",
            None,
            None,
        )
        waits.append(stored.available_at - now)
        assert (
            record_changes_claim(
                limit=10, lease=LEASE, now=stored.available_at - dt.timedelta(seconds=1)
            ).rows
            == []
        )
        now = stored.available_at

    assert waits == [config.backoff(n) for n in range(1, 6)]
    assert waits == sorted(waits)
    assert waits[0] < waits[-1]
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 5 - config.error_after_attempts + 1
    assert all(str(row.id) in r.getMessage() for r in errors)
    assert not any("secret" in r.getMessage() for r in caplog.records)  # the class name only


def test_a_failure_reported_after_another_claimer_took_the_row_leaves_it_to_that_claimer():
    [row] = _changes(1)
    stale = record_changes_claim(limit=10, lease=LEASE, now=NOW)
    fresh = record_changes_claim(limit=10, lease=LEASE, now=NOW + LEASE)

    record_changes_failed(claim=stale, rows=stale.rows, error=ValueError(), now=NOW + LEASE)

    stored = RecordChange.objects.get(pk=row.id)
    assert (stored.claim_token, stored.available_at) == (fresh.token, NOW + 2 * LEASE)


def test_backlog_and_liveness_probes_read_the_oldest_pending_and_the_latest_processed():
    assert oldest_pending_record_change() is None
    assert latest_processed_record_change() is None
    episode = EpisodeFactory()
    older = RecordChange.objects.create(episode=episode, created_at=NOW - dt.timedelta(hours=2))
    RecordChange.objects.create(episode=episode, created_at=NOW - dt.timedelta(hours=1))
    done = RecordChange.objects.create(episode=episode, created_at=NOW - dt.timedelta(hours=3))
    record_changes_processed(ids=[done.id], now=NOW - dt.timedelta(minutes=5))

    assert oldest_pending_record_change() == older.created_at
    assert latest_processed_record_change() == NOW - dt.timedelta(minutes=5)


def test_old_processed_rows_are_pruned_and_pending_ones_kept():
    rows = _changes(3)
    keep = record_change_config().keep_processed
    record_changes_processed(ids=[rows[0].id], now=NOW - keep - dt.timedelta(seconds=1))
    record_changes_processed(ids=[rows[1].id], now=NOW - keep + dt.timedelta(seconds=1))

    assert record_changes_prune(now=NOW) == 1
    assert set(RecordChange.objects.values_list("id", flat=True)) == {rows[1].id, rows[2].id}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claimers_process_every_row_exactly_once():
    """Two workers claiming at once, in small batches, until nothing is due: every row is
    claimed by exactly one of them (none twice, none skipped)."""
    episodes = [EpisodeFactory() for _ in range(4)]
    rows = [
        RecordChange.objects.create(episode=episodes[i % 4], from_date=days_ago(i % 9))
        for i in range(120)
    ]
    barrier = threading.Barrier(2)
    claimed: list[list[int]] = [[], []]
    errors: list[BaseException] = []

    def claimer(mine: list[int]) -> None:
        try:
            barrier.wait(timeout=10)
            while True:
                claim = record_changes_claim(limit=7, lease=LEASE)
                if not claim.rows:
                    break
                mine.extend(row.id for row in claim.rows)
                record_changes_processed(ids=[row.id for row in claim.rows])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer, args=(mine,)) for mine in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert not set(claimed[0]) & set(claimed[1])
    assert sorted(claimed[0] + claimed[1]) == sorted(row.id for row in rows)
    assert all(claimed)  # both claimers took part
    assert not RecordChange.objects.filter(processed_at__isnull=True).exists()
    assert set(RecordChange.objects.values_list("attempts", flat=True)) == {1}
