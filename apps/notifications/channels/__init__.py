"""Channels are chosen by name from ``settings.NOTIFICATION_CHANNELS`` (name -> class path)."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from apps.notifications.channels.base import Channel, DeliveryError, OutboundMessage

__all__ = [
    "Channel",
    "DeliveryError",
    "OutboundMessage",
    "channel_class",
    "channel_names",
    "channel_problems",
]


def channel_names() -> list[str]:
    return list(getattr(settings, "NOTIFICATION_CHANNELS", {}))


def channel_class(name: str) -> type[Channel] | None:
    path = getattr(settings, "NOTIFICATION_CHANNELS", {}).get(name)
    return import_string(path) if path else None


def channel_problems() -> dict[str, str | None]:
    """Each configured channel name -> why it cannot send (None when it can)."""
    problems: dict[str, str | None] = {}
    for name in channel_names():
        klass = channel_class(name)
        problems[name] = "no channel class" if klass is None else klass.configuration_problem()
    return problems
