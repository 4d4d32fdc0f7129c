"""Resolution outcome, the note emergency and urgent flags need, reopening, rule titles
(API.md: Flags; apps/flags/lifecycle.py)."""

from __future__ import annotations

import pytest

from apps.core.exceptions import Conflict, ValidationFailed
from apps.flags.models import Flag, Resolution
from apps.flags.rules import ALL_RULES, rule_title, rule_titles
from apps.flags.services import flag_reopen, flag_resolve
from tests.flags.factories import FlagFactory

pytestmark = pytest.mark.django_db


def test_every_rule_has_a_human_title_and_unknown_codes_read_as_words():
    assert all(rule.title and "_" not in rule.title for rule in ALL_RULES)
    assert len(set(rule_titles().values())) == len(rule_titles())
    assert rule_title("sudden_severe_pain") == "Sudden severe pain"
    assert rule_title("outcome_worsened") == "Questionnaire score worse"
    assert rule_title("some_new_rule") == "Some new rule"


def test_an_urgent_flag_needs_a_note_to_be_resolved(episode, physio):
    flag = FlagFactory(episode=episode, rule="sudden_severe_pain", severity="urgent")

    with pytest.raises(ValidationFailed) as error:
        flag_resolve(flag=flag, by=physio, note="  ", outcome="contacted_patient")

    assert error.value.field == "note"
    assert Flag.objects.get(pk=flag.pk).status == "open"
    resolved = flag_resolve(flag=flag, by=physio, note="Phoned.", outcome="contacted_patient")
    assert (resolved.status, resolved.outcome, resolved.note) == (
        "resolved",
        "contacted_patient",
        "Phoned.",
    )


def test_a_routine_flag_resolves_without_a_note_and_an_unknown_outcome_is_refused(episode, physio):
    flag = FlagFactory(episode=episode, severity="routine")

    with pytest.raises(ValidationFailed) as error:
        flag_resolve(flag=flag, by=physio, outcome="shrugged")
    assert error.value.field == "outcome"
    assert flag_resolve(flag=flag, by=physio, outcome="no_action_needed").status == "resolved"


def test_reopening_brings_a_resolved_flag_back_as_acknowledged(episode, physio):
    flag = FlagFactory(episode=episode, severity="routine")
    flag_resolve(flag=flag, by=physio, outcome="no_action_needed")

    reopened = flag_reopen(flag=flag, by=physio, note="Resolved by mistake.")

    assert reopened.status == "acknowledged"
    assert (reopened.resolution, reopened.outcome, reopened.resolved_at) == ("", "", None)
    assert reopened.reopened_by == physio
    assert reopened.reopened_at is not None
    assert reopened.note == "Resolved by mistake."
    with pytest.raises(Conflict):
        flag_reopen(flag=flag, by=physio)  # live already


def test_a_withdrawn_flag_or_one_with_a_live_successor_is_not_reopened(episode, physio):
    withdrawn = FlagFactory(
        episode=episode, rule="pain_worsening", status="resolved", resolution=Resolution.WITHDRAWN
    )
    resolved = FlagFactory(episode=episode, rule="morning_stiffness", status="resolved")
    Flag.objects.filter(pk=resolved.pk).update(resolution=Resolution.CLINICIAN)
    FlagFactory(episode=episode, rule="morning_stiffness", status="open")

    with pytest.raises(Conflict):
        flag_reopen(flag=withdrawn, by=physio)
    with pytest.raises(Conflict) as error:
        flag_reopen(flag=resolved, by=physio)
    assert error.value.code == "flag_live_exists"


def test_the_api_resolves_with_an_outcome_and_reopens(physio_client, episode):
    flag = FlagFactory(episode=episode, rule="infection_signs", severity="urgent")
    url = f"/api/v1/flags/{flag.id}"

    missing_note = physio_client.post(f"{url}/resolve/", {"outcome": "referred"})
    resolved = physio_client.post(
        f"{url}/resolve/", {"outcome": "referred", "note": "Sent to the GP today."}
    )
    reopened = physio_client.post(f"{url}/reopen/", {"note": "GP could not see her."})
    again = physio_client.post(f"{url}/reopen/", {})

    assert missing_note.status_code == 400
    assert list(missing_note.json()["errors"]) == ["note"]
    assert resolved.status_code == 200
    assert (resolved.json()["outcome"], resolved.json()["rule_title"]) == (
        "referred",
        "Signs of infection",
    )
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "acknowledged"
    assert reopened.json()["note"] == "GP could not see her."
    assert again.status_code == 409


def test_a_patient_cannot_reopen(patient_client, episode):
    flag = FlagFactory(episode=episode, status="resolved")

    assert patient_client.post(f"/api/v1/flags/{flag.id}/reopen/", {}).status_code == 403
