"""The instrument catalogue cached per process (apps/outcomes/catalogue.py): used while the
database's catalogue token is the one it was read under, and never after: a change made by
another process (here: a write that runs no code of this process, then the token bump that
every loader transaction makes) is seen by the very next request; a change rolled back
leaves nothing stale; without the token row nothing is cached."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.outcomes import catalogue
from apps.outcomes.loader import SHIPPED_DIR, load_instrument_data
from apps.outcomes.models import CatalogueVersion, Instrument, Wording
from tests.episodes.factories import EpisodeFactory
from tests.outcomes.helpers import psfs_body

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
URL = "/api/v1/questionnaire-responses/"
CATALOGUE_TABLES = ('"outcomes_instrument"', '"outcomes_scoredefinition"', '"outcomes_wording"')


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode(patient):
    return EpisodeFactory(patient=patient, symptom_onset_date=NOW.date() - dt.timedelta(30))


def german_psfs() -> dict:
    wording = json.loads((SHIPPED_DIR / "psfs.en.json").read_text(encoding="utf-8"))
    return copy.deepcopy(wording) | {"language": "de"}


def post(client, *, language: str = "en"):
    body = psfs_body([4, 5, 6], completed_at=NOW) | {"language": language}
    return client.post(URL, body, format="json")


def catalogue_reads(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and any(f"FROM {t}" in q["sql"] for t in CATALOGUE_TABLES)
    ]


def test_a_warm_post_reads_no_instrument(patient_client, episode):
    assert post(patient_client).status_code == 201  # the cache filled
    with CaptureQueriesContext(connection) as queries:
        assert post(patient_client).status_code == 201
    assert catalogue_reads(queries) == []


def test_a_wording_loaded_elsewhere_is_seen_once_the_database_token_changes(
    patient_client, episode
):
    """The wording is written with no code of this process running (a bulk insert sends no
    signals): the cache still answers without it, because only the database's token says it
    changed; the bump that the loader's transaction makes is then seen by the next request."""
    assert post(patient_client).status_code == 201
    assert post(patient_client, language="de").status_code == 400
    psfs = Instrument.objects.get(code="psfs", version="1")
    Wording.objects.bulk_create([Wording(instrument=psfs, language="de", title="PSFS", texts={})])

    assert post(patient_client, language="de").status_code == 400  # the cache, still valid
    CatalogueVersion.objects.filter(id=1).update(token=uuid.uuid4())  # no signal either
    answered = post(patient_client, language="de")

    assert answered.status_code == 201, answered.json()
    assert answered.json()["language"] == "de"


def test_a_wording_load_is_seen_by_the_next_request(patient_client, episode):
    assert post(patient_client, language="de").status_code == 400
    load_instrument_data(german_psfs())
    assert post(patient_client, language="de").status_code == 201


def test_a_catalogue_change_rolled_back_leaves_nothing_stale(patient_client, episode):
    """A test (or a failed load) loads a wording in a transaction that rolls back: its
    token goes with it, and a cache filled under that token is never used again."""
    assert post(patient_client).status_code == 201

    def load_and_answer_then_fail():
        with transaction.atomic():
            load_instrument_data(german_psfs())
            assert post(patient_client, language="de").status_code == 201  # cached with "de"
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        load_and_answer_then_fail()

    assert not Wording.objects.filter(language="de").exists()
    assert post(patient_client, language="de").status_code == 400


def test_every_orm_save_or_delete_of_a_catalogue_row_changes_the_token(patient_client, episode):
    tokens = [catalogue.catalogue_token()]
    psfs = Instrument.objects.get(code="psfs", version="1")
    wording = Wording.objects.create(instrument=psfs, language="de", title="PSFS", texts={})
    tokens.append(catalogue.catalogue_token())
    definition = psfs.scores.get()
    definition.mcid = 2.5
    definition.save()
    tokens.append(catalogue.catalogue_token())
    wording.delete()
    tokens.append(catalogue.catalogue_token())

    assert None not in tokens
    assert len(set(tokens)) == 4
    assert post(patient_client).json()["scores"][0]["mcid"] == 2.5


def test_without_the_token_row_nothing_is_cached(patient_client, episode):
    CatalogueVersion.objects.all().delete()  # a flushed database
    assert post(patient_client).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        assert post(patient_client).status_code == 201
    assert catalogue_reads(queries)  # read every time
    assert post(patient_client, language="de").status_code == 400
    load_instrument_data(german_psfs())  # its transaction writes the row again
    assert CatalogueVersion.objects.get().token is not None
    assert post(patient_client, language="de").status_code == 201
