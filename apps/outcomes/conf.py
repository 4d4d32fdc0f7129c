"""The deployment's questionnaire settings, with defaults; override in ``settings.OUTCOMES``."""

from __future__ import annotations

from typing import Any

from django.conf import settings

#: Baseline at enrolment, every 2 weeks from onset while active, at resolution; the joint
#: check monthly for 24 months after resolution (issue 15; API.md: Patient progress).
DEFAULT_SCHEDULE: list[dict[str, Any]] = [
    {"instrument": "psfs", "baseline": True, "every_days": 14, "at_resolution": True},
    {"instrument": "weekly_pain", "baseline": True, "every_days": 14, "at_resolution": True},
    {"instrument": "pgic", "every_days": 14, "at_resolution": True},
    {
        "instrument": "joint_check",
        "after_resolution_every_months": 1,
        "after_resolution_months": 24,
    },
]

DEFAULTS: dict[str, Any] = {
    "SCHEDULE": DEFAULT_SCHEDULE,
    # A due questionnaire stays due this many days, then expires unanswered.
    "EXPIRY_DAYS": 7,
    "DEFAULT_LANGUAGE": "en",
}


def outcomes_setting(name: str) -> Any:
    return {**DEFAULTS, **getattr(settings, "OUTCOMES", {})}[name]
