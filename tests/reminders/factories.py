from __future__ import annotations

import datetime as dt

import factory

from apps.reminders.models import ReminderSettings
from tests.notifications.factories import ActivePatientFactory


class ReminderSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderSettings

    patient = factory.SubFactory(ActivePatientFactory)
    checkin_time = dt.time(19, 0)
    exercise_time = None
    enabled = True
