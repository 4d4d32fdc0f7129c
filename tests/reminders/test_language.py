"""Reminders are rendered in the recipient's language when they are sent (apps.core.i18n):
the recorded push of a Spanish patient is in Spanish, an English patient's in English."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.notifications.models import Notification
from tests.notifications.doubles import fcm
from tests.reminders.test_claim import DAY, MORNING, at, checkin_on

pytestmark = pytest.mark.django_db


def test_each_patient_is_reminded_in_their_language(tick, reminded_patient):
    spanish = reminded_patient("Europe/London", now=MORNING)
    english = reminded_patient("Europe/London", now=MORNING)
    spanish.user.language = "es"
    spanish.user.save(update_fields=["language"])
    for patient in (spanish, english):
        checkin_on(patient, DAY - dt.timedelta(days=1))

    tick(at(18, 0))

    by_token = {push.token: push for push in fcm.sent}
    es, en = by_token[f"token-{spanish.pk}"], by_token[f"token-{english.pk}"]
    assert (es.title, es.body) == (
        "Es la hora de su registro diario",
        "Lleva un minuto y ayuda a su fisioterapeuta a seguir su recuperación.",
    )
    assert (en.title, en.body) == (
        "Time for your daily check-in",
        "It takes a minute and helps your physiotherapist follow your recovery.",
    )
    # What the patient reads in GET me/notifications/ is what was sent.
    assert Notification.objects.get(recipient=spanish.user).title == es.title


def test_the_follow_up_and_we_miss_you_too(tick, reminded_patient):
    patient = reminded_patient("Europe/London", now=MORNING)
    patient.user.language = "es"
    patient.user.save(update_fields=["language"])
    checkin_on(patient, DAY - dt.timedelta(days=5))

    tick(at(18, 0))

    assert [push.title for push in fcm.sent] == ["Le echamos de menos"]


def test_a_new_flags_advice_reaches_the_patient_in_their_language(
    reminded_patient, django_capture_on_commit_callbacks
):
    from apps.notifications.flag_announcements import flag_announce
    from tests.dashboard.factories import EpisodeFactory, FlagFactory

    patient = reminded_patient("Europe/London", now=MORNING)
    patient.user.language = "es"
    patient.user.save(update_fields=["language"])
    episode = EpisodeFactory(patient=patient, symptom_onset_date=DAY - dt.timedelta(days=30))
    flag = FlagFactory(
        episode=episode,
        rule="fall_or_injury",
        severity="emergency",
        patient_message="You reported a fall or injury. Call 999 or go to A&E now.",
    )

    with django_capture_on_commit_callbacks(execute=True):
        flag_announce(flag=flag)

    [push] = [push for push in fcm.sent if push.token == f"token-{patient.pk}"]
    assert push.title == "Actúe según su registro diario, por favor"
    assert push.body.startswith("Ha indicado una caída o una lesión. Llame al 999")
