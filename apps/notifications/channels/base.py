"""The one interface every way of reaching a person implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class DeliveryError(Exception):
    """A channel could not deliver. ``permanent`` says whether trying again can help: a
    permanent error (unregistered token, invalid number) disables that contact point."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class OutboundMessage:
    """What a channel sends: one address (push token, e-mail address, phone number)."""

    notification_id: str
    address: str
    title: str
    body: str
    data: dict[str, str] = field(default_factory=dict)
    urgent: bool = False


class Channel:
    """Base class: ``send`` returns on success and raises ``DeliveryError`` otherwise.

    Subclasses must bound every outbound call with a timeout, and must not log the address or
    the content (they identify a patient)."""

    name: str = ""

    @classmethod
    def configuration_problem(cls) -> str | None:
        """Why this channel cannot send here (missing credentials), or None when it can."""
        return None

    def send(self, message: OutboundMessage) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    @staticmethod
    def describe_error(error: BaseException) -> str:
        """A short, non-identifying description of a provider error for the delivery log."""
        return type(error).__name__


def stringify(data: dict[str, Any] | None) -> dict[str, str]:
    """FCM data payloads are string-to-string maps."""
    return {str(key): str(value) for key, value in (data or {}).items()}
