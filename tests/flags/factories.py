from __future__ import annotations

import datetime as dt

from apps.flags.models import Flag
from tests.checkins.factories import CheckInFactory, checkin_payload

__all__ = ["CheckInFactory", "checkin_payload", "quiet_checkin", "FlagFactory"]


def quiet_checkin(episode, date: dt.date, **fields):
    """A check-in that meets no rule on its own, with ``fields`` changed."""
    values = {
        "pain_now": 2,
        "pain_worst_24h": 3,
        "pain_weight_bearing": 2,
        "morning_stiffness_minutes": 5,
        "sleep_disturbed": False,
        "daily_activities_affected": False,
        "weight_bearing": "full",
        "walking_aid": "none",
        "painful_sides": ["left"],
        "red_flags": [],
    }
    values.update(fields)
    return CheckInFactory(episode=episode, date=date, **values)


def FlagFactory(**fields) -> Flag:  # noqa: N802 - reads like the other factories
    from django.utils import timezone

    episode = fields.pop("episode")
    values = {
        "episode": episode,
        "patient": episode.patient,
        "rule": "morning_stiffness",
        "rule_version": 1,
        "severity": "routine",
        "opened_at": timezone.now(),
        "opened_for_date": dt.date(2026, 3, 10),
        "last_seen_at": timezone.now(),
        "last_held_on": dt.date(2026, 3, 10),
        "held_dates": ["2026-03-10"],
        "evidence": {"date": "2026-03-10", "reason": "r"},
        "patient_message": "Tell your care team.",
        "clinician_summary": "summary",
    }
    values.update(fields)
    return Flag.objects.create(**values)
