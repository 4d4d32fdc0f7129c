"""The open-flag count by severity has one definition in two forms (apps.flags.selectors): the
bulk read (`open_flag_counts_by_patient`, the patients list) and the SQL subquery the
dashboard sorts by and shows (`open_flag_count_subquery`). They agree on random histories of
flags in every status, severity and episode."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from apps.accounts.models import Patient
from apps.flags.rules.base import SEVERITY_ORDER
from apps.flags.selectors import open_flag_count_subquery, open_flag_counts_by_patient
from tests.accounts.factories import PatientFactory
from tests.episodes.factories import EpisodeFactory
from tests.flags.factories import FlagFactory

pytestmark = pytest.mark.django_db

STATUSES = ("open", "acknowledged", "resolved")
ONSET = dt.date(2026, 3, 1)
DAY = dt.date(2026, 5, 1)


@pytest.mark.parametrize("seed", range(4))
def test_the_subquery_counts_what_the_bulk_read_counts(seed):
    chance = random.Random(seed)
    patients = []
    for _ in range(4):
        patient = PatientFactory()
        patients.append(patient)
        for episode_number in range(chance.randint(0, 2)):
            # At most one active episode per patient (a constraint); the others resolved.
            ended = {} if episode_number == 0 else {"status": "resolved", "resolved_on": DAY}
            episode = EpisodeFactory(patient=patient, symptom_onset_date=ONSET, **ended)
            for rule_number in range(chance.randint(0, 6)):
                # One live flag per episode and rule (a constraint): a rule name each.
                FlagFactory(
                    episode=episode,
                    rule=f"rule_{rule_number}",
                    severity=chance.choice(SEVERITY_ORDER),
                    status=chance.choice(STATUSES),
                )
    ids = [patient.pk for patient in patients]

    bulk = open_flag_counts_by_patient(ids)
    annotated = Patient.objects.filter(pk__in=ids).annotate(
        **{severity: open_flag_count_subquery(severity) for severity in SEVERITY_ORDER}
    )

    subquery = {row["pk"]: row for row in annotated.values("pk", *SEVERITY_ORDER)}
    for patient_id in ids:
        assert {s: subquery[patient_id][s] for s in SEVERITY_ORDER} == bulk[patient_id]
    # The histories are not all empty: the comparison covers counts above zero.
    assert any(any(counts.values()) for counts in bulk.values())
