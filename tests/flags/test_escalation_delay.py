"""The escalation delay is a setting (`FLAG_ESCALATION_DELAY_MINUTES`, 4 hours by default)."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.notifications.flag_announcements import flags_escalate_unacknowledged
from apps.notifications.models import Notification
from tests.flags.factories import FlagFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("minutes", "words"), [(90, "90 minutes"), (480, "8 hours"), (60, "1 hour")]
)
def test_changing_the_escalation_delay_changes_when_an_urgent_flag_escalates(
    settings, episode, physio, clinic_admin, clock, minutes, words
):
    settings.FLAG_ESCALATION_DELAY_MINUTES = minutes
    flag = FlagFactory(episode=episode, rule="skin_colour_change", severity="urgent")

    clock.shift(dt.timedelta(minutes=minutes - 1))
    assert flags_escalate_unacknowledged() == 0
    clock.shift(dt.timedelta(minutes=1))
    assert flags_escalate_unacknowledged() == 1

    [escalation] = Notification.objects.filter(kind="flag_escalation")
    assert escalation.recipient_id == clinic_admin.pk
    assert escalation.body == (
        f"A urgent flag (skin_colour_change) has not been acknowledged {words} after it "
        f"opened: {flag.clinician_summary}"
    )


def test_by_default_an_urgent_flag_escalates_after_4_hours(
    settings, episode, physio, clinic_admin, clock
):
    del settings.FLAG_ESCALATION_DELAY_MINUTES  # a deployment that never set it
    FlagFactory(episode=episode, rule="skin_colour_change", severity="urgent")

    clock.shift(dt.timedelta(hours=3, minutes=59))
    assert flags_escalate_unacknowledged() == 0
    clock.shift(dt.timedelta(minutes=1))
    assert flags_escalate_unacknowledged() == 1
    assert "4 hours after it opened" in Notification.objects.get(kind="flag_escalation").body


@pytest.mark.parametrize("value", [0, -5, "240", 2.5, True])
def test_an_escalation_delay_that_is_not_a_positive_whole_number_is_refused(
    settings, episode, clock, value
):
    settings.FLAG_ESCALATION_DELAY_MINUTES = value
    FlagFactory(episode=episode, rule="skin_colour_change", severity="urgent")

    with pytest.raises(ValueError, match="FLAG_ESCALATION_DELAY_MINUTES"):
        flags_escalate_unacknowledged()
