"""What the minute tick sends, and above all what it does not send.

A London patient in June (BST, UTC+1): the 19:00 reminder is due at 18:00 UTC."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.reminders import claim, decisions
from apps.reminders.conf import reminder_config
from apps.reminders.models import ReminderDelivery, ReminderSchedule
from apps.reminders.services import reminder_schedules_recompute, reminders_claim_due
from tests.checkins.factories import CheckInFactory
from tests.episodes.factories import EpisodeFactory
from tests.notifications.doubles import fcm
from tests.notifications.factories import ActivePatientFactory, DeviceFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC
DAY = dt.date(2026, 6, 10)
DUE = dt.datetime(2026, 6, 10, 18, 0, tzinfo=UTC)
MORNING = dt.datetime(2026, 6, 10, 8, 0, tzinfo=UTC)


def at(hour, minute=0, day=10):
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=UTC)


def checkin_on(patient, day):
    episode = patient.episodes.first() or EpisodeFactory(
        patient=patient, symptom_onset_date=dt.date(2026, 1, 1)
    )
    return CheckInFactory(episode=episode, patient=patient, date=day)


@pytest.fixture
def patient(reminded_patient):
    patient = reminded_patient("Europe/London", now=MORNING)
    # Checked in recently, so "we miss you" stays out of the way unless a test wants it.
    checkin_on(patient, DAY - dt.timedelta(days=1))
    return patient


def sent_kinds():
    return [push.data.get("reminder") for push in fcm.sent]


def delivery(patient, kind="checkin", day=DAY):
    return ReminderDelivery.objects.get(patient=patient, kind=kind, local_date=day)


def test_the_checkin_reminder_goes_at_19_00_local(tick, patient):
    tick(at(17, 59))
    assert fcm.sent == []

    tick(at(18, 0))

    assert sent_kinds() == ["checkin"]
    assert fcm.sent[0].token == f"token-{patient.pk}"
    assert delivery(patient).outcome == "notified"
    schedule = ReminderSchedule.objects.get(patient=patient, kind="checkin")
    assert (schedule.next_due_at, schedule.local_date) == (at(18, 0, day=11), dt.date(2026, 6, 11))


def test_two_ticks_at_the_same_instant_remind_once(tick, patient):
    tick(at(18, 0))
    tick(at(18, 0))
    tick(at(18, 1))

    assert sent_kinds() == ["checkin"]
    assert ReminderDelivery.objects.filter(patient=patient, kind="checkin").count() == 1


def test_a_second_beat_holding_a_stale_read_of_the_row_does_nothing(patient):
    row = ReminderSchedule.objects.select_related("patient__user").get(
        patient=patient, kind="checkin"
    )
    config = reminder_config()
    with time_machine.travel(at(18, 0), tick=False):
        first = reminders_claim_due()
        # A second beat that read the row before the first one moved it:
        decision = decisions.decide(
            row, decisions.read_batch_facts([row]), now=at(18, 0), config=config
        )
        assert claim._advance([decision]) == []  # the conditional UPDATE finds nothing
        assert claim._insert_deliveries([decision]) == []  # and the date is taken anyway

    assert first.claimed == 1
    assert Notification.objects.filter(kind="reminder.checkin").count() == 1
    assert ReminderDelivery.objects.filter(patient=patient).count() == 1


def test_a_date_already_reminded_is_never_reminded_again(tick, patient):
    # e.g. a schedule recomputed to a date that another tick already handled
    ReminderDelivery.objects.create(
        patient=patient, kind="checkin", local_date=DAY, due_at=DUE, outcome="notified"
    )

    tick(at(18, 0))

    assert fcm.sent == []
    assert Notification.objects.count() == 0


def test_no_checkin_reminder_when_todays_checkin_is_in(tick, patient):
    checkin_on(patient, DAY)

    tick(at(18, 0))
    tick(at(21, 0))

    assert fcm.sent == []
    assert (delivery(patient).outcome, delivery(patient).reason) == ("skipped", "checked_in")
    assert not ReminderDelivery.objects.filter(kind="checkin_followup").exists()


def test_follow_up_goes_3_hours_later_when_the_checkin_is_still_missing(tick, patient):
    tick(at(18, 0))
    tick(at(20, 59))
    assert sent_kinds() == ["checkin"]

    tick(at(21, 0))

    assert sent_kinds() == ["checkin", "checkin_followup"]
    assert [p.at for p in fcm.sent] == [at(18, 0), at(21, 0)]
    tick(at(21, 1))
    assert len(fcm.sent) == 2


def test_no_follow_up_when_the_checkin_arrives_in_between(tick, patient):
    tick(at(18, 0))
    checkin_on(patient, DAY)

    tick(at(21, 0))

    assert sent_kinds() == ["checkin"]
    followup = delivery(patient, "checkin_followup")
    assert (followup.outcome, followup.reason) == ("skipped", "checked_in")


def test_a_reminder_more_than_2_hours_overdue_is_skipped_not_sent(tick, patient):
    # The beat was down from before 18:00 until 20:01.
    tick(at(20, 1))

    assert fcm.sent == []
    assert (delivery(patient).outcome, delivery(patient).reason) == ("skipped", "stale")
    assert not ReminderSchedule.objects.filter(
        kind="checkin_followup", next_due_at__isnull=False
    ).exists()
    assert ReminderSchedule.objects.get(patient=patient, kind="checkin").next_due_at == at(
        18, 0, day=11
    )


def test_a_reminder_exactly_2_hours_late_still_goes(tick, patient):
    tick(at(20, 0))

    assert sent_kinds() == ["checkin"]


def test_a_long_outage_skips_once_and_resumes_the_next_evening(tick, patient):
    tick(at(9, 0, day=12))  # down for a day and a half

    assert fcm.sent == []
    assert list(ReminderDelivery.objects.values_list("local_date", "reason")) == [(DAY, "stale")]
    tick(at(18, 0, day=12))
    assert [p.data["date"] for p in fcm.sent] == ["2026-06-12"]


def test_a_reminder_in_quiet_hours_moves_to_their_end(tick, reminded_patient):
    patient = reminded_patient(
        "Europe/London",
        now=MORNING,
        checkin_time=dt.time(23, 30),
        quiet=(dt.time(23, 0), dt.time(7, 0)),
    )
    checkin_on(patient, DAY - dt.timedelta(days=1))

    tick(at(22, 30))  # 23:30 BST
    assert fcm.sent == []
    schedule = ReminderSchedule.objects.get(patient=patient, kind="checkin")
    assert (schedule.next_due_at, schedule.local_date) == (at(6, 0, day=11), DAY)
    tick(at(5, 59, day=11))
    assert fcm.sent == []

    tick(at(6, 0, day=11))  # 07:00 BST

    assert [(p.at, p.data["date"]) for p in fcm.sent] == [(at(6, 0, day=11), "2026-06-10")]


def test_a_follow_up_that_quiet_hours_would_push_into_tomorrow_is_skipped(tick, reminded_patient):
    patient = reminded_patient(
        "Europe/London",
        now=MORNING,
        checkin_time=dt.time(21, 0),
        quiet=(dt.time(23, 0), dt.time(7, 0)),
    )
    checkin_on(patient, DAY - dt.timedelta(days=1))
    tick(at(20, 0))  # 21:00 BST: the reminder

    tick(at(23, 0))  # 00:00 BST: the follow-up falls in quiet hours
    tick(at(6, 0, day=11))

    assert sent_kinds() == ["checkin"]
    followup = delivery(patient, "checkin_followup")
    assert (followup.outcome, followup.reason) == ("skipped", "quiet_hours")


def test_the_daily_budget_of_3_stops_a_fourth_notification(tick, patient):
    with time_machine.travel(at(12, 0), tick=False):
        for index in range(3):
            notify(
                recipient=patient.user,
                kind="test.other",
                title="t",
                body="b",
                dedup_key=f"other-{index}",
            )

    tick(at(18, 0))

    record = delivery(patient)
    assert (record.outcome, record.reason) == ("skipped", "daily_budget")
    assert record.notification.status == "skipped"
    assert "checkin" not in sent_kinds()
    assert not ReminderSchedule.objects.filter(
        kind="checkin_followup", next_due_at__isnull=False
    ).exists()


def test_urgent_notifications_do_not_use_up_the_budget(tick, patient):
    with time_machine.travel(at(12, 0), tick=False):
        for index in range(3):
            notify(
                recipient=patient.user,
                kind="advice.urgent",
                title="t",
                body="b",
                dedup_key=f"urgent-{index}",
                priority="urgent",
            )

    tick(at(18, 0))

    assert delivery(patient).outcome == "notified"


def test_we_miss_you_after_3_days_without_a_checkin_then_daily_reminders_again(
    tick, reminded_patient
):
    patient = reminded_patient("Europe/London", now=MORNING)
    checkin_on(patient, dt.date(2026, 6, 6))  # nothing on 7, 8, 9 June

    tick(at(18, 0))
    tick(at(21, 0))
    tick(at(18, 0, day=11))

    assert [(p.data["reminder"], p.data["date"]) for p in fcm.sent] == [
        ("we_miss_you", "2026-06-10"),
        ("checkin", "2026-06-11"),
        # the 11th's follow-up is not due until 21:00
    ]
    assert delivery(patient).reason == "replaced_by_we_miss_you"
    assert fcm.sent[0].title == "We miss you"


def test_no_we_miss_you_when_the_last_checkin_was_3_days_ago(tick, reminded_patient):
    patient = reminded_patient("Europe/London", now=MORNING)
    checkin_on(patient, dt.date(2026, 6, 7))

    tick(at(18, 0))

    assert sent_kinds() == ["checkin"]


def test_a_new_patient_without_settings_is_reminded_at_19_00_by_default(tick):
    with time_machine.travel(MORNING, tick=False):
        patient = ActivePatientFactory(
            timezone="America/New_York", activated_at=MORNING - dt.timedelta(hours=1)
        )
        DeviceFactory(user=patient.user)

    tick(at(9, 0))  # the tick gives them their schedules
    tick(at(23, 0))  # 19:00 EDT

    assert [(p.at, p.data["reminder"]) for p in fcm.sent] == [(at(23, 0), "checkin")]


def test_a_patient_who_has_not_activated_is_not_reminded(tick):
    patient = ActivePatientFactory(activated_at=None, timezone="Europe/London")
    DeviceFactory(user=patient.user)

    tick(at(9, 0))
    tick(at(18, 0))

    assert fcm.sent == []
    assert not ReminderSchedule.objects.filter(patient=patient).exists()


def test_switching_reminders_off_clears_the_schedule(tick, patient):
    settings = patient.reminder_settings
    settings.enabled = False
    settings.save()
    with time_machine.travel(MORNING, tick=False):
        reminder_schedules_recompute(patient=patient)

    tick(at(18, 0))

    assert fcm.sent == []
    assert set(
        ReminderSchedule.objects.filter(patient=patient).values_list("next_due_at", flat=True)
    ) == {None}


def test_exercise_reminder_goes_at_its_own_time(tick, reminded_patient):
    patient = reminded_patient("Europe/London", now=MORNING, exercise_time=dt.time(10, 0))
    checkin_on(patient, DAY - dt.timedelta(days=1))

    tick(at(9, 0))  # 10:00 BST

    assert [(p.at, p.title) for p in fcm.sent] == [(at(9, 0), "Time for your exercises")]
