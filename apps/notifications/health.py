"""Health check: which channels can send here. Never fails the endpoint: a channel without
credentials is skipped by delivery, not an outage."""

from __future__ import annotations

from apps.notifications.channels import channel_problems


def check_channels() -> str:
    parts = [
        f"{name}: {'configured' if problem is None else 'not configured (' + problem + ')'}"
        for name, problem in channel_problems().items()
    ]
    return "; ".join(parts) or "no channels"
