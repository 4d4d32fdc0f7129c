"""apps.accounts and apps.consent tell apps.reminders through hooks (they never import it):
the listener is registered by RemindersConfig.ready(), and the lower app's write reaches it
inside the write's transaction (docs/CONTRACTS.md, "Nothing calls up the stack")."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib import admin
from django.test import RequestFactory

from apps.accounts.hooks import patient_time_zone_changed
from apps.accounts.models import Patient
from apps.accounts.services import patient_update_profile
from apps.consent.hooks import consent_decided
from apps.consent.models import ConsentAcceptance
from apps.consent.selectors import consent_withdrawn
from apps.consent.services import consent_accept, consent_withdraw
from apps.reminders.models import ReminderSchedule
from apps.reminders.services import reminder_schedules_follow
from tests.accounts.factories import UserFactory
from tests.consent.factories import accepted, published_consent

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 10, 10, 0, tzinfo=UTC)  # after the factories' acceptance


def test_reminders_listen_to_time_zone_changes_and_consent_decisions():
    assert reminder_schedules_follow in patient_time_zone_changed.listeners
    assert reminder_schedules_follow in consent_decided.listeners


def _checkin_due(patient) -> dt.datetime | None:
    return ReminderSchedule.objects.get(patient=patient, kind="checkin").next_due_at


def test_a_time_zone_change_moves_the_next_reminder(reminded_patient):
    patient = reminded_patient("Europe/London", now=NOW)
    assert _checkin_due(patient) == dt.datetime(2026, 11, 10, 19, 0, tzinfo=UTC)

    with time_machine.travel(NOW, tick=False):
        patient_update_profile(patient=patient, data={"timezone": "America/New_York"})

    assert _checkin_due(patient) == dt.datetime(2026, 11, 11, 0, 0, tzinfo=UTC)


def test_a_time_zone_changed_in_the_admin_moves_the_next_reminder(reminded_patient):
    patient = reminded_patient("Europe/London", now=NOW)
    patient_admin = admin.site._registry[Patient]
    request = RequestFactory().post("/admin/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    patient.timezone = "America/New_York"

    with time_machine.travel(NOW, tick=False):
        patient_admin.save_model(request, patient, SimpleNamespace(changed_data=["timezone"]), True)

    assert _checkin_due(patient) == dt.datetime(2026, 11, 11, 0, 0, tzinfo=UTC)


def test_a_consent_withdrawal_clears_the_schedule_and_an_acceptance_restores_it(
    reminded_patient,
):
    published_consent()
    patient = reminded_patient("Europe/London", now=NOW)
    accepted(patient)

    with time_machine.travel(NOW, tick=False):
        consent_withdraw(patient=patient)
        assert _checkin_due(patient) is None
        consent_accept(patient=patient, version=1)

    assert _checkin_due(patient) == dt.datetime(2026, 11, 10, 19, 0, tzinfo=UTC)


def test_a_listener_that_fails_rolls_the_withdrawal_back(reminded_patient):
    """The hook fires inside the decision's transaction, as the direct call did: the decision
    and the schedules commit together or not at all."""
    published_consent()
    patient = reminded_patient("Europe/London", now=NOW)
    accepted(patient)

    def broken(_patient) -> None:
        raise RuntimeError("reminders unavailable")

    consent_decided.register(broken)
    try:
        with time_machine.travel(NOW, tick=False), pytest.raises(RuntimeError):
            consent_withdraw(patient=patient)
    finally:
        consent_decided.unregister(broken)

    assert consent_withdrawn(patient) is False
    assert ConsentAcceptance.objects.get(patient=patient).withdrawn_at is None
    assert _checkin_due(patient) == dt.datetime(2026, 11, 10, 19, 0, tzinfo=UTC)
