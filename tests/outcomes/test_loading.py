"""`manage.py load_instrument`: a synthetic licensed-style instrument (made for the tests)
becomes available with its wording file; a malformed file fails naming the item and changes
nothing; a new version leaves stored responses and scores alone; rescore reports changes."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from apps.outcomes.loader import SHIPPED_DIR
from apps.outcomes.models import AnswerOption, Instrument, Item, Score, ScoreDefinition, Wording
from tests.episodes.factories import EpisodeFactory
from tests.outcomes.helpers import psfs_body

pytestmark = pytest.mark.django_db
FILES = Path(__file__).parent / "files"
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def load(*paths) -> str:
    out = io.StringIO()
    call_command("load_instrument", *[str(p) for p in paths], stdout=out)
    return out.getvalue()


def table_counts():
    return [m.objects.count() for m in (Instrument, Item, AnswerOption, ScoreDefinition, Wording)]


def test_a_licensed_style_instrument_becomes_available_with_its_wording(patient_client):
    load(FILES / "synthetic_licensed.json")
    listed = {i["code"]: i for i in patient_client.get("/api/v1/instruments/").json()["results"]}
    assert listed["synthetic"]["available"] is False
    output = load(FILES / "synthetic_licensed.en.json")
    assert "synthetic 1 wording en loaded" in output
    listed = {i["code"]: i for i in patient_client.get("/api/v1/instruments/").json()["results"]}
    assert (listed["synthetic"]["available"], listed["synthetic"]["languages"]) == (True, ["en"])
    assert ScoreDefinition.objects.get(code="synthetic_interval").lookup["3"] == 70
    assert "unchanged" in load(FILES / "synthetic_licensed.en.json")


def _malformed(tmp_path, mutate) -> Path:
    raw = json.loads((FILES / "synthetic_licensed.json").read_text())
    mutate(raw)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(raw))
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda r: r["questionnaire"]["item"][1]["answerOption"][0].pop("extension"),
            "item 's2': answerOption '0' has no itemWeight",
        ),
        (
            lambda r: r["questionnaire"]["item"][0].update(type="date"),
            "item 's1': type must be one of",
        ),
        (
            lambda r: r["scores"][0].update(items=["s1", "s9"]),
            "score 'synthetic_raw': item 's9' is not in the questionnaire",
        ),
        (
            lambda r: r["scores"][0].update(min_answered=3),
            "score 'synthetic_raw': min_answered must be 1..2",
        ),
        (
            lambda r: r["scores"][0].update(mcid_source=""),
            "score 'synthetic_raw': mcid needs mcid_source",
        ),
        (
            lambda r: r["questionnaire"]["item"][0].update(text="Licensed words"),
            "item 's1': wording belongs in a wording file",
        ),
        (
            lambda r: r["licence"].update({"class": "open"}),
            "score 'synthetic_interval': a lookup score needs its table",
        ),
        (lambda r: r["questionnaire"].update(status=42), "not a valid FHIR R4 Questionnaire"),
    ],
)
def test_a_malformed_file_names_the_problem_and_changes_nothing(tmp_path, mutate, message):
    before = table_counts()
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load(_malformed(tmp_path, mutate))
    assert table_counts() == before


def test_a_wording_failing_half_way_changes_nothing(tmp_path):
    load(FILES / "synthetic_licensed.json")
    raw = json.loads((FILES / "synthetic_licensed.en.json").read_text())
    raw["lookup_tables"]["synthetic_interval"]["4"] = 140  # out of range
    path = tmp_path / "bad.en.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(CommandError, match="synthetic_interval.*out of range"):
        load(path)
    assert not Wording.objects.filter(instrument__code="synthetic").exists()
    missing = copy.deepcopy(raw)
    missing["lookup_tables"] = {}
    del missing["items"]["s2"]
    path.write_text(json.dumps(missing))
    with pytest.raises(CommandError, match="item 's2': no text"):
        load(path)


def test_a_new_version_leaves_stored_responses_and_scores(patient, patient_client, tmp_path):
    with time_machine.travel(NOW, tick=False):
        EpisodeFactory(patient=patient, symptom_onset_date=NOW.date() - dt.timedelta(days=10))
        patient_client.post(
            "/api/v1/questionnaire-responses/",
            psfs_body([4, 5, 6], completed_at=NOW),
            format="json",
        )
    raw = json.loads((SHIPPED_DIR / "psfs.json").read_text())
    raw["questionnaire"]["version"] = "2"
    raw["questionnaire"]["id"] = "psfs-2"
    raw["scores"][0]["min_answered"] = 1
    path = tmp_path / "psfs2.json"
    path.write_text(json.dumps(raw))
    load(path)
    old, new = (
        Instrument.objects.get(code="psfs", version="1"),
        Instrument.objects.get(code="psfs", version="2"),
    )
    assert (old.is_current, new.is_current) == (False, True)
    score = Score.objects.get()
    assert (score.definition.instrument_id, score.value) == (old.id, 5.0)
    raw["scores"][0]["min_answered"] = 2
    path.write_text(json.dumps(raw))
    with pytest.raises(CommandError, match="loaded already with another definition"):
        load(path)


def test_rescore_reports_every_changed_score(patient, patient_client):
    with time_machine.travel(NOW, tick=False):
        EpisodeFactory(patient=patient, symptom_onset_date=NOW.date() - dt.timedelta(days=10))
        patient_client.post(
            "/api/v1/questionnaire-responses/",
            psfs_body([4, 5, 6], completed_at=NOW),
            format="json",
        )
    out = io.StringIO()
    call_command("rescore_outcomes", stdout=out)
    assert out.getvalue().strip() == "0 scores changed."
    Score.objects.update(value=1.0)  # a definition fix, as the stored score sees it
    out = io.StringIO()
    call_command("rescore_outcomes", stdout=out)
    assert "psfs_mean" in out.getvalue()
    assert "1.0 (v1) -> 5.0 (v1)" in out.getvalue()
    assert out.getvalue().strip().endswith("1 scores changed.")
    assert Score.objects.get().value == 5.0
