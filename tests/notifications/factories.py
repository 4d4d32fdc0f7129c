from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from apps.notifications.models import Device, Notification, NotificationPreference
from tests.accounts.factories import PatientFactory, UserFactory


class ActivePatientFactory(PatientFactory):
    """An enrolled patient whose account is active (reminders need both)."""

    activated_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    user = factory.SubFactory(UserFactory)
    platform = "android"
    token = factory.Sequence(lambda n: f"fcm-token-{n:04d}")


class PreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreference

    user = factory.SubFactory(UserFactory)
    channels = factory.LazyFunction(lambda: ["push"])
    quiet_hours_start = None
    quiet_hours_end = None


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "test.message"
    title = "Title"
    body = "Body"
    dedup_key = factory.Sequence(lambda n: f"test:{n}")
    scheduled_for = factory.LazyFunction(timezone.now)
    local_date = factory.LazyFunction(lambda: timezone.now().date())
