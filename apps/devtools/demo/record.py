"""Demo record for `load_demo`: each demo patient gets an active episode and about three weeks
of plausible daily check-ins. Written through the services (validation, idempotency and the
flag hook all apply); running it again the same day changes nothing, because the episode and
check-in client_ids are derived from the patient and the date."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from apps.accounts.models import Patient

DEMO_NAMESPACE = uuid.UUID("5b1f7c2e-6a43-4f0e-9d7e-0c1a2b3c4d5e")
DEMO_DAYS = 21

# (side, weeks since onset, pregnancy-associated, pain trend per day, days skipped)
_PROFILES: list[tuple[str, int, bool, float, frozenset[int]]] = [
    ("left", 7, False, -0.15, frozenset()),  # steadily improving
    ("right", 5, True, +0.12, frozenset({4, 11})),  # worsening lately
    ("left", 12, False, 0.0, frozenset({2, 9, 16})),  # stable, a few missed days
    ("both", 9, False, -0.05, frozenset({0, 1, 2})),  # has not checked in for 3 days
]


def _demo_uuid(*parts: object) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, ":".join(str(part) for part in parts))


def _recorded_at(patient: Patient, day: dt.date, now: dt.datetime) -> dt.datetime:
    """When the phone recorded the check-in of ``day``: 20:30 on that local date, or now if
    that is still to come (today's check-in), so never in the future nor before the date."""
    evening = dt.datetime.combine(day, dt.time(20, 30), tzinfo=ZoneInfo(patient.timezone))
    return min(evening, now)


def _checkin(
    patient: Patient,
    day: dt.date,
    days_ago: int,
    trend: float,
    side: str,
    rng: random.Random,
    now: dt.datetime,
) -> dict[str, Any]:
    base = 5.5 - trend * days_ago  # pain today follows the trend, with day-to-day noise
    pain_now = max(0, min(10, round(base + rng.uniform(-1, 1))))
    worst = max(pain_now, min(10, pain_now + rng.choice([1, 1, 2, 2, 3])))
    stiffness = max(0, round(10 + 4 * pain_now + rng.uniform(-10, 10)))
    aid = "crutches" if worst >= 7 else "cane" if worst >= 5 else "none"
    return {
        "client_id": str(_demo_uuid(patient.id, "checkin", day.isoformat())),
        "date": day.isoformat(),
        "pain_now": pain_now,
        "pain_worst_24h": worst,
        "pain_weight_bearing": min(10, worst + rng.choice([0, 1])),
        "morning_stiffness_minutes": stiffness,
        "sleep_disturbed": worst >= 6,
        "daily_activities_affected": worst >= 5,
        "weight_bearing": "partial" if worst >= 6 else "full",
        "night_or_rest_pain": worst >= 7 and rng.random() < 0.5,
        "walking_aid": aid,
        "limping": worst >= 4,
        "painful_sides": ["left", "right"] if side == "both" else [side],
        "red_flags": [],
        "steps": rng.randrange(1500, 7000, 50),
        "notes": "",
        "recorded_at": _recorded_at(patient, day, now).isoformat(),
    }


def load_demo_record(patients: Iterable[Patient]) -> int:
    """Give each demo patient an active episode and ~3 weeks of check-ins; returns how many
    check-ins were created by this run (0 when run again the same day)."""
    from django.utils import timezone

    from apps.core.sync import ItemStatus
    from apps.core.timezones import local_today
    from apps.episodes.selectors import active_episode_for
    from apps.episodes.services import episode_create
    from apps.intake.services import checkins_submit_many

    created = 0
    for index, patient in enumerate(patients):
        side, weeks, pregnancy, trend, skipped = _PROFILES[index % len(_PROFILES)]
        today = local_today(patient.timezone)
        if active_episode_for(patient) is None:
            onset = today - dt.timedelta(weeks=weeks)
            episode_create(
                patient=patient,
                by=None,
                data={
                    "client_id": _demo_uuid(patient.id, "episode"),
                    "affected_side": side,
                    "symptom_onset_date": onset,
                    "diagnosis_date": onset + dt.timedelta(days=12),
                    "diagnosis_method": "mri",
                    "pregnancy_associated": pregnancy,
                    "home_treatment_started_on": onset + dt.timedelta(days=14),
                },
            )
        rng = random.Random(str(patient.id))  # noqa: S311 - demo values, not security
        now = timezone.now()
        items = [
            _checkin(patient, today - dt.timedelta(days=days_ago), days_ago, trend, side, rng, now)
            for days_ago in range(DEMO_DAYS - 1, -1, -1)
            if days_ago not in skipped
        ]
        results = checkins_submit_many(patient=patient, items=items)
        created += sum(result.status == ItemStatus.CREATED for result in results)
    return created
