"""apps.accounts imports no higher app: the patient list's summary comes from the reader that
apps.dashboard registers in its AppConfig.ready() (apps.accounts.readers)."""

from __future__ import annotations

import pytest

from apps.accounts import readers
from apps.accounts.api.serializers import PatientSerializer
from apps.dashboard.api.serializers import SummarySerializer
from apps.dashboard.selectors import patient_summaries, summary_for_patient
from tests.accounts.factories import PatientFactory


def test_the_dashboard_registers_the_patient_summary_reader():
    reader = readers.patient_summary_reader()

    assert reader is not None
    assert reader.many is patient_summaries
    assert reader.one is summary_for_patient
    assert reader.serializer is SummarySerializer
    assert isinstance(PatientSerializer().fields["summary"], SummarySerializer)


@pytest.mark.django_db
def test_without_a_reader_patients_come_without_a_summary(monkeypatch):
    monkeypatch.setattr(readers, "_summary_reader", [])
    patient = PatientFactory()

    assert "summary" not in PatientSerializer().fields
    assert readers.patient_with_summary(patient) is patient
    assert "summary" not in PatientSerializer(patient).data
