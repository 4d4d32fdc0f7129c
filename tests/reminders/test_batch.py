"""The tick handles due reminders a batch at a time: mixed batches, a fixed number of queries,
backlogs drained by re-running, and overlapping ticks on PostgreSQL.

London in June (BST, UTC+1): the 19:00 reminder is due at 18:00 UTC."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.reminders.models import ReminderDelivery, ReminderSchedule
from apps.reminders.services import reminder_schedules_recompute, reminders_claim_due
from apps.reminders.tasks import claim_due_reminders
from tests.checkins.factories import CheckInFactory
from tests.consent.factories import withdrawn
from tests.episodes.factories import EpisodeFactory
from tests.notifications.doubles import fcm
from tests.notifications.factories import ActivePatientFactory, DeviceFactory, PreferenceFactory
from tests.reminders.factories import ReminderSettingsFactory

UTC = dt.UTC
DAY = dt.date(2026, 6, 10)
MORNING = dt.datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
DUE = dt.datetime(2026, 6, 10, 18, 0, tzinfo=UTC)


def checkin_on(patient, day):
    episode = patient.episodes.first() or EpisodeFactory(
        patient=patient, symptom_onset_date=dt.date(2026, 1, 1)
    )
    return CheckInFactory(episode=episode, patient=patient, date=day)


def make_patient(*, quiet=None, checked_in_yesterday=True, **settings):
    """An activated London patient with a push device and a 19:00 check-in reminder."""
    with time_machine.travel(MORNING, tick=False):
        patient = ActivePatientFactory(timezone="Europe/London")
        PreferenceFactory(
            user=patient.user,
            quiet_hours_start=quiet[0] if quiet else None,
            quiet_hours_end=quiet[1] if quiet else None,
        )
        DeviceFactory(user=patient.user, token=f"token-{patient.pk}")
        ReminderSettingsFactory(patient=patient, checkin_time=dt.time(19, 0), **settings)
        reminder_schedules_recompute(patient=patient)
    if checked_in_yesterday:
        checkin_on(patient, DAY - dt.timedelta(days=1))
    return patient


def outcome(patient, kind="checkin"):
    delivery = ReminderDelivery.objects.get(patient=patient, kind=kind, local_date=DAY)
    return delivery.outcome, delivery.reason


@pytest.mark.django_db
def test_one_batch_of_mixed_patients_notifies_exactly_the_eligible_ones(
    django_capture_on_commit_callbacks,
):
    eligible = [make_patient() for _ in range(3)]
    switched_off = make_patient()
    switched_off.reminder_settings.enabled = False  # changed without a recompute
    switched_off.reminder_settings.save()
    consent_gone = make_patient()
    withdrawn(consent_gone)  # recorded directly: the schedule still says 18:00
    deactivated = make_patient()
    deactivated.user.is_active = False
    deactivated.user.save()
    quiet = make_patient(quiet=(dt.time(18, 30), dt.time(7, 0)))
    checked_in = make_patient()
    checkin_on(checked_in, DAY)
    missed = make_patient(checked_in_yesterday=False)
    checkin_on(missed, DAY - dt.timedelta(days=5))
    over_budget = make_patient()
    with time_machine.travel(DUE - dt.timedelta(hours=1), tick=False):
        for index in range(3):
            notify(recipient=over_budget.user, kind="t", title="t", body="b", dedup_key=f"o{index}")
    fcm.reset()

    with (
        time_machine.travel(DUE, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = reminders_claim_due()

    assert sorted(push.token for push in fcm.sent) == sorted(
        f"token-{p.pk}" for p in [*eligible, missed]
    )
    assert {p.data["reminder"] for p in fcm.sent} == {"checkin", "we_miss_you"}
    assert [outcome(p) for p in eligible] == [("notified", "")] * 3
    assert outcome(switched_off) == ("skipped", "reminders_off")
    assert outcome(consent_gone) == ("skipped", "reminders_off")
    assert outcome(deactivated) == ("skipped", "reminders_off")
    assert outcome(checked_in) == ("skipped", "checked_in")
    assert outcome(missed) == ("skipped", "replaced_by_we_miss_you")
    assert outcome(missed, "we_miss_you") == ("notified", "")
    assert outcome(over_budget) == ("skipped", "daily_budget")
    assert not ReminderDelivery.objects.filter(patient=quiet).exists()
    schedule = ReminderSchedule.objects.get(patient=quiet, kind="checkin")
    assert (schedule.next_due_at, schedule.local_date) == (
        dt.datetime(2026, 6, 11, 6, 0, tzinfo=UTC),  # 07:00 BST, still the 10th's reminder
        DAY,
    )
    followups = ReminderSchedule.objects.filter(kind="checkin_followup", next_due_at__isnull=False)
    assert sorted(followups.values_list("patient_id", flat=True)) == sorted(p.pk for p in eligible)
    assert set(followups.values_list("next_due_at", flat=True)) == {DUE + dt.timedelta(hours=3)}
    assert (result.claimed, result.notified, result.skipped, result.deferred) == (9, 4, 6, 1)


@pytest.mark.django_db
def test_a_batch_takes_the_same_number_of_queries_for_5_or_25_patients(
    django_capture_on_commit_callbacks,
):
    def queries_for(count, day_offset):
        for _ in range(count):
            make_patient()
        at = DUE + dt.timedelta(days=day_offset)
        ReminderSchedule.objects.filter(kind="checkin_followup").update(next_due_at=None)
        ReminderSchedule.objects.filter(kind="checkin", next_due_at__isnull=False).update(
            next_due_at=at, local_date=DAY + dt.timedelta(days=day_offset)
        )
        with (
            time_machine.travel(at, tick=False),
            django_capture_on_commit_callbacks(execute=False),
            CaptureQueriesContext(connection) as queries,
        ):
            result = reminders_claim_due()
        return len(queries), result.notified

    small, small_sent = queries_for(5, 0)
    large, large_sent = queries_for(20, 1)  # 25 due in all

    assert (small_sent, large_sent) == (5, 25)
    assert large == small


@pytest.mark.django_db
def test_a_backlog_larger_than_one_tick_drains_by_running_again(
    settings, django_capture_on_commit_callbacks
):
    settings.REMINDERS = {"CLAIM_BATCH_SIZE": 2, "CLAIM_MAX_BATCHES": 2}
    patients = [make_patient() for _ in range(7)]
    fcm.reset()

    with (
        time_machine.travel(DUE, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        claim_due_reminders.delay()  # eager: each re-run happens at once

    assert sorted(push.token for push in fcm.sent) == sorted(f"token-{p.pk}" for p in patients)
    assert ReminderDelivery.objects.count() == 7


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_ticks_on_postgresql_remind_each_patient_once(settings):
    settings.REMINDERS = {"CLAIM_BATCH_SIZE": 5}
    patients = [make_patient() for _ in range(40)]
    fcm.reset()
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []
    results = []

    def beat():
        try:
            barrier.wait()
            results.append(reminders_claim_due())
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(3)]
    with time_machine.travel(DUE, tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    assert sum(r.claimed for r in results) == 40
    assert sorted(push.token for push in fcm.sent) == sorted(f"token-{p.pk}" for p in patients)
    assert ReminderDelivery.objects.filter(kind="checkin").count() == 40
    assert Notification.objects.filter(kind="reminder.checkin", status="sent").count() == 40
