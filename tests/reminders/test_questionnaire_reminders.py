"""Due questionnaires are reminded by the check-in reminder's claim: their own kind and
delivery row (once per date), on the date they fall due and on their last day, never when
the check-in reminder is stale, deferred by quiet hours, or reminders are off."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from apps.notifications.models import Notification
from apps.reminders.models import ReminderDelivery
from tests.checkins.factories import CheckInFactory
from tests.episodes.factories import EpisodeFactory
from tests.notifications.doubles import fcm

pytestmark = pytest.mark.django_db
UTC = dt.UTC
MORNING = dt.datetime(2026, 6, 10, 8, 0, tzinfo=UTC)


def at(hour, minute=0, day=10):
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def patient(reminded_patient):
    patient = reminded_patient("Europe/London", now=MORNING)
    with time_machine.travel(MORNING, tick=False):
        # Baseline due from 10 June; the first 2-weekly occasion (19 June) is after the window.
        episode = EpisodeFactory(patient=patient, symptom_onset_date=dt.date(2026, 6, 5))
    # Checked in recently, so "we miss you" stays out of the way.
    CheckInFactory(episode=episode, patient=patient, date=dt.date(2026, 6, 9))
    return patient


def kinds(patient):
    return sorted(
        ReminderDelivery.objects.filter(patient=patient, outcome="notified").values_list(
            "kind", "local_date"
        )
    )


def test_the_baseline_is_reminded_with_the_checkin_reminder_once(tick, patient):
    tick(at(18, 0))
    assert kinds(patient) == [
        ("checkin", dt.date(2026, 6, 10)),
        ("questionnaire", dt.date(2026, 6, 10)),
    ]
    assert Notification.objects.filter(kind="reminder.questionnaire").count() == 1
    assert {push.data.get("reminder") for push in fcm.sent} == {"checkin", "questionnaire"}
    tick(at(18, 1))
    assert Notification.objects.filter(kind="reminder.questionnaire").count() == 1


def test_not_every_day_of_the_window_only_the_first_and_last(tick, patient):
    for day in range(10, 19):
        CheckInFactory(episode=patient.episodes.get(), patient=patient, date=dt.date(2026, 6, day))
        tick(at(18, 0, day=day))
    dates = [d for k, d in kinds(patient) if k == "questionnaire"]
    assert dates == [dt.date(2026, 6, 10), dt.date(2026, 6, 17)]


def test_a_stale_checkin_reminder_carries_no_questionnaire(tick, patient):
    tick(at(23, 0))  # 5 hours late: stale
    assert kinds(patient) == []
    assert not ReminderDelivery.objects.filter(kind="questionnaire").exists()


def test_answered_means_no_reminder(tick, patient):
    from apps.outcomes.models import Instrument, QuestionnaireResponse

    episode = patient.episodes.get()
    for code in ("psfs", "weekly_pain"):
        QuestionnaireResponse.objects.create(
            patient=patient,
            episode=episode,
            client_id=__import__("uuid").uuid4(),
            instrument=Instrument.objects.get(code=code),
            language="en",
            completed_at=MORNING,
            date=dt.date(2026, 6, 10),
        )
    tick(at(18, 0))
    assert kinds(patient) == [("checkin", dt.date(2026, 6, 10))]


def test_the_questionnaire_reminder_is_in_the_patients_language(tick, patient):
    patient.user.language = "es"
    patient.user.save(update_fields=["language"])
    tick(at(18, 0))
    [push] = [push for push in fcm.sent if push.data.get("reminder") == "questionnaire"]
    assert (push.title, push.body) == (
        "Le espera un cuestionario",
        "Unas preguntas sobre cómo se encuentra; le llevarán unos minutos.",
    )
    stored = Notification.objects.get(kind="reminder.questionnaire")
    assert stored.title == "Le espera un cuestionario"
