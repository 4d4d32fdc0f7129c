from __future__ import annotations

import pytest

from tests.notifications.doubles import provider_doubles  # noqa: F401


@pytest.fixture(autouse=True)
def _doubles(provider_doubles):  # noqa: F811
    """Every notification test talks to the provider doubles, never to a real provider."""
    return


@pytest.fixture
def tick(django_capture_on_commit_callbacks):
    """Run one beat tick (claim due reminders, then the notification sweep) at ``at``, with
    the deliveries that commit enqueues run (eagerly) as they would after commit."""
    import time_machine

    from apps.notifications.services import notifications_dispatch_due
    from apps.reminders.services import reminders_claim_due

    def run(at):
        with (
            time_machine.travel(at, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            result = reminders_claim_due()
            notifications_dispatch_due()
        return result

    return run


@pytest.fixture
def reminded_patient():
    """Factory: an activated patient in ``tz`` with a push device, no quiet hours unless
    given, and reminder settings; schedules computed at ``now``."""
    import datetime as dt

    import time_machine

    from apps.reminders.services import reminder_schedules_recompute
    from tests.notifications.factories import (
        ActivePatientFactory,
        DeviceFactory,
        PreferenceFactory,
    )
    from tests.reminders.factories import ReminderSettingsFactory

    def make(tz, *, now, checkin_time=dt.time(19, 0), quiet=None, **settings):
        with time_machine.travel(now, tick=False):
            patient = ActivePatientFactory(timezone=tz)
            PreferenceFactory(
                user=patient.user,
                quiet_hours_start=quiet[0] if quiet else None,
                quiet_hours_end=quiet[1] if quiet else None,
            )
            DeviceFactory(user=patient.user, token=f"token-{patient.pk}")
            ReminderSettingsFactory(patient=patient, checkin_time=checkin_time, **settings)
            reminder_schedules_recompute(patient=patient)
        return patient

    return make
