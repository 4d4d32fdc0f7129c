from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import factory

from apps.checkins.models import CheckIn
from tests.episodes.factories import EpisodeFactory


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    episode = factory.SubFactory(EpisodeFactory)
    patient = factory.LazyAttribute(lambda checkin: checkin.episode.patient)
    client_id = factory.LazyFunction(uuid.uuid4)
    date = factory.LazyFunction(lambda: dt.date.today())  # noqa: DTZ011
    pain_now = 3
    pain_worst_24h = 5
    pain_weight_bearing = 4
    morning_stiffness_minutes = 10
    sleep_disturbed = False
    daily_activities_affected = False
    weight_bearing = "full"
    night_or_rest_pain = False
    walking_aid = "none"
    limping = False
    painful_sides = factory.LazyFunction(lambda: ["left"])
    red_flags = factory.LazyFunction(list)
    recorded_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))


def checkin_payload(day: dt.date, /, **overrides: Any) -> dict[str, Any]:
    """A complete, valid `POST checkins/` body for ``day``."""
    body = {
        "client_id": str(uuid.uuid4()),
        "date": day.isoformat(),
        "pain_now": 3,
        "pain_worst_24h": 5,
        "pain_weight_bearing": 4,
        "morning_stiffness_minutes": 15,
        "sleep_disturbed": False,
        "daily_activities_affected": True,
        "weight_bearing": "partial",
        "night_or_rest_pain": False,
        "walking_aid": "cane",
        "limping": True,
        "painful_sides": ["left"],
        "red_flags": [],
        "steps": 3200,
        "notes": "Stairs were hard.",
        # Near the (possibly frozen) clock: a recorded_at far from now is refused.
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    body.update(overrides)
    return body
